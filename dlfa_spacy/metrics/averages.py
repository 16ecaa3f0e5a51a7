"""Averages of per-language scores."""
from typing import Any, Mapping, Optional, Tuple


def average_scores(languages: Mapping[str, Mapping[str, Any]]) -> Tuple[Optional[float], Optional[float]]:
    """Return (mean score over languages, mean score without "en"); None when there is none."""
    scores = [v["score"] for v in languages.values()]
    without_en = [v["score"] for k, v in languages.items() if k != "en"]
    mean = lambda xs: float(sum(xs) / len(xs)) if xs else None  # noqa: E731
    return mean(scores), mean(without_en)
