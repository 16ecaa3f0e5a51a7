"""`xtreme_textcat`: spaCy's exclusive textcat trained with XTREME's loss, and selected on accuracy.

spaCy's textcat hands the optimizer the batch's summed gradient (scores - truths); XTREME's
`BertForSequenceClassification` averages the cross-entropy over the batch. With gradient
clipping the scale matters, so this component averages. Its scorer adds `cats_accuracy`
(XTREME's XNLI and PAWS-X metric and checkpoint choice) to spaCy's textcat scores.
"""
from typing import Any, Callable, Dict, Iterable, List, Optional, Tuple

from spacy.language import Language
from spacy.pipeline.textcat import TextCategorizer
from spacy.scorer import Scorer
from spacy.training import Example, validate_examples
from spacy.util import registry
from thinc.api import Model
from thinc.types import Floats2d

DEFAULT_MODEL = {
    "@architectures": "dlfa_spacy.SequenceClassifier.v1",
    "head": "auto",
    "dropout": 0.1,
    "tok2vec": {"@architectures": "dlfa_spacy.DLFA.v1", "layer": None},
}


@registry.scorers("dlfa_spacy.textcat_accuracy_scorer.v1")
def make_textcat_accuracy_scorer() -> Callable[..., Dict[str, Any]]:
    """spaCy's exclusive textcat scores plus `cats_accuracy`."""
    return score_with_accuracy


def score_with_accuracy(examples: Iterable[Example], **kwargs: Any) -> Dict[str, Any]:
    """Textcat scores of exclusive classes, and the share of examples whose top category is the gold one."""
    examples = list(examples)
    scores = Scorer.score_cats(examples, "cats", multi_label=False, **kwargs)
    right = [max(eg.predicted.cats, key=eg.predicted.cats.get) == max(eg.reference.cats, key=eg.reference.cats.get)
             for eg in examples if eg.predicted.cats and eg.reference.cats]
    scores["cats_accuracy"] = sum(right) / len(right) if right else None
    return scores


@Language.factory(
    "xtreme_textcat",
    default_config={"threshold": 0.0, "model": DEFAULT_MODEL,
                    "scorer": {"@scorers": "dlfa_spacy.textcat_accuracy_scorer.v1"}},
    default_score_weights={"cats_accuracy": 1.0, "cats_score": 0.0, "cats_macro_f": None},
)
def make_xtreme_textcat(nlp: Language, name: str, model: Model[List[Any], Floats2d], threshold: float,
                        scorer: Optional[Callable]) -> "XtremeTextCategorizer":
    """An exclusive textcat whose loss is the batch's mean cross-entropy."""
    return XtremeTextCategorizer(nlp.vocab, model, name, threshold=threshold, scorer=scorer)


class XtremeTextCategorizer(TextCategorizer):
    """spaCy's exclusive TextCategorizer with the mean cross-entropy over the batch as its loss."""

    def get_loss(self, examples: Iterable[Example], scores: Floats2d) -> Tuple[float, Floats2d]:
        """Mean cross-entropy of the gold categories, and its gradient with respect to the logits."""
        examples = list(examples)
        validate_examples(examples, "XtremeTextCategorizer.get_loss")
        self._validate_categories(examples)
        truths, not_missing = self._examples_to_truth(examples)
        ops = self.model.ops
        truths, not_missing = ops.asarray(truths), ops.asarray(not_missing)
        n = max(len(examples), 1)
        gold = (scores * truths).sum(axis=1)
        loss = float(-ops.xp.log(ops.xp.maximum(gold, 1e-30)).sum()) / n
        return loss, (scores - truths) * not_missing / n
