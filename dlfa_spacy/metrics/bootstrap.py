"""Paired bootstrap over test examples of a variant's gain over the baseline, pooled over seeds.

Per-example data is what `evaluate` writes under "per_example": a 1-d list of 0/1
correctness (accuracy: XNLI, PAWS-X), an (n, 3) list of [n_correct, n_predicted,
n_gold] chunk counts per doc (micro F1 of the summed counts: NER, POS), or an (n, 2)
list of [gold, predicted] scores per pair (Spearman's rho: STS). Accuracy and F1 are
sums over examples; Spearman is not, so a resample is ranked again (`resampled_spearman`).

Each bootstrap round draws one resample of the example indices and applies it to every
seed of both variants, so the difference is paired over examples; the score of a variant
in a round is the mean over its seeds. The 95% interval is the 2.5 and 97.5 percentiles
of the round differences; the gain is significant when that interval excludes 0.
"""
from dataclasses import asdict, dataclass
from typing import Any, Dict, List, Mapping, Sequence, Tuple

import numpy as np

N_ROUNDS = 1000
SEED = 0
# Rounds drawn at a time: bounds memory at about ROUNDS_PER_CHUNK x n floats.
ROUNDS_PER_CHUNK = 100

PerExample = Any  # a list of 0/1, of [n_correct, n_predicted, n_gold], or of [gold, predicted]


@dataclass(frozen=True)
class BootstrapResult:
    """A paired bootstrap of variant - baseline: observed difference, 95% CI, significance."""

    difference: float  # mean over seeds of the variant's score minus the baseline's, all examples
    ci_low: float
    ci_high: float
    significant: bool  # the CI excludes 0
    n_rounds: int
    n_examples: int

    def as_dict(self) -> Dict[str, Any]:
        """The result as a JSON-ready dict."""
        return asdict(self)


def as_array(per_example: PerExample) -> np.ndarray:
    """Per-example data as a float array: (n,) of 0/1, (n, 3) of chunk counts or (n, 2) of scores."""
    data = np.asarray(per_example, dtype=float)
    if data.ndim == 1 and data.size and np.isin(data, (0.0, 1.0)).all():
        return data
    if data.ndim == 2 and data.shape[1] == 3 and data.shape[0] and (data >= 0).all():
        return data
    if data.ndim == 2 and data.shape[1] == 2 and data.shape[0] >= 2 and np.isfinite(data).all():
        return data
    raise ValueError(
        "per-example data must be a non-empty list of 0/1, of [n_correct, n_predicted, n_gold] "
        f"counts or of at least two [gold, predicted] scores; got an array of shape {data.shape}"
    )


def is_score_pairs(data: np.ndarray) -> bool:
    """Whether per-example data holds [gold, predicted] score pairs (STS) rather than sums."""
    return data.ndim == 2 and data.shape[1] == 2


