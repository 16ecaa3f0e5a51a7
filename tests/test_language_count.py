"""Tests of tasks.LANGUAGE_FAMILIES and of report/language_count.py: the gain as target languages are added."""
from itertools import permutations
from pathlib import Path
from statistics import mean
from typing import Any, Dict, List, Optional

import pytest
from test_report_sweep import table_rows as report_rows

from dlfa_spacy.metrics.bootstrap import paired_bootstrap_many, score
from dlfa_spacy.report.language_count import (
    family_curve, family_order, gain_curve, language_count_section, random_orders,
)
from dlfa_spacy.report.tables import pct_diff
from dlfa_spacy.tasks import LANGUAGE_FAMILIES, TASKS, language_family

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
N_ROUNDS = 200  # enough to check the machinery, few enough to be quick


def correct(n_right: int, n: int = 20) -> List[int]:
    """0/1 correctness: the first n_right examples right (so a larger n_right is right on a superset)."""
    return [1] * n_right + [0] * (n - n_right)


def trial(layer: Optional[int], seed: int, per_example: Dict[str, Any], folder: Path) -> Dict[str, Any]:
    """An XNLI sweep trial's metrics dict, as load_trial returns it (with "seed" and "folder")."""
    languages = {lang: {"score": score(data), "n": len(data), "per_example": data}
                 for lang, data in per_example.items()}
    variant = "baseline" if layer is None else f"DLFA-{layer}"
    return {
        "task": "xnli", "metric": "accuracy", "layer": layer, "variant": variant,
        "languages": languages, "language_set": sorted(languages),
        "average": mean(v["score"] for v in languages.values()),
        "seed": seed, "folder": folder / "trials" / f"{variant}-s{seed}",
    }


# ---------------------------------------------------------- family table ---


def test_every_language_of_every_task_has_a_family():
    langs = {lang for task in TASKS.values() for lang in task.languages}
    assert sorted(lang for lang in langs if lang not in LANGUAGE_FAMILIES) == []
    assert sorted(LANGUAGE_FAMILIES) == sorted(langs)  # and no language that no task tests
    assert all(language_family(lang) for lang in langs)


def test_some_families():
    assert [language_family(l) for l in ("de", "fr", "ru", "hi", "fa", "ar", "ja", "sw", "eu")] == [
        "Germanic", "Romance", "Slavic", "Indo-Aryan", "Iranian", "Semitic", "Japonic", "Atlantic-Congo", "Basque",
    ]


def test_unknown_language_is_refused_naming_it():
    with pytest.raises(ValueError) as err:
        language_family("xx")
    assert str(err.value) == "language 'xx' is not in the language family table (tasks.LANGUAGE_FAMILIES)"


# ---------------------------------------------------------------- orders ---


def test_family_order_groups_families_alphabetically_without_english():
    # Germanic (de, nl), Indo-Aryan (hi), Romance (es, fr), Slavic (ru); en is the training language.
    assert family_order(["ru", "en", "nl", "hi", "fr", "es", "de"]) == ["de", "nl", "hi", "es", "fr", "ru"]


def test_family_order_refuses_a_language_without_family():
    with pytest.raises(ValueError, match="'xx' is not in the language family table"):
        family_order(["de", "xx"])


def test_random_orders_are_deterministic_permutations_without_english():
    langs = ["de", "en", "fr", "es", "ar", "ru", "zh", "hi"]
    orders = random_orders(langs, 30, seed=3)
    assert len(orders) == 30
    assert all(sorted(o) == ["ar", "de", "es", "fr", "hi", "ru", "zh"] for o in orders)
    assert orders == random_orders(list(reversed(langs)), 30, seed=3)  # the same whatever the input order
    assert orders != random_orders(langs, 30, seed=4)
    assert len({tuple(o) for o in orders}) > 1
    with pytest.raises(ValueError, match="n_orders must be at least 1"):
        random_orders(langs, 0, seed=0)


# ---------------------------------------------------------------- curves ---

# Gains of 1, 2 and 3 points over a baseline of 50%.
BASE = {"de": 0.50, "fr": 0.50, "ar": 0.50}
VAR = {"de": 0.51, "fr": 0.52, "ar": 0.53}
GAINS = [VAR[l] - BASE[l] for l in BASE]


