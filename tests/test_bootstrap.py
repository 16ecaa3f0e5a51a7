"""Tests of the paired bootstrap over test examples (metrics/bootstrap.py) on constructed data."""
import numpy as np
import pytest

from dlfa_spacy.metrics.bootstrap import (
    as_array,
    paired_bootstrap,
    paired_bootstrap_many,
    per_language_bootstrap,
    resampled_scores,
    round_differences,
    score,
)
from dlfa_spacy.metrics.correlation import spearman
from dlfa_spacy.metrics.tagging import prf


def test_score_is_accuracy_or_micro_f1_of_summed_counts():
    assert score([1, 0, 1, 1]) == 0.75
    # Summed counts: 2 correct of 2 predicted and 4 gold -> P 1, R 1/2, F1 2/3.
    assert score([[1, 2, 2], [1, 0, 2]]) == pytest.approx(2 / 3)
    assert score([[3, 4, 5], [0, 1, 0]]) == prf(3, 5, 5)[2]  # bit-identical to prf
    assert score([[0, 0, 0]]) == 0.0  # nothing predicted nor gold: F1 0, as seqeval


def test_bad_per_example_data_is_refused():
    # [[1, 2]] is one [gold, predicted] pair: a correlation needs two.
    for bad in ([], [2, 1], [[1, 2]], [[-1, 0, 0]], [[1.0, float("nan")], [2.0, 1.0]]):
        with pytest.raises(ValueError, match="per-example data"):
            as_array(bad)


def test_resampled_scores_by_hand():
    data = as_array([[1, 1, 2], [0, 1, 1], [2, 2, 2]])
    # Round 0 draws doc 0 twice and doc 2 once: sums [4, 4, 6] -> P 1, R 2/3, F1 0.8.
    # Round 1 draws doc 1 three times: sums [0, 3, 3] -> F1 0.
    weights = np.array([[2.0, 0.0, 1.0], [0.0, 3.0, 0.0]])
    assert resampled_scores(data, weights) == pytest.approx([0.8, 0.0])
    acc = as_array([1, 0, 1])
    assert resampled_scores(acc, weights) == pytest.approx([1.0, 0.0])


def test_round_differences_average_over_seeds_by_hand():
    base = [as_array([1, 0, 0]), as_array([0, 0, 1])]
    var = [as_array([1, 1, 0]), as_array([1, 1, 1])]
    weights = np.array([[1.0, 1.0, 1.0], [3.0, 0.0, 0.0]])
    # Round 0: variant (2/3 + 1) / 2 = 5/6, baseline (1/3 + 1/3) / 2 = 1/3 -> 1/2.
    # Round 1 (example 0 thrice): variant (1 + 1) / 2, baseline (1 + 0) / 2 -> 1/2.
    assert round_differences(base, var, weights) == pytest.approx([0.5, 0.5])


def test_identical_variants_give_zero_and_no_significance():
    runs = [[1, 0, 1, 1, 0, 1, 0, 0], [0, 1, 1, 1, 0, 0, 0, 1]]
    result = paired_bootstrap(runs, runs, n_rounds=200)
    assert (result.difference, result.ci_low, result.ci_high, result.significant) == (0.0, 0.0, 0.0, False)
    counts = [[[1, 2, 2], [0, 1, 3], [2, 2, 2]]]
    result = paired_bootstrap(counts, counts, n_rounds=200)
    assert (result.difference, result.ci_low, result.ci_high, result.significant) == (0.0, 0.0, 0.0, False)


def test_a_dominating_variant_is_significant():
    # The variant is right wherever the baseline is (2 of 20) and on 16 more: every
    # resample's gain is >= 0, and one without any of the 16 is as good as impossible.
    base = [[1, 1] + [0] * 18]
    var = [[1, 1] + [1] * 16 + [0, 0]]
    result = paired_bootstrap(base, var)
    assert result.difference == pytest.approx(0.8)
    assert 0 < result.ci_low <= result.difference <= result.ci_high <= 1
    assert result.significant and result.n_rounds == 1000 and result.n_examples == 20
    worse = paired_bootstrap(var, base)
    assert worse.ci_high < 0 and worse.significant and worse.difference == pytest.approx(-0.8)


def test_a_single_example_has_a_point_interval():
    # Every resample of one doc is that doc: the interval is the observed gain, F1 1/2 -> 1.
    result = paired_bootstrap([[[1, 2, 2]]], [[[2, 2, 2]]], n_rounds=50)
    assert (result.difference, result.ci_low, result.ci_high, result.significant) == (0.5, 0.5, 0.5, True)


def test_seeds_are_pooled_and_observed_difference_is_the_mean_over_seeds():
    base = [[1, 0, 0, 0], [1, 1, 0, 0]]  # 0.25, 0.5 -> mean 0.375
    var = [[1, 1, 1, 0], [1, 1, 0, 0], [1, 1, 1, 1]]  # 0.75, 0.5, 1 -> mean 0.75
    assert paired_bootstrap(base, var, n_rounds=100).difference == pytest.approx(0.375)


def test_bootstrap_is_deterministic_given_the_seed():
    rng = np.random.default_rng(3)
    base = [rng.integers(0, 2, 50).tolist() for _ in range(3)]
    var = [rng.integers(0, 2, 50).tolist() for _ in range(3)]
    first = paired_bootstrap(base, var, n_rounds=300, seed=7)
    assert paired_bootstrap(base, var, n_rounds=300, seed=7) == first
    other = paired_bootstrap(base, var, n_rounds=300, seed=8)
    assert other.difference == first.difference and (other.ci_low, other.ci_high) != (first.ci_low, first.ci_high)