def resampled_ranks(values: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Average rank of each example within each resample; weights[r, i] = copies of example i in round r.

    Ties, including the copies of one example, share the mean of their ranks, as in
    scipy.stats.rankdata of the resample written out.
    """
    order = np.argsort(values, kind="mergesort")
    ordered = values[order]
    new_group = np.r_[True, ordered[1:] != ordered[:-1]]
    group_of = np.cumsum(new_group) - 1  # the tie group of each sorted position
    group_weight = np.add.reduceat(weights[:, order], np.flatnonzero(new_group), axis=1)
    before = np.cumsum(group_weight, axis=1) - group_weight
    ranks = np.empty_like(weights)
    ranks[:, order] = (before + (group_weight + 1) / 2)[:, group_of]
    return ranks


def weighted_pearson(x: np.ndarray, y: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Per round, Pearson's r of x and y with each example counted weights[r, i] times; 0.0 if constant."""
    total = weights.sum(axis=1, keepdims=True)
    dx = x - (weights * x).sum(axis=1, keepdims=True) / total
    dy = y - (weights * y).sum(axis=1, keepdims=True) / total
    covariance = (weights * dx * dy).sum(axis=1)
    denominator = np.sqrt((weights * dx * dx).sum(axis=1) * (weights * dy * dy).sum(axis=1))
    with np.errstate(divide="ignore", invalid="ignore"):
        # The same convention as metrics.correlation: no correlation of a constant side.
        return np.where(denominator > 0, covariance / denominator, 0.0)


def resampled_spearman(data: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Spearman's rho of [gold, predicted] pairs in each resample (ranked within the resample)."""
    gold = resampled_ranks(data[:, 0], weights)
    pred = resampled_ranks(data[:, 1], weights)
    return weighted_pearson(gold, pred, weights)


def _f1(sums: np.ndarray) -> np.ndarray:
    """Micro F1 of summed [n_correct, n_predicted, n_gold] counts, shape (..., 3) -> (...)."""
    correct, predicted, gold = sums[..., 0], sums[..., 1], sums[..., 2]
    with np.errstate(divide="ignore", invalid="ignore"):
        # The same operations and 0-conventions as metrics.tagging.prf.
        precision = np.where(predicted > 0, correct / predicted, 0.0)
        recall = np.where(gold > 0, correct / gold, 0.0)
        denom = precision + recall
        return np.where(denom > 0, 2.0 * precision * recall / denom, 0.0)


def _score_sums(sums: np.ndarray, n: int) -> np.ndarray:
    """Scores from summed per-example data: accuracy (1-d data summed) or micro F1 (counts)."""
    return sums / n if sums.ndim == 1 else _f1(sums)


def score(per_example: PerExample) -> float:
    """The headline score of per-example data: accuracy, micro F1 of the summed counts, or Spearman."""
    data = as_array(per_example)
    return float(resampled_scores(data, np.ones((1, len(data))))[0])


def check_paired(baseline: Sequence[np.ndarray], variant: Sequence[np.ndarray]) -> int:
    """The common number of examples; ValueError unless every seed of both variants has it."""
    if not baseline or not variant:
        raise ValueError("The paired bootstrap needs at least one seed of the baseline and of the variant")
    shapes = {a.shape for a in (*baseline, *variant)}
    if len(shapes) != 1:
        raise ValueError(
            f"Per-example data of the seeds differ in shape {sorted(shapes)}; a paired bootstrap "
            "needs the same test examples everywhere"
        )
    return len(baseline[0])


def resampled_scores(data: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Score of each resample; weights[r, i] = how often example i is drawn in round r."""
    if is_score_pairs(data):
        return resampled_spearman(data, weights)
    return _score_sums(weights @ data, data.shape[0])


def round_differences(
    baseline: Sequence[np.ndarray], variant: Sequence[np.ndarray], weights: np.ndarray
) -> np.ndarray:
    """Per round: mean over seeds of the variant's score minus the baseline's, on the same resample."""
    mean = lambda runs: np.mean([resampled_scores(d, weights) for d in runs], axis=0)  # noqa: E731
    return mean(variant) - mean(baseline)


def draw_weights(rng: np.random.Generator, rounds: int, n: int) -> np.ndarray:
    """Counts of each example in `rounds` resamples of n examples drawn with replacement."""
    indices = rng.integers(0, n, size=(rounds, n))
    # Offsetting row r by r*n makes one bincount count every row at once.
    flat = (indices + n * np.arange(rounds)[:, None]).ravel()
    return np.bincount(flat, minlength=rounds * n).reshape(rounds, n).astype(float)


def bootstrap_differences(
    pairs: Sequence[Tuple[Sequence[PerExample], Sequence[PerExample]]],
    n_rounds: int = N_ROUNDS,
    seed: int = SEED,
) -> np.ndarray:
    """Round differences averaged over test sets (e.g. languages), each resampled on its own.

    pairs: per test set, (baseline seeds' per-example data, variant seeds' per-example data).
    """
    if n_rounds < 1:
        raise ValueError(f"n_rounds must be at least 1, got {n_rounds}")
    rng = np.random.default_rng(seed)
    total = np.zeros(n_rounds)
    for base_runs, var_runs in pairs:
        base = [as_array(d) for d in base_runs]
        var = [as_array(d) for d in var_runs]
        n = check_paired(base, var)
        for start in range(0, n_rounds, ROUNDS_PER_CHUNK):
            rounds = min(ROUNDS_PER_CHUNK, n_rounds - start)
            weights = draw_weights(rng, rounds, n)
            total[start:start + rounds] += round_differences(base, var, weights)
    return total / len(pairs)


def observed_difference(pairs: Sequence[Tuple[Sequence[PerExample], Sequence[PerExample]]]) -> float:
    """The difference on all examples: per test set mean-over-seeds gain, averaged over test sets."""
    gains = [
        np.mean([score(d) for d in var_runs]) - np.mean([score(d) for d in base_runs])
        for base_runs, var_runs in pairs
    ]
    return float(np.mean(gains))


def paired_bootstrap_many(
    pairs: Sequence[Tuple[Sequence[PerExample], Sequence[PerExample]]],
    n_rounds: int = N_ROUNDS,
    seed: int = SEED,
) -> BootstrapResult:
    """Paired bootstrap of the gain averaged over several test sets (e.g. the language average)."""
    if not pairs:
        raise ValueError("No test sets to bootstrap")
    diffs = bootstrap_differences(pairs, n_rounds, seed)
    low, high = (float(x) for x in np.percentile(diffs, [2.5, 97.5]))
    return BootstrapResult(
        difference=observed_difference(pairs), ci_low=low, ci_high=high,
        significant=bool(low > 0 or high < 0), n_rounds=n_rounds,
        n_examples=sum(len(as_array(runs[0])) for runs, _ in pairs),
    )


def paired_bootstrap(
    baseline: Sequence[PerExample],
    variant: Sequence[PerExample],
    n_rounds: int = N_ROUNDS,
    seed: int = SEED,
) -> BootstrapResult:
    """Paired bootstrap of variant - baseline on one test set; each argument lists per-seed data."""
    return paired_bootstrap_many([(baseline, variant)], n_rounds, seed)


def per_language_bootstrap(
    baseline: Mapping[str, Sequence[PerExample]],
    variant: Mapping[str, Sequence[PerExample]],
    n_rounds: int = N_ROUNDS,
    seed: int = SEED,
) -> Dict[str, BootstrapResult]:
    """{lang: result} for every language, and "average" for the mean gain over languages."""
    langs: List[str] = sorted(baseline)
    if sorted(variant) != langs:
        raise ValueError(f"Baseline languages {langs} differ from the variant's {sorted(variant)}")
    results = {lang: paired_bootstrap(baseline[lang], variant[lang], n_rounds, seed) for lang in langs}
    results["average"] = paired_bootstrap_many([(baseline[l], variant[l]) for l in langs], n_rounds, seed)
    return results