def test_gain_curve_over_all_permutations():
    curve = gain_curve(BASE, VAR, [list(p) for p in permutations(BASE)])
    assert [p.n for p in curve] == [1, 2, 3]
    # n = 1: each language comes first in 2 of the 6 orders -> the mean single gain, 2 points;
    # the spread runs from the smallest (1 point) to the largest single gain (3 points).
    assert curve[0].mean == mean(GAINS) == pytest.approx(0.02)
    assert (curve[0].low, curve[0].high) == (GAINS[0], GAINS[2])
    # n = 2: pair means 1.5, 2, 1.5, 2.5, 2, 2.5 points -> mean 2, 2.5-97.5% from 1.5 to 2.5.
    assert curve[1].mean == pytest.approx(0.02)
    assert curve[1].low == pytest.approx(0.015) and curve[1].high == pytest.approx(0.025)
    # n = L: every order holds every language -> exactly the full mean, no spread.
    assert curve[2].mean == curve[2].low == curve[2].high == mean(GAINS)


def test_gain_curve_refuses_english_and_unequal_orders():
    with pytest.raises(ValueError, match="'en' is the training language"):
        gain_curve({**BASE, "en": 0.9}, {**VAR, "en": 0.9}, [["de", "en"]])
    with pytest.raises(ValueError, match="permutation of the same languages"):
        gain_curve(BASE, VAR, [["de", "fr"], ["de", "ar"]])
    with pytest.raises(ValueError, match="No score for languages ar"):
        gain_curve({"de": 0.5}, VAR, [["de", "ar"]])


PAIRS = {
    "de": ([correct(10), correct(11)], [correct(12), correct(12)]),
    "es": ([correct(10), correct(10)], [correct(9), correct(14)]),
    "fr": ([correct(15, 30), correct(16, 30)], [correct(20, 30), correct(18, 30)]),
    "ar": ([correct(5), correct(6)], [correct(5), correct(6)]),
}


def test_family_curve_is_the_paired_bootstrap_of_each_prefix():
    order = ["de", "es", "fr", "ar"]
    curve = family_curve(PAIRS, order, N_ROUNDS, seed=7)
    assert len(curve) == 4
    # n = L: the bootstrap of the average over every language.
    assert curve[-1] == paired_bootstrap_many([PAIRS[l] for l in order], N_ROUNDS, 7)
    assert curve[-1].difference == paired_bootstrap_many(list(PAIRS.values()), N_ROUNDS, 7).difference
    # Every n: the bootstrap over the first n languages alone, same rounds and seed.
    for n, result in enumerate(curve, start=1):
        assert result == paired_bootstrap_many([PAIRS[l] for l in order[:n]], N_ROUNDS, 7)
    assert [r.n_examples for r in curve] == [20, 40, 70, 90]


def test_family_curve_refuses_a_language_without_data():
    with pytest.raises(ValueError, match="No per-example data for languages ru"):
        family_curve(PAIRS, ["de", "ru"], N_ROUNDS, 0)


# --------------------------------------------------------------- section ---

# Baseline 10 of 20 right everywhere; DLFA-4 gains 10, 20, 30, 40 points in de, es, fr, ar, none in en.
RIGHT = {"de": 12, "es": 14, "fr": 16, "ar": 18, "en": 10}
HEADER = "| n | random orders: mean gain | 2.5–97.5% over orders | family order: languages added | gain | 95% CI |"


def sweep_runs(folder: Path, per_example: bool = True) -> Dict[str, Dict[int, Dict[str, Any]]]:
    """Two seeds of the baseline and of DLFA-4 on XNLI in de, es, fr, ar and en."""
    runs: Dict[str, Dict[int, Dict[str, Any]]] = {}
    for layer in (None, 4):
        for seed in (1, 2):
            t = trial(layer, seed, {l: correct(10 if layer is None else n) for l, n in RIGHT.items()}, folder)
            if not per_example:
                for scores in t["languages"].values():
                    del scores["per_example"]
            runs.setdefault(t["variant"], {})[seed] = t
    return runs


def interval(low: float, high: float) -> str:
    return f"[{pct_diff(low, 0.0)}, {pct_diff(high, 0.0)}]"