def test_per_language_and_average():
    base = {"de": [[1, 0, 0, 0]], "fr": [[[1, 2, 2]]]}
    var = {"de": [[1, 0, 0, 0]], "fr": [[[2, 2, 2]]]}
    results = per_language_bootstrap(base, var, n_rounds=100)
    assert set(results) == {"de", "fr", "average"}
    assert (results["de"].ci_low, results["de"].ci_high, results["de"].significant) == (0.0, 0.0, False)
    # The average gain: (0 + 0.5) / 2 in every round (de's gain is 0 on any resample).
    avg = results["average"]
    assert (avg.difference, avg.ci_low, avg.ci_high, avg.significant) == (0.25, 0.25, 0.25, True)
    assert avg.n_examples == 5
    assert paired_bootstrap_many([(base["fr"], var["fr"])], n_rounds=100) == results["fr"]


def test_unpaired_data_is_refused():
    with pytest.raises(ValueError, match="same test examples"):
        paired_bootstrap([[1, 0, 1]], [[1, 0]])
    with pytest.raises(ValueError, match="at least one seed"):
        paired_bootstrap([], [[1, 0]])
    with pytest.raises(ValueError, match="differ from"):
        per_language_bootstrap({"de": [[1]]}, {"fr": [[1]]})
    with pytest.raises(ValueError, match="n_rounds"):
        paired_bootstrap([[1]], [[1]], n_rounds=0)


def sts_pairs(n: int, seed: int) -> np.ndarray:
    """[gold, predicted] STS scores with many ties (gold in half points, predictions rounded)."""
    rng = np.random.default_rng(seed)
    gold = rng.integers(0, 11, n) / 2.0
    return np.c_[gold, np.round(gold / 5 + rng.normal(0, 0.4, n), 1)]


def test_spearman_of_each_resample_equals_scipy_on_the_written_out_resample():
    from scipy.stats import spearmanr

    data = sts_pairs(60, seed=3)
    rng = np.random.default_rng(4)
    draws = rng.integers(0, 60, size=(20, 60))
    weights = np.stack([np.bincount(d, minlength=60) for d in draws]).astype(float)
    expected = [spearmanr(data[d, 0], data[d, 1]).statistic for d in draws]
    np.testing.assert_allclose(resampled_scores(data, weights), expected, rtol=0, atol=1e-12)
    # All examples once: the headline Spearman of evaluate (metrics.correlation).
    assert score(data.tolist()) == pytest.approx(spearman(data[:, 0], data[:, 1]), abs=1e-12)


def test_spearman_resample_by_hand_and_a_constant_resample():
    data = as_array([[1.0, 10.0], [2.0, 30.0], [3.0, 20.0]])
    # Round 0: examples 0, 1 once each -> perfectly ordered, rho 1. Round 1: example 2
    # three times -> both sides constant, rho 0 by the correlation module's convention.
    # Round 2: 0 twice, 2 once -> gold ranks [1.5, 1.5, 3], pred ranks [1.5, 1.5, 3]: rho 1.
    weights = np.array([[1.0, 1.0, 0.0], [0.0, 0.0, 3.0], [2.0, 0.0, 1.0]])
    assert resampled_scores(data, weights) == pytest.approx([1.0, 0.0, 1.0])
    assert score(data) == pytest.approx(0.5)  # ranks [1,2,3] vs [1,3,2]


def test_sts_bootstrap_of_a_better_variant_is_significant_and_identical_is_zero():
    base = sts_pairs(200, seed=5)
    better = base.copy()
    better[:, 1] = base[:, 0] / 5 + np.random.default_rng(6).normal(0, 0.1, 200)
    result = paired_bootstrap([base.tolist()], [better.tolist()], n_rounds=200)
    assert result.difference == pytest.approx(spearman(better[:, 0], better[:, 1]) - spearman(base[:, 0], base[:, 1]))
    assert result.significant and result.ci_low > 0 and result.n_examples == 200
    same = paired_bootstrap([base.tolist()], [base.tolist()], n_rounds=50)
    assert (same.difference, same.ci_low, same.ci_high, same.significant) == (0.0, 0.0, 0.0, False)


def test_score_interval_matches_scipys_percentile_bootstrap():
    """The per-language whiskers of the report against scipy.stats.bootstrap, an independent implementation."""
    import scipy.stats

    from dlfa_spacy.metrics.bootstrap import score_interval

    rng = np.random.default_rng(1)
    correct = (rng.random(200) < 0.7).astype(float)
    want = scipy.stats.bootstrap((correct,), np.mean, n_resamples=20000, method="percentile", random_state=2)
    assert score_interval(correct.tolist()) == pytest.approx(tuple(want.confidence_interval), abs=0.02)

    counts = np.stack([rng.integers(0, 3, 150), rng.integers(0, 4, 150), rng.integers(0, 4, 150)], axis=1)
    counts[:, 1:] = np.maximum(counts[:, 1:], counts[:, :1])  # n_correct <= n_predicted, n_gold
    f1 = scipy.stats.bootstrap(tuple(counts.T.astype(float)), lambda c, p, g: 2 * c.sum() / (p.sum() + g.sum()),
                               paired=True, vectorized=False, n_resamples=5000, method="percentile", random_state=2)
    assert score_interval(counts.tolist()) == pytest.approx(tuple(f1.confidence_interval), abs=0.02)

    gold = rng.random(60) * 5
    pred = gold + rng.normal(0, 1.5, 60)
    rho = scipy.stats.bootstrap((gold, pred), lambda a, b: scipy.stats.spearmanr(a, b).statistic, paired=True,
                                vectorized=False, n_resamples=5000, method="percentile", random_state=2)
    low, high = score_interval(np.stack([gold, pred], axis=1).tolist())
    assert (low, high) == pytest.approx(tuple(rho.confidence_interval), abs=0.02)
    assert high - low > 0.1  # a real interval, not a point
