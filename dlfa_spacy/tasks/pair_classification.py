"""What XNLI and PAWS-X share: one exclusive category per sentence pair, scored with calibration."""
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Sequence, Tuple

import numpy as np

from ..metrics import calibration_scores, classification_scores, gold_category
from ..metrics.tagging import check_aligned
from ..metrics.temperature import scale_probabilities

if TYPE_CHECKING:
    from spacy.tokens import Doc


def positive_cats(doc: "Doc") -> List[str]:
    """The categories set to 1.0."""
    return [name for name, value in doc.cats.items() if value == 1.0]


def check_gold(component: str, model_labels: Sequence[str], lang: str, docs: Sequence["Doc"]) -> None:
    """ValueError unless the gold categories are exactly the model's labels, one positive per doc."""
    gold = {label for doc in docs for label in doc.cats}
    if gold != set(model_labels):
        raise ValueError(
            f"{lang}: gold categories {sorted(gold)} differ from the labels of {component!r} {sorted(model_labels)}"
        )
    for doc in docs:
        gold_category(doc)


def score(gold_docs: Sequence["Doc"], pred_docs: Sequence["Doc"], labels: Sequence[str],
          temperature: Optional[float], lang: str) -> Tuple[Dict[str, Any], List[Any]]:
    """Accuracy, macro F1 and calibration; per example, 0/1 correctness.

    temperature: the pred docs hold the textcat's own cats; score them scaled by this
    temperature, and add "calibration" with the scores before and after.
    """
    check_aligned(gold_docs, pred_docs)
    raw = [[d.cats.get(label, 0.0) for label in labels] for d in pred_docs]
    golds = [gold_category(d) for d in gold_docs]
    probs = raw if temperature is None else scale_probabilities(raw, temperature).tolist()
    result = classification_scores(golds, probs, list(labels))
    if temperature is not None:
        result["calibration"] = {"temperature": temperature, "before": calibration_scores(golds, raw, list(labels)),
                                 "after": calibration_scores(golds, probs, list(labels))}
    # argmax takes the first label on a tie, as classification_scores does.
    predicted = np.asarray(probs, dtype=float).argmax(axis=1)
    return result, [int(labels[int(p)] == g) for p, g in zip(predicted, golds)]
