"""`similarity_regressor`: a trainable component that scores the similarity of a pair doc (0-5, STS).

The gold score of a training doc and the predicted score of a processed doc are both in
`doc._.sts_score` (see `similarity.py`; the score's range is in `tasks/sts.py`), as `doc.cats` holds gold and predicted
categories. The loss is the mean squared error; `score` gives Spearman's rho (the
headline of the STS literature, which `spacy train` selects on) and Pearson's r, in
[-1, 1] as spaCy's scores are fractions (its console shows them x 100).
"""
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple

from spacy.language import Language
from spacy.pipeline import TrainablePipe
from spacy.tokens import Doc
from spacy.training import Example, validate_get_examples
from spacy.util import registry
from thinc.api import Model
from thinc.types import Floats2d

from ..metrics.correlation import correlation_scores
from ..tasks.sts import MAX_SCORE
from .similarity import STS_SCORE, register_extension

DEFAULT_MODEL = {
    "@architectures": "dlfa_spacy.PairRegressor.v1",
    "hidden_width": 64,
    "tok2vec": {"@architectures": "dlfa_spacy.DLFA.v1", "layer": None},
}


def gold_score(example: Example) -> float:
    """The reference doc's gold score; ValueError naming the text unless it is a number in 0..5."""
    value = getattr(example.reference._, STS_SCORE)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= MAX_SCORE:
        raise ValueError(
            f"similarity_regressor: the gold doc {example.reference.text[:60]!r} has doc._.{STS_SCORE} = "
            f"{value!r}; expected a number in 0..{MAX_SCORE:g} (convert STS data with `dlfa-spacy convert`)"
        )
    return float(value)


@registry.scorers("dlfa_spacy.sts_scorer.v1")
def make_sts_scorer() -> Callable[[Iterable[Example]], Dict[str, float]]:
    """The scorer of similarity_regressor: Spearman and Pearson of predicted against gold scores."""
    return score_similarity


def score_similarity(examples: Iterable[Example], **kwargs: Any) -> Dict[str, Optional[float]]:
    """{"sts_spearman", "sts_pearson"} of the examples' predicted against their gold scores."""
    examples = list(examples)
    gold = [gold_score(eg) for eg in examples]
    pred = [float(getattr(eg.predicted._, STS_SCORE) or 0.0) for eg in examples]
    if len(examples) < 2:
        return {"sts_spearman": None, "sts_pearson": None}
    scores = correlation_scores(gold, pred)
    return {"sts_spearman": scores["spearman"], "sts_pearson": scores["pearson"]}


@Language.factory(
    "similarity_regressor",
    default_config={"model": DEFAULT_MODEL, "scorer": {"@scorers": "dlfa_spacy.sts_scorer.v1"}},
    default_score_weights={"sts_spearman": 1.0, "sts_pearson": 0.0},
)
def make_similarity_regressor(nlp: Language, name: str, model: Model[List[Doc], Floats2d],
                              scorer: Optional[Callable] = None) -> "SimilarityRegressor":
    """A similarity_regressor component: pair doc -> doc._.sts_score."""
    return SimilarityRegressor(nlp.vocab, model, name, scorer=scorer)


class SimilarityRegressor(TrainablePipe):
    """Predicts the similarity (0-5) of a pair doc's two sentences into doc._.sts_score."""

    def __init__(self, vocab: Any, model: Model, name: str = "similarity_regressor",
                 scorer: Optional[Callable] = None):
        register_extension()
        self.vocab = vocab
        self.model = model
        self.name = name
        self.cfg: Dict[str, Any] = {}
        self.scorer = scorer

    @property
    def labels(self) -> Tuple[str, ...]:
        """A regressor has no labels (evaluate reads this of every task component)."""
        return ()

    def predict(self, docs: Iterable[Doc]) -> Floats2d:
        """(n_docs, 1) predicted scores; NaN for an empty doc, which holds no pair to score."""
        docs = list(docs)
        scores = self.model.ops.alloc2f(len(docs), 1) + float("nan")
        rows = [i for i, doc in enumerate(docs) if len(doc)]
        if rows:
            scores[self.model.ops.asarray1i(rows)] = self.model.predict([docs[i] for i in rows])
        return scores

    def set_annotations(self, docs: Iterable[Doc], scores: Floats2d) -> None:
        """Write each doc's predicted score into doc._.sts_score (None for an empty doc)."""
        for doc, value in zip(docs, self.model.ops.to_numpy(scores)[:, 0].tolist()):
            setattr(doc._, STS_SCORE, float(value) if len(doc) else None)

    def get_loss(self, examples: Iterable[Example], scores: Floats2d) -> Tuple[float, Floats2d]:
        """Mean squared error against the gold scores, and its gradient."""
        examples = list(examples)
        gold = self.model.ops.asarray2f([[gold_score(eg)] for eg in examples], dtype=scores.dtype)
        diff = scores - gold
        n = max(len(examples), 1)
        return float((diff ** 2).sum()) / n, diff * (2.0 / n)

    def initialize(self, get_examples: Callable[[], Iterable[Example]], *, nlp: Optional[Language] = None) -> None:
        """Initialize the model on a sample of the training examples."""
        validate_get_examples(get_examples, "SimilarityRegressor.initialize")
        examples = list(get_examples())[:10]
        docs = [eg.reference for eg in examples]
        gold = self.model.ops.asarray2f([[gold_score(eg)] for eg in examples])
        self.model.initialize(X=docs, Y=gold)
