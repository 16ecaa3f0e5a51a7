"""The interval of a variant's gain over the baseline: test examples and training seeds as sources of variance.

Per-example data is what `evaluate` writes under "per_example": a 1-d list of 0/1
correctness (accuracy: XNLI, PAWS-X), an (n, 3) list of [n_correct, n_predicted,
n_gold] chunk counts per doc (micro F1 of the summed counts: NER, POS), or an (n, 2)
list of [gold, predicted] scores per pair (Spearman's rho: STS). Accuracy and F1 are
sums over examples; Spearman is not, so a resample is ranked again (`resampled_spearman`).

The gain is the mean over seeds of the variant's score minus the baseline's (averaged
over languages for "average"). Its variance has two parts, added:

* the test examples: a paired bootstrap. Each round draws one resample of the examples
  and applies it to every seed of both variants. With `parallel` (XNLI, PAWS-X and
  stsb-multi-mt hold the same items in every language) one resample of the items serves
  every language in a round, so that the languages' shared items are not counted as
  independent evidence; otherwise each language is resampled on its own. The variance of
  the round differences is this part.
* the seeds: s_b^2 / S_b + s_v^2 / S_v, the sample variances over the S seeds of each
  variant's score (on all examples). With fewer than two seeds of either variant this part
  cannot be estimated; the result says so (`seed_variance` False).

The 95% interval is gain ± t * SE, SE the square root of the sum, t Student's quantile with
the Welch–Satterthwaite degrees of freedom of the seed part (the normal quantile when it
is absent), and p the matching two-sided p-value. A t interval and not a percentile
interval of resampled seeds: with three seeds a resample of the seeds underestimates
their variance by a third, and tests/test_bootstrap.py's null sweeps show the coverage
that results. Per-language flags are Holm–Bonferroni adjusted over the languages at 5%
(`holm`); the language average is the primary test and is not adjusted.
"""
import math
from dataclasses import asdict, dataclass
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple

import numpy as np

N_ROUNDS = 1000
SEED = 0
ALPHA = 0.05
# Rounds drawn at a time: bounds memory at about ROUNDS_PER_CHUNK x n floats.
ROUNDS_PER_CHUNK = 100
AVERAGE = "average"

PerExample = Any  # a list of 0/1, of [n_correct, n_predicted, n_gold], or of [gold, predicted]
Pair = Tuple[Sequence[PerExample], Sequence[PerExample]]  # (baseline's seeds, variant's seeds) on one test set


@dataclass(frozen=True)
class BootstrapResult:
    """The gain of a variant over the baseline with its 95% interval (examples and seeds) and significance."""

    difference: float  # mean over seeds of the variant's score minus the baseline's, all examples
    ci_low: float
    ci_high: float
    significant: bool  # per language: Holm-adjusted p < 0.05; the average: p < 0.05
    n_rounds: int
    n_examples: int
    p_value: float = 1.0  # two-sided, before any adjustment
    seed_sd: Optional[float] = None  # std over seeds of one run's gain, sqrt(s_b^2 + s_v^2); None below 2 seeds
    seed_variance: bool = False  # whether the interval includes the seeds' variance (2+ seeds of both)

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


