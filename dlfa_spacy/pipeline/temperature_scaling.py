"""`temperature_scaling`: a pipeline component that calibrates an exclusive textcat's `doc.cats` with one temperature.

`dlfa-spacy calibrate` fits the temperature on English dev data only (minimum NLL, see
`metrics/temperature.py`) and adds this component after the textcat. Its settings live in
the pipeline's config, so `spacy.load`, pickling and `spacy package` keep them:

    [components.temperature_scaling]
    factory = "temperature_scaling"
    temperature = 1.7
    labels = ["entailment", "neutral", "contradiction"]

Only the categories in `labels` are rescaled (renormalised among themselves), so the cats
of any other component are left alone. Accuracy does not change: T > 0 keeps the argmax.
"""
from typing import Dict, Iterable, Iterator, List

from spacy.language import Language
from spacy.tokens import Doc

from ..metrics.temperature import check_temperature, scale_probabilities

FACTORY = "temperature_scaling"


@Language.factory(FACTORY, default_config={"temperature": 1.0, "labels": []})
def make_temperature_scaling(nlp: Language, name: str, temperature: float, labels: List[str]) -> "TemperatureScaling":
    """A temperature_scaling component: doc.cats of `labels` -> the same cats at `temperature`."""
    return TemperatureScaling(name, temperature, labels)


class TemperatureScaling:
    """Rescales the probabilities of one exclusive textcat's labels in doc.cats by 1 / temperature."""

    def __init__(self, name: str = FACTORY, temperature: float = 1.0, labels: Iterable[str] = ()):
        check_temperature(temperature)
        self.name = name
        self.temperature = float(temperature)
        self.labels = list(labels)
        if len(self.labels) < 2:
            raise ValueError(f"{name}: `labels` must name the two or more categories of an exclusive textcat, "
                             f"got {self.labels}")

    def scaled(self, cats: Dict[str, float]) -> Dict[str, float]:
        """The cats with this component's labels rescaled; ValueError if one of them is missing."""
        missing = [label for label in self.labels if label not in cats]
        if missing:
            raise ValueError(f"{self.name}: doc.cats has no {missing}; expected the textcat before it to set "
                             f"{self.labels}")
        probs = scale_probabilities([[cats[label] for label in self.labels]], self.temperature)[0]
        return {**cats, **{label: float(p) for label, p in zip(self.labels, probs)}}

    def __call__(self, doc: Doc) -> Doc:
        """Rescale doc.cats in place."""
        doc.cats = self.scaled(doc.cats)
        return doc

    def pipe(self, docs: Iterable[Doc], batch_size: int = 128) -> Iterator[Doc]:
        """Rescale each doc's cats."""
        for doc in docs:
            yield self(doc)
