"""The gain's interval holds up: seed variance, parallel test sets, Holm over languages, and null sweeps."""
import math
from typing import Dict, List, Tuple

import numpy as np
import pytest
from scipy import stats

from dlfa_spacy.metrics.bootstrap import (
    combine,
    holm,
    item_rounds,
    paired_bootstrap,
    paired_bootstrap_many,
    per_language_bootstrap,
    prefix_results,
    seed_scores,
    t_cdf,
    t_quantile,
)

Sweep = Tuple[Dict[str, List[List[int]]], Dict[str, List[List[int]]]]


@pytest.mark.parametrize("df", [1, 2, 3.7, 4, 9.5, 30, 1000, math.inf])
def test_t_distribution_equals_scipy(df):
    for q in (0.6, 0.9, 0.975, 0.999):
        assert t_quantile(q, df) == pytest.approx(stats.t.ppf(q, df), rel=1e-9)
        assert t_quantile(1 - q, df) == pytest.approx(stats.t.ppf(1 - q, df), rel=1e-9)
    for x in (-3.0, -0.4, 0.0, 1.3, 6.0):
        assert t_cdf(x, df) == pytest.approx(stats.t.cdf(x, df), abs=1e-12)


def test_interval_bounds_are_t_times_the_combined_standard_error():
    rounds = np.array([0.01, 0.03, -0.02, 0.04, 0.02, 0.0])
    base, var = np.array([0.60, 0.62, 0.61]), np.array([0.64, 0.66, 0.61, 0.65])
    result = combine(0.03, rounds, base, var, n_examples=100)
    vb, vv = np.var(base, ddof=1) / 3, np.var(var, ddof=1) / 4
    se = math.sqrt(np.var(rounds, ddof=1) + vb + vv)
    df = (np.var(rounds, ddof=1) + vb + vv) ** 2 / (vb ** 2 / 2 + vv ** 2 / 3)
    half = stats.t.ppf(0.975, df) * se
    assert (result.ci_low, result.ci_high) == pytest.approx((0.03 - half, 0.03 + half), rel=1e-9)
    assert result.p_value == pytest.approx(2 * stats.t.sf(0.03 / se, df), rel=1e-9)
    assert result.seed_sd == pytest.approx(math.sqrt(np.var(base, ddof=1) + np.var(var, ddof=1)))
    assert result.seed_variance and result.significant == (result.p_value < 0.05)
    # One seed of a variant: no seed part, the normal quantile, and the result says so.
    single = combine(0.03, rounds, base[:1], var, n_examples=100)
    assert not single.seed_variance and single.seed_sd is None
    assert single.ci_high - 0.03 == pytest.approx(stats.norm.ppf(0.975) * np.std(rounds, ddof=1), rel=1e-9)


def test_example_variance_matches_a_plain_resampling_loop():
    rng = np.random.default_rng(0)
    base, var = rng.integers(0, 2, 120).tolist(), rng.integers(0, 2, 120).tolist()
    rounds = item_rounds([([base], [var])], n_rounds=4000, seed=1)[0]
    # Independently: resample the paired 0/1 differences with Python's own generator.
    import random

    draw = random.Random(2)
    d = np.array(var) - np.array(base)
    plain = [float(np.mean([d[draw.randrange(120)] for _ in range(120)])) for _ in range(4000)]
    assert np.std(rounds, ddof=1) == pytest.approx(np.std(plain, ddof=1), rel=0.06)
    assert np.mean(rounds) == pytest.approx(np.mean(d), abs=0.01)


def test_parallel_test_sets_share_each_resample():
    base = [[1, 0, 1, 0, 1, 1, 0, 0]] * 2
    var = [[1, 1, 1, 0, 0, 1, 1, 0]] * 2
    pairs = [(base, var), (base, var)]
    joint = item_rounds(pairs, n_rounds=50, seed=3, parallel=True)
    assert np.array_equal(joint[0], joint[1])  # one draw of the items serves both languages
    apart = item_rounds(pairs, n_rounds=50, seed=3)
    assert not np.array_equal(apart[0], apart[1])
    with pytest.raises(ValueError, match="sizes differ: \\[8, 3\\]"):
        item_rounds([(base, var), ([[1, 0, 1]] * 2, [[1, 1, 1]] * 2)], n_rounds=10, parallel=True)


def test_holm_by_hand():
    # Sorted p: 0.01 <= 0.05/4, 0.015 <= 0.05/3, 0.03 > 0.05/2: stop; 0.04 is not rejected either.
    assert holm({"a": 0.03, "b": 0.01, "c": 0.04, "d": 0.015}) == {"a": False, "b": True, "c": False, "d": True}
    assert holm({"a": 0.2}) == {"a": False} and holm({"a": 0.049}) == {"a": True}


