"""Correlation metrics of semantic textual similarity: Pearson and Spearman (ties get average ranks)."""
from typing import Dict, Sequence

import numpy as np


def pearson(gold: Sequence[float], pred: Sequence[float]) -> float:
    """Pearson's r of two equally long sequences; 0.0 when either is constant (r is undefined)."""
    x, y = _pair(gold, pred)
    dx, dy = x - x.mean(), y - y.mean()
    denominator = float(np.sqrt((dx * dx).sum() * (dy * dy).sum()))
    # A constant prediction (an untrained head) has no correlation; scipy returns nan.
    return float((dx * dy).sum()) / denominator if denominator > 0 else 0.0


def average_ranks(values: Sequence[float]) -> np.ndarray:
    """1-based ranks, tied values sharing the mean of their ranks (as scipy.stats.rankdata)."""
    x = np.asarray(values, dtype="float64")
    order = np.argsort(x, kind="mergesort")
    ranks = np.empty(len(x), dtype="float64")
    sorted_x = x[order]
    start = 0
    while start < len(x):
        end = start
        while end + 1 < len(x) and sorted_x[end + 1] == sorted_x[start]:
            end += 1
        ranks[order[start:end + 1]] = (start + end) / 2 + 1
        start = end + 1
    return ranks


def spearman(gold: Sequence[float], pred: Sequence[float]) -> float:
    """Spearman's rho: Pearson's r of the average ranks; 0.0 when either side is constant."""
    x, y = _pair(gold, pred)
    return pearson(average_ranks(x), average_ranks(y))


def correlation_scores(gold: Sequence[float], pred: Sequence[float]) -> Dict[str, float]:
    """{"spearman", "pearson"} in [-1, 1] of one language's gold and predicted scores."""
    return {"spearman": spearman(gold, pred), "pearson": pearson(gold, pred)}


def _pair(gold: Sequence[float], pred: Sequence[float]):
    x, y = np.asarray(gold, dtype="float64"), np.asarray(pred, dtype="float64")
    if x.shape != y.shape or x.ndim != 1:
        raise ValueError(f"Gold and predicted scores must be two equally long lists, got {x.shape} and {y.shape}")
    if len(x) < 2:
        raise ValueError(f"A correlation needs at least two scored pairs, got {len(x)}")
    return x, y