def test_section_renders_table_and_plot(tmp_path):
    runs = sweep_runs(tmp_path)
    lines = language_count_section("xnli", runs, "DLFA-4", tmp_path, "lc.png", n_orders=50, n_rounds=N_ROUNDS, seed=0)
    assert "#### XNLI: gain as target languages are added (DLFA-4)" in lines
    assert any(line.startswith("Gain in points of the mean over seeds, averaged over the first n target languages")
               and "50 random orders" in line and f"{N_ROUNDS} rounds, seed 0" in line for line in lines)
    assert lines[-1] == "![XNLI gain as target languages are added](lc.png)"
    assert (tmp_path / "lc.png").read_bytes()[:8] == PNG_MAGIC

    rows = report_rows("\n".join(lines), HEADER)
    assert list(rows) == ["1", "2", "3", "4"]  # English is not a target language
    # Family order: Germanic (de), Romance (es, fr), Semitic (ar); gains 10, 15, 20, 25 points.
    order = ["de", "es", "fr", "ar"]
    pairs = {l: ([runs["baseline"][s]["languages"][l]["per_example"] for s in (1, 2)],
                 [runs["DLFA-4"][s]["languages"][l]["per_example"] for s in (1, 2)]) for l in order}
    families = ["Germanic", "Romance", "Romance", "Semitic"]
    for n, (lang, family, gain) in enumerate(zip(order, families, ["+10.00", "+15.00", "+20.00", "+25.00"]), start=1):
        ci = paired_bootstrap_many([pairs[l] for l in order[:n]], N_ROUNDS, 0, parallel=True)
        assert rows[str(n)][2:] == [f"{lang} ({family})", gain, interval(ci.ci_low, ci.ci_high)]
    # Random orders: n = 1 is the mean over orders of the first language's gain; n = 4 holds
    # every language in every order, so its mean is the full mean with no spread.
    gain = {"de": 0.1, "es": 0.2, "fr": 0.3, "ar": 0.4}
    first = [gain[o[0]] for o in random_orders(order, 50, 0)]
    assert rows["1"][0] == pct_diff(mean(first), 0.0)
    assert rows["1"][1] == "[+10.00, +40.00]"
    assert rows["4"][:2] == ["+25.00", "[+25.00, +25.00]"]


def test_section_is_deterministic(tmp_path):
    runs = sweep_runs(tmp_path)
    first = language_count_section("xnli", runs, "DLFA-4", tmp_path, "a.png", n_orders=20, n_rounds=N_ROUNDS)
    again = language_count_section("xnli", runs, "DLFA-4", tmp_path, "a.png", n_orders=20, n_rounds=N_ROUNDS)
    assert first == again


def test_section_without_per_example_data_has_gains_but_no_ci(tmp_path):
    lines = language_count_section("xnli", sweep_runs(tmp_path, per_example=False), "DLFA-4", tmp_path, "lc.png",
                                   n_orders=10, n_rounds=N_ROUNDS)
    rows = report_rows("\n".join(lines), HEADER)
    assert [rows[n][3:] for n in rows] == [["+10.00", "–"], ["+15.00", "–"], ["+20.00", "–"], ["+25.00", "–"]]
    note = next(line for line in lines if line.startswith("No family-order confidence intervals"))
    assert f"`{tmp_path / 'trials' / 'baseline-s1'}`" in note
    assert (tmp_path / "lc.png").read_bytes()[:8] == PNG_MAGIC


def test_section_needs_both_variants_and_two_target_languages(tmp_path):
    runs = sweep_runs(tmp_path)
    assert language_count_section("xnli", runs, "DLFA-8", tmp_path, "lc.png") == []
    assert language_count_section("xnli", {"DLFA-4": runs["DLFA-4"]}, "DLFA-4", tmp_path, "lc.png") == []
    one = {v: {s: trial(None if v == "baseline" else 4, s, {"de": correct(10), "en": correct(10)}, tmp_path)
               for s in (1,)} for v in ("baseline", "DLFA-4")}
    assert language_count_section("xnli", one, "DLFA-4", tmp_path, "lc.png") == [
        "",
        "XNLI: no curve of the gain against the number of target languages: only 1 target language besides English.",
    ]
    assert not (tmp_path / "lc.png").exists()