def test_language_flags_are_holm_adjusted_and_the_average_is_not():
    rng = np.random.default_rng(4)
    base = {f"l{i}": [rng.integers(0, 2, 200).tolist() for _ in range(3)] for i in range(6)}
    var = {lang: [runs[0], runs[1], runs[2]] for lang, runs in base.items()}
    var["l0"] = [[1] * 200] * 3  # a real gain in one language
    results = per_language_bootstrap(base, var, n_rounds=300, seed=0)
    expected = holm({lang: results[lang].p_value for lang in base})
    assert {lang: results[lang].significant for lang in base} == expected
    assert expected["l0"] and results["average"].significant == (results["average"].p_value < 0.05)


def test_prefix_results_equal_the_bootstrap_of_each_prefix():
    rng = np.random.default_rng(5)
    pairs = [([rng.integers(0, 2, 30 + i).tolist() for _ in range(2)],
              [rng.integers(0, 2, 30 + i).tolist() for _ in range(2)]) for i in range(4)]
    curve = prefix_results(pairs, n_rounds=200, seed=9)
    assert curve == [paired_bootstrap_many(pairs[:k], n_rounds=200, seed=9) for k in range(1, 5)]


def null_sweep(rng: np.random.Generator, gain: float = 0.0, n_langs: int = 15, n_items: int = 300,
               seeds: int = 3) -> Sweep:
    """Two exchangeable variants (a true gain in logits added to one) on parallel test sets.

    Items have one difficulty in every language (XNLI's translations); a seed shifts a
    model's skill in every language (sd 0.05 logits, about 1 point of accuracy), and each run
    answers each item with noise of its own (model x item).
    """
    items = rng.normal(1.0, 1.5, n_items)
    langs = rng.normal(0.0, 0.5, n_langs)

    def run(shift: float) -> np.ndarray:
        logits = items[None] + langs[:, None] + rng.normal(0.0, 0.05) + shift + rng.normal(0.0, 0.7, (n_langs, n_items))
        return (rng.random((n_langs, n_items)) < 1 / (1 + np.exp(-logits))).astype(int)

    base, var = [run(0.0) for _ in range(seeds)], [run(gain) for _ in range(seeds)]
    as_dict = lambda runs: {f"l{j:02d}": [r[j].tolist() for r in runs] for j in range(n_langs)}  # noqa: E731
    return as_dict(base), as_dict(var)


def flag_rates(sweeps: List[Sweep]) -> Tuple[float, float]:
    """(share of sweeps whose average gain is flagged, share with some language flagged)."""
    average = some = 0
    for i, (base, var) in enumerate(sweeps):
        results = per_language_bootstrap(base, var, n_rounds=300, seed=i, parallel=True)
        average += results["average"].significant
        some += any(r.significant for lang, r in results.items() if lang != "average")
    return average / len(sweeps), some / len(sweeps)


def test_null_sweeps_flag_at_most_the_nominal_rates():
    rng = np.random.default_rng(2024)
    sweeps = [null_sweep(rng) for _ in range(150)]
    # The simulated seed spread is the one the issue measured with: about 1 point.
    spread = np.mean([np.std([np.mean([s[lang][k] for lang in s]) for k in range(3)], ddof=1) for s, _ in sweeps])
    assert 0.006 < spread < 0.014
    average, some = flag_rates(sweeps)
    assert average <= 0.07 and some <= 0.10
    # The old analysis on the same sweeps (seeds fixed, languages resampled on their own, no Holm) flags the
    # average of many: what this test guards against.
    old = 0
    for i, (base, var) in enumerate(sweeps[:60]):
        pairs = [(base[lang], var[lang]) for lang in sorted(base)]
        low, high = np.percentile(item_rounds(pairs, n_rounds=300, seed=i).mean(axis=0), [2.5, 97.5])
        old += low > 0 or high < 0
    assert old / 60 > 0.15


def test_power_at_a_gain_of_one_and_a_half_points():
    # 0.095 logits is +1.5 points of accuracy here (measured on 400 sweeps); README states this power.
    rng = np.random.default_rng(7)
    sweeps = [null_sweep(rng, gain=0.095) for _ in range(100)]
    gains = [np.mean([np.mean(v[lang]) - np.mean(b[lang]) for lang in b]) for b, v in sweeps]
    assert np.mean(gains) == pytest.approx(0.015, abs=0.002)
    average, _ = flag_rates(sweeps)
    assert 0.15 <= average <= 0.6


def test_single_seed_says_the_interval_ignores_seeds():
    result = paired_bootstrap([[1, 0, 1, 1]], [[1, 1, 1, 1]], n_rounds=100)
    assert not result.seed_variance and result.seed_sd is None
    base, var = seed_scores([([[1, 0, 1, 1]], [[1, 1, 1, 1]])])
    assert (base.tolist(), var.tolist()) == ([0.75], [1.0])