def resampled_scores(data: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Score of each resample; weights[r, i] = how often example i is drawn in round r."""
    if is_score_pairs(data):
        return resampled_spearman(data, weights)
    sums = weights @ data
    return sums / data.shape[0] if sums.ndim == 1 else _f1(sums)


def score(per_example: PerExample) -> float:
    """The headline score of per-example data: accuracy, micro F1 of the summed counts, or Spearman."""
    data = as_array(per_example)
    return float(resampled_scores(data, np.ones((1, len(data))))[0])


def score_interval(per_example: PerExample, n_rounds: int = N_ROUNDS, seed: int = SEED,
                   alpha: float = ALPHA) -> Tuple[float, float]:
    """The (1 - alpha) percentile-bootstrap interval of one test set's score, its examples resampled."""
    data = as_array(per_example)
    scores = resampled_scores(data, draw_weights(np.random.default_rng(seed), n_rounds, len(data)))
    return float(np.quantile(scores, alpha / 2)), float(np.quantile(scores, 1 - alpha / 2))


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


def _arrays(pairs: Sequence[Pair]) -> List[Tuple[List[np.ndarray], List[np.ndarray]]]:
    """Per test set, (baseline arrays, variant arrays), checked to pair; ValueError otherwise."""
    if not pairs:
        raise ValueError("No test sets to bootstrap")
    out = []
    for base_runs, var_runs in pairs:
        base, var = [as_array(d) for d in base_runs], [as_array(d) for d in var_runs]
        check_paired(base, var)
        out.append((base, var))
    seeds = {(len(b), len(v)) for b, v in out}
    if len(seeds) != 1:
        raise ValueError(f"Test sets have different numbers of seeds {sorted(seeds)}; every language needs "
                         "the same seeds of both variants")
    return out


def item_rounds(pairs: Sequence[Pair], n_rounds: int = N_ROUNDS, seed: int = SEED,
                parallel: bool = False) -> np.ndarray:
    """(test sets, rounds) differences on resampled examples, the seeds fixed.

    Not parallel: each test set is resampled on its own, one after another from one
    generator, so the first k test sets get the same draws whatever follows them.
    Parallel: every test set holds the same items in the same order, and one resample of
    the items per round serves them all.
    """
    if n_rounds < 2:
        raise ValueError(f"n_rounds must be at least 2, got {n_rounds}")
    arrays = _arrays(pairs)
    sizes = [len(base[0]) for base, _ in arrays]
    if parallel and len(set(sizes)) > 1:
        raise ValueError(f"Parallel test sets must hold the same items, but their sizes differ: {sizes}")
    rng = np.random.default_rng(seed)
    out = np.zeros((len(arrays), n_rounds))
    if parallel:
        for start in range(0, n_rounds, ROUNDS_PER_CHUNK):
            rounds = min(ROUNDS_PER_CHUNK, n_rounds - start)
            weights = draw_weights(rng, rounds, sizes[0])
            for i, (base, var) in enumerate(arrays):
                out[i, start:start + rounds] = round_differences(base, var, weights)
        return out
    for i, (base, var) in enumerate(arrays):
        for start in range(0, n_rounds, ROUNDS_PER_CHUNK):
            rounds = min(ROUNDS_PER_CHUNK, n_rounds - start)
            out[i, start:start + rounds] = round_differences(base, var, draw_weights(rng, rounds, sizes[i]))
    return out


def seed_scores(pairs: Sequence[Pair]) -> Tuple[np.ndarray, np.ndarray]:
    """(baseline, variant) scores per seed, each averaged over the test sets: shape (seeds,) each."""
    arrays = _arrays(pairs)
    base = np.mean([[score(d) for d in b] for b, _ in arrays], axis=0)
    var = np.mean([[score(d) for d in v] for _, v in arrays], axis=0)
    return base, var


# ----------------------------------------------------- Student's t (no scipy) ---


def _betacf(a: float, b: float, x: float) -> float:
    """The continued fraction of the regularized incomplete beta function (modified Lentz)."""
    tiny, c, d = 1e-300, 1.0, 1.0 - (a + b) * x / (a + 1.0)
    d = 1.0 / (d if abs(d) > tiny else tiny)
    h = d
    for m in range(1, 500):
        for numerator in (m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
                          -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1))):
            d = 1.0 + numerator * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + numerator / c
            c = c if abs(c) > tiny else tiny
            h *= d * c
        if abs(d * c - 1.0) < 1e-15:
            break
    return h


def regularized_beta(a: float, b: float, x: float) -> float:
    """I_x(a, b), the regularized incomplete beta function, for 0 <= x <= 1."""
    if x <= 0.0 or x >= 1.0:
        return 0.0 if x <= 0.0 else 1.0
    front = math.exp(math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log1p(-x))
    if x < (a + 1.0) / (a + b + 2.0):
        return front * _betacf(a, b, x) / a
    return 1.0 - front * _betacf(b, a, 1.0 - x) / b


def t_cdf(t: float, df: float) -> float:
    """P(T <= t) for Student's t with df degrees of freedom (the normal distribution for df = inf)."""
    if math.isinf(df):
        return 0.5 * math.erfc(-t / math.sqrt(2.0))
    tail = 0.5 * regularized_beta(df / 2.0, 0.5, df / (df + t * t))
    return 1.0 - tail if t > 0 else tail


def t_quantile(q: float, df: float) -> float:
    """The q quantile of Student's t with df degrees of freedom, 0 < q < 1 (bisection on t_cdf)."""
    if not 0.0 < q < 1.0:
        raise ValueError(f"q must be in (0, 1), got {q}")
    if q < 0.5:
        return -t_quantile(1.0 - q, df)
    low, high = 0.0, 1.0
    while t_cdf(high, df) < q:
        high *= 2.0
    for _ in range(200):
        middle = (low + high) / 2.0
        low, high = (middle, high) if t_cdf(middle, df) < q else (low, middle)
    return (low + high) / 2.0


# ------------------------------------------------------------------ results ---


