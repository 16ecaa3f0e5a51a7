"""Fit a textcat pipeline's temperature on English dev data and save the pipeline with a temperature_scaling component.

Only English dev data is used, so the transfer stays zero-shot: no target-language
example chooses the temperature. Fitting reads the textcat's own probabilities (any
temperature_scaling already in the pipeline is left out and replaced).
"""
from contextlib import nullcontext
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple, Union

from spacy.language import Language
from spacy.pipeline.textcat import TextCategorizer
from spacy.pipeline.textcat_multilabel import MultiLabel_TextCategorizer

from ..atomic import replace_folder
from ..metrics import calibration_scores, gold_category
from ..metrics.temperature import fit_temperature, scale_probabilities
from ..pipeline.temperature_scaling import FACTORY
from .pipeline_io import load_model, predict, read_docs


def temperature_pipe(nlp: Language) -> Optional[str]:
    """The name of the pipeline's temperature_scaling component, or None."""
    return next((n for n in nlp.pipe_names if nlp.get_pipe_meta(n).factory == FACTORY), None)


def without_temperature(nlp: Language) -> Any:
    """A context in which the pipeline runs without its temperature_scaling component (if any)."""
    name = temperature_pipe(nlp)
    return nlp.select_pipes(disable=[name]) if name else nullcontext()


def check_exclusive_textcat(nlp: Language, component: str) -> List[str]:
    """The labels of an exclusive `textcat` component; ValueError naming what the pipeline has otherwise."""
    if component not in nlp.pipe_names:
        raise ValueError(f"The pipeline has no component {component!r}; it has {list(nlp.pipe_names)}")
    factory = nlp.get_pipe_meta(component).factory
    # spaCy's "textcat" and XTREME's "xtreme_textcat" (its subclass): one softmax over the labels.
    pipe = nlp.get_pipe(component)
    if not isinstance(pipe, TextCategorizer) or isinstance(pipe, MultiLabel_TextCategorizer):
        raise ValueError(f"Component {component!r} is a {factory!r}; temperature scaling needs an exclusive "
                         "'textcat' or 'xtreme_textcat' (one softmax over its labels)")
    return list(nlp.get_pipe(component).labels)


def fit_on_docs(nlp: Language, component: str, gold_docs: List[Any]) -> Tuple[float, Dict[str, Dict[str, float]]]:
    """(temperature, {"before": scores, "after": scores}) of the textcat on gold docs."""
    labels = check_exclusive_textcat(nlp, component)
    golds = [gold_category(d) for d in gold_docs]
    with without_temperature(nlp):
        preds = predict(nlp, gold_docs)
    raw = [[d.cats.get(label, 0.0) for label in labels] for d in preds]
    temperature = fit_temperature(raw, [labels.index(g) for g in golds])
    after = scale_probabilities(raw, temperature)
    return temperature, {"before": calibration_scores(golds, raw, labels),
                         "after": calibration_scores(golds, after, labels)}


def add_temperature(nlp: Language, component: str, temperature: float) -> str:
    """Put a temperature_scaling component right after `component`, replacing an older one; return its name."""
    old = temperature_pipe(nlp)
    if old is not None:
        nlp.remove_pipe(old)
    labels = check_exclusive_textcat(nlp, component)
    nlp.add_pipe(FACTORY, after=component, config={"temperature": temperature, "labels": labels})
    return FACTORY


def save_atomically(nlp: Language, output: Path) -> None:
    """Write the pipeline so that `output` holds the old pipeline or all of the new one (see atomic.replace_folder)."""
    with replace_folder(output) as tmp:
        nlp.to_disk(tmp)


def calibrate_pipeline(
    model: Union[str, Path, Language],
    dev: Union[str, Path],
    output: Union[str, Path],
    component: str = "textcat",
) -> Dict[str, Any]:
    """Fit the temperature of `component` on the dev DocBin, save the calibrated pipeline to output; return the fit."""
    nlp = load_model(model)
    check_exclusive_textcat(nlp, component)
    gold = read_docs(Path(dev), nlp)
    for doc in gold:
        gold_category(doc)
    temperature, scores = fit_on_docs(nlp, component, gold)
    add_temperature(nlp, component, temperature)
    save_atomically(nlp, Path(output))
    return {"temperature": temperature, "n": len(gold), "dev": str(dev), "output": str(output), **scores}
