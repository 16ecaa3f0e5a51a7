"""Classification metrics: accuracy, macro F1 and calibration (ECE, NLL, Brier, reliability bins)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Dict, List, Sequence, Tuple

import numpy as np
if TYPE_CHECKING:  # the metrics read docs without importing spaCy (and so torch)
    from spacy.tokens import Doc

from .tagging import prf

N_BINS = 15


# Probabilities are clipped to this before taking the log, so one confident mistake
# gives a large but finite NLL instead of infinity.
MIN_PROB = 1e-12


def _bin_index(confidences: np.ndarray, n_bins: int) -> np.ndarray:
    """Bin of each confidence: bin b holds (b/n_bins, (b+1)/n_bins]; 0 goes into bin 0."""
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    # The first upper edge >= c is c's bin, which makes bins closed on the right.
    return np.clip(np.searchsorted(edges[1:], confidences, side="left"), 0, n_bins - 1)


def _as_arrays(confidences: Sequence[float], correct: Sequence[bool]) -> Tuple[np.ndarray, np.ndarray]:
    """Validate and convert confidence / correctness sequences to arrays."""
    conf = np.asarray(confidences, dtype=float).reshape(-1)
    corr = np.asarray(correct, dtype=bool).reshape(-1)
    if conf.shape != corr.shape:
        raise ValueError(f"{conf.size} confidences but {corr.size} correctness values")
    if conf.size == 0:
        raise ValueError("No examples to compute calibration on")
    return conf, corr


def reliability_bins(
    confidences: Sequence[float], correct: Sequence[bool], n_bins: int = N_BINS
) -> List[Dict[str, Any]]:
    """Per equal-width confidence bin: edges, count, accuracy and mean confidence (None if empty)."""
    conf, corr = _as_arrays(confidences, correct)
    index = _bin_index(conf, n_bins)
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    bins = []
    for b in range(n_bins):
        mask = index == b
        count = int(mask.sum())
        bins.append({
            "lower": float(edges[b]),
            "upper": float(edges[b + 1]),
            "count": count,
            "accuracy": float(corr[mask].mean()) if count else None,
            "confidence": float(conf[mask].mean()) if count else None,
        })
    return bins


def expected_calibration_error(
    confidences: Sequence[float], correct: Sequence[bool], n_bins: int = N_BINS
) -> float:
    """ECE = sum over bins of |B|/n * |accuracy(B) - mean confidence(B)|."""
    bins = reliability_bins(confidences, correct, n_bins)
    n = sum(b["count"] for b in bins)
    return float(sum(
        b["count"] / n * abs(b["accuracy"] - b["confidence"]) for b in bins if b["count"]
    ))


def negative_log_likelihood(probs: np.ndarray, gold_index: Sequence[int]) -> float:
    """Mean of -log p(gold) over examples, with p clipped to at least 1e-12."""
    probs = np.asarray(probs, dtype=float)
    p_gold = probs[np.arange(len(probs)), np.asarray(gold_index, dtype=int)]
    return float(np.mean(-np.log(np.clip(p_gold, MIN_PROB, None))))


def brier_score(probs: np.ndarray, gold_index: Sequence[int]) -> float:
    """Mean over examples of the sum over classes of (p_c - y_c)^2."""
    probs = np.asarray(probs, dtype=float)
    onehot = np.zeros_like(probs)
    onehot[np.arange(len(probs)), np.asarray(gold_index, dtype=int)] = 1.0
    return float(np.mean(np.sum((probs - onehot) ** 2, axis=1)))


def classification_scores(
    gold_labels: Sequence[str],
    probs: Sequence[Sequence[float]],
    labels: Sequence[str],
    n_bins: int = N_BINS,
) -> Dict[str, Any]:
    """Accuracy, macro F1, per-label P/R/F1 and calibration of class probabilities.

    `probs[i][j]` is the probability of `labels[j]` for example i; the prediction is the
    argmax (first label wins a tie). Macro F1 averages the labels that occur in the gold
    or the predictions (scikit-learn's default), so an unused model label adds no zero.
    """
    labels = list(labels)
    if not len(gold_labels):
        raise ValueError("No examples to score")
    probs = np.asarray(probs, dtype=float)
    if probs.ndim != 2 or probs.shape != (len(gold_labels), len(labels)):
        raise ValueError(
            f"probs must have shape ({len(gold_labels)}, {len(labels)}), got {probs.shape}"
        )
    unknown = sorted(set(gold_labels) - set(labels))
    if unknown:
        raise ValueError(f"Gold labels {unknown} are not among the labels {labels}")
    gold_index = np.array([labels.index(g) for g in gold_labels], dtype=int)
    pred_index = probs.argmax(axis=1)
    correct = pred_index == gold_index
    per_label = {}
    for j, label in enumerate(labels):
        n_correct = int(np.sum(correct & (gold_index == j)))
        n_pred, n_gold = int(np.sum(pred_index == j)), int(np.sum(gold_index == j))
        p, r, f = prf(n_correct, n_pred, n_gold)
        per_label[label] = {"precision": p, "recall": r, "f1": f, "support": n_gold, "n_predicted": n_pred}
    used = [l for l in labels if per_label[l]["support"] or per_label[l]["n_predicted"]]
    confidences = probs.max(axis=1)
    return {
        "accuracy": float(correct.mean()),
        "macro_f1": float(np.mean([per_label[l]["f1"] for l in used])),
        "ece": expected_calibration_error(confidences, correct, n_bins),
        "nll": negative_log_likelihood(probs, gold_index),
        "brier": brier_score(probs, gold_index),
        "per_label": per_label,
        "reliability": reliability_bins(confidences, correct, n_bins),
    }


def gold_category(doc: Doc) -> str:
    """Return the one gold label of an exclusive-classes doc (the cat with value >= 0.5)."""
    positive = [label for label, value in doc.cats.items() if value >= 0.5]
    if len(positive) != 1:
        raise ValueError(
            f"Doc {doc.text[:60]!r} has {len(positive)} positive categories in {doc.cats}; "
            "exclusive classification needs exactly one"
        )
    return positive[0]


CALIBRATION_KEYS = ("accuracy", "ece", "nll", "brier")


def calibration_scores(golds: List[str], probs: Any, labels: List[str]) -> Dict[str, float]:
    """Accuracy, ECE, NLL and Brier of class probabilities."""
    scores = classification_scores(golds, probs, labels)
    return {key: scores[key] for key in CALIBRATION_KEYS}