def combine(difference: float, rounds: np.ndarray, base_seeds: np.ndarray, var_seeds: np.ndarray,
            n_examples: int) -> BootstrapResult:
    """The result from the gain, its round differences (examples) and each variant's per-seed scores."""
    item_var = float(np.var(rounds, ddof=1))
    seed_variance = len(base_seeds) >= 2 and len(var_seeds) >= 2
    if seed_variance:
        parts = (float(np.var(base_seeds, ddof=1)) / len(base_seeds), float(np.var(var_seeds, ddof=1)) / len(var_seeds))
        seed_var = sum(parts)
        seed_df = sum(p * p / (len(s) - 1) for p, s in zip(parts, (base_seeds, var_seeds)))
        # Welch–Satterthwaite: the example part is estimated from many rounds (infinite df).
        df = (item_var + seed_var) ** 2 / seed_df if seed_df > 0 else math.inf
        seed_sd: Optional[float] = math.sqrt(len(base_seeds) * parts[0] + len(var_seeds) * parts[1])
    else:
        seed_var, df, seed_sd = 0.0, math.inf, None
    se = math.sqrt(item_var + seed_var)
    if se == 0.0:
        low = high = difference
        p_value = 1.0 if difference == 0.0 else 0.0
    else:
        half = t_quantile(1.0 - ALPHA / 2, df) * se
        low, high = difference - half, difference + half
        p_value = 2.0 * (1.0 - t_cdf(abs(difference) / se, df))
    return BootstrapResult(difference=difference, ci_low=low, ci_high=high, significant=p_value < ALPHA,
                           n_rounds=len(rounds), n_examples=n_examples, p_value=p_value, seed_sd=seed_sd,
                           seed_variance=seed_variance)


def observed_difference(pairs: Sequence[Pair]) -> float:
    """The difference on all examples: per test set mean-over-seeds gain, averaged over test sets."""
    base, var = seed_scores(pairs)
    return float(np.mean(var) - np.mean(base))


def _average_result(pairs: Sequence[Pair], rounds: np.ndarray) -> BootstrapResult:
    """The result of the gain averaged over the test sets whose round differences are `rounds`."""
    base, var = seed_scores(pairs)
    n_examples = sum(len(as_array(base_runs[0])) for base_runs, _ in pairs)
    return combine(float(np.mean(var) - np.mean(base)), rounds.mean(axis=0), base, var, n_examples)


def paired_bootstrap_many(pairs: Sequence[Pair], n_rounds: int = N_ROUNDS, seed: int = SEED,
                          parallel: bool = False) -> BootstrapResult:
    """The gain averaged over several test sets (e.g. the language average), with its 95% interval."""
    return _average_result(pairs, item_rounds(pairs, n_rounds, seed, parallel))


def prefix_results(pairs: Sequence[Pair], n_rounds: int = N_ROUNDS, seed: int = SEED,
                   parallel: bool = False) -> List[BootstrapResult]:
    """For k = 1..len(pairs): `paired_bootstrap_many` of the first k test sets, from one set of draws."""
    rounds = item_rounds(pairs, n_rounds, seed, parallel)
    return [_average_result(pairs[:k], rounds[:k]) for k in range(1, len(pairs) + 1)]


def paired_bootstrap(baseline: Sequence[PerExample], variant: Sequence[PerExample], n_rounds: int = N_ROUNDS,
                     seed: int = SEED) -> BootstrapResult:
    """The gain of the variant over the baseline on one test set; each argument lists per-seed data."""
    return paired_bootstrap_many([(baseline, variant)], n_rounds, seed)


def holm(p_values: Mapping[str, float], alpha: float = ALPHA) -> Dict[str, bool]:
    """Holm–Bonferroni: which hypotheses are rejected with the familywise error held at alpha."""
    rejected = {name: False for name in p_values}
    ordered = sorted(p_values, key=lambda name: (p_values[name], name))
    for rank, name in enumerate(ordered):
        if p_values[name] > alpha / (len(ordered) - rank):
            break
        rejected[name] = True
    return rejected


def per_language_bootstrap(
    baseline: Mapping[str, Sequence[PerExample]],
    variant: Mapping[str, Sequence[PerExample]],
    n_rounds: int = N_ROUNDS,
    seed: int = SEED,
    parallel: bool = False,
) -> Dict[str, BootstrapResult]:
    """{lang: result} for every language (flags Holm-adjusted over them), and "average" for the mean gain.

    parallel: the languages' test sets hold the same items in the same order (XNLI,
    PAWS-X, stsb-multi-mt), resampled together.
    """
    langs: List[str] = sorted(baseline)
    if sorted(variant) != langs:
        raise ValueError(f"Baseline languages {langs} differ from the variant's {sorted(variant)}")
    pairs = [(baseline[lang], variant[lang]) for lang in langs]
    rounds = item_rounds(pairs, n_rounds, seed, parallel)
    results = {lang: _average_result([pair], rounds[i:i + 1]) for i, (lang, pair) in enumerate(zip(langs, pairs))}
    flags = holm({lang: r.p_value for lang, r in results.items()})
    results = {lang: _with_flag(r, flags[lang]) for lang, r in results.items()}
    results[AVERAGE] = _average_result(pairs, rounds)
    return results


def _with_flag(result: BootstrapResult, significant: bool) -> BootstrapResult:
    """The result with another significance flag."""
    return BootstrapResult(**{**result.as_dict(), "significant": significant})
