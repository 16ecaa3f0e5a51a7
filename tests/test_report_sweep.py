"""Tests of the report's sweep section (report/sweep.py) and `report --sweep`, on written trial files."""
import json
from pathlib import Path
from statistics import mean
from typing import Any, Dict, List, Optional

import pytest
from typer.testing import CliRunner

from dlfa_spacy.cli import app
from dlfa_spacy.metrics.bootstrap import score
from dlfa_spacy.report.sweep import load_trials, write_sweep_report

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def correct(n_right: int, n: int = 20) -> List[int]:
    """0/1 correctness: the first n_right examples right (so a larger n_right is right on a superset)."""
    return [1] * n_right + [0] * (n - n_right)


def counts(n_full: int, n_half: int, n_none: int = 0) -> List[List[int]]:
    """Per-doc NER counts: docs with 2 of 2 entities right, with 1 of 2, with 0 of 2."""
    return [[2, 2, 2]] * n_full + [[1, 2, 2]] * n_half + [[0, 2, 2]] * n_none


def trial(task: str, layer: Optional[int], seed: int, per_example: Dict[str, Any], dev: Optional[float] = None,
          **extra: Any) -> Dict[str, Any]:
    """A trial's metrics dict, shaped like evaluate_pipeline's output (with dev) plus the sweep's "seed"."""
    if dev is not None:
        extra["dev"] = {"path": "corpus/dev.spacy", "score": dev, "n": 10}
    languages = {lang: {"score": score(data), "n": len(data), "per_example": data} for lang, data in per_example.items()}
    scores = [v["score"] for v in languages.values()]
    return {
        "task": task, "metric": "f1" if task == "ner" else "accuracy",
        "layer": layer, "variant": "baseline" if layer is None else f"DLFA-{layer}",
        "languages": languages, "language_set": sorted(languages),
        "average": mean(scores),
        "average_without_en": mean(v["score"] for k, v in languages.items() if k != "en") if len(languages) > 1 else None,
        "seed": seed, **extra,
    }


TRIALS = [
    # XNLI. baseline: s1 de 0.5, en 0.7 -> 0.6; s2 de 0.6, en 0.7 -> 0.65.
    # Mean 0.625, std |0.65 - 0.6| / sqrt(2) = 0.035355 -> "62.50 ± 3.54".
    trial("xnli", None, 1, {"de": correct(10), "en": correct(14)}, dev=0.5),
    trial("xnli", None, 2, {"de": correct(12), "en": correct(14)}, dev=0.6),
    # DLFA-4: de 0.9, en 0.7 -> 0.8 in both seeds -> "80.00 ± 0.00"; the best k.
    # English dev 0.8 and 0.7: mean 0.75 > DLFA-8's 0.6, so it is also chosen on dev.
    trial("xnli", 4, 1, {"de": correct(18), "en": correct(14)}, dev=0.8),
    trial("xnli", 4, 2, {"de": correct(18), "en": correct(14)}, dev=0.7),
    # DLFA-8, one seed only: de 0.55, en 0.65 -> 0.6 -> "60.00 ± –".
    trial("xnli", 8, 1, {"de": correct(11), "en": correct(13)}, dev=0.6),
    # NER (F1 = correct / gold here, as predicted = gold). baseline: s1 de 0.5, fr 0.5 -> 0.5;
    # s2 de 14/20 = 0.7, fr 0.5 -> 0.6. Mean 0.55, std 0.1 / sqrt(2) = 0.070711 -> "55.00 ± 7.07".
    trial("ner", None, 1, {"de": counts(0, 10), "fr": counts(0, 10)}, dev=0.4),
    trial("ner", None, 2, {"de": counts(4, 6), "fr": counts(0, 10)}, dev=0.4),
    # DLFA-4: de 1.0, fr 0.0 -> 0.5 in both seeds -> "50.00 ± 0.00".
    trial("ner", 4, 1, {"de": counts(10, 0), "fr": counts(0, 0, 10)}, dev=0.45),
    trial("ner", 4, 2, {"de": counts(10, 0), "fr": counts(0, 0, 10)}, dev=0.55),
]
# Average over tasks, per seed with both tasks. baseline: s1 (0.6 + 0.5) / 2 = 0.55,
# s2 (0.65 + 0.6) / 2 = 0.625 -> mean 0.5875, std 0.075 / sqrt(2) = 0.053033 -> "58.75 ± 5.30".
# DLFA-4: (0.8 + 0.5) / 2 = 0.65 in both seeds -> "65.00 ± 0.00". DLFA-8 has no NER: "–".
DK_ROWS = {
    "baseline": ["62.50 ± 3.54", "55.00 ± 7.07", "58.75 ± 5.30"],
    "D_4": ["80.00 ± 0.00", "50.00 ± 0.00", "65.00 ± 0.00"],
    "D_8": ["60.00 ± –", "–", "–"],
}


def write_trials(out: Path, trials: List[Dict[str, Any]] = TRIALS) -> Path:
    """Write trials as OUT/trials/{variant}-s{seed}/metrics.json; return OUT."""
    for t in trials:
        folder = out / "trials" / f"{t['variant']}-s{t['seed']}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "metrics.json").write_text(json.dumps(t))
    return out


def table_rows(markdown: str, header_start: str) -> Dict[str, List[str]]:
    """The rows of the markdown table whose header starts with `header_start`: {first cell: other cells}."""
    lines = markdown.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith(header_start))
    rows = {}
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        cells = [c.strip() for c in line.strip("|").split("|")]
        rows[cells[0]] = cells[1:]
    return rows


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Dict[str, Any]:
    """The sweep report of TRIALS: one sweep folder per task, written once for the module."""
    root = tmp_path_factory.mktemp("sweep")
    xnli = write_trials(root / "xnli-sweep", [t for t in TRIALS if t["task"] == "xnli"])
    ner = write_trials(root / "ner-sweep", [t for t in TRIALS if t["task"] == "ner"])
    path = write_sweep_report([xnli, ner], root / "reports")
    return {"root": root, "path": path, "text": path.read_text(encoding="utf8"), "sweeps": [xnli, ner]}


def test_dk_table_cells_are_mean_and_std_over_seeds(report):
    assert report["path"].name == "sweep.md"
    assert "| k | XNLI | NER | Average |" in report["text"]
    assert table_rows(report["text"], "| k |") == DK_ROWS


def test_dev_table_holds_the_selection_scores(report):
    # xnli baseline 0.5, 0.6 -> 55.00 ± 7.07; DLFA-4 0.8, 0.7 -> 75.00 ± 7.07; ner DLFA-4 0.45, 0.55.
    assert table_rows(report["text"], "| k | XNLI (en dev) |") == {
        "baseline": ["55.00 ± 7.07", "40.00 ± 0.00"],
        "D_4": ["75.00 ± 7.07", "50.00 ± 7.07"],
        "D_8": ["60.00 ± –", "–"],
    }


def test_best_k_is_chosen_on_english_dev_not_test(tmp_path):
    # DLFA-2 wins on test (de 0.9) but DLFA-6 on English dev (0.9 > 0.3): DLFA-6 is chosen.
    trials = [
        trial("xnli", None, 0, {"de": correct(10), "en": correct(10)}, dev=0.5),
        trial("xnli", 2, 0, {"de": correct(18), "en": correct(10)}, dev=0.3),
        trial("xnli", 6, 0, {"de": correct(12), "en": correct(10)}, dev=0.9),
    ]
    text = write_sweep_report([write_trials(tmp_path / "s", trials)], tmp_path / "r").read_text(encoding="utf8")
    section = text.split("### XNLI\n", 1)[1]
    assert "Best fusion layer: D_6, chosen on English dev (mean 90.00 over seeds)" in section
    assert "On test its average is 55.00 against the baseline's 50.00." in section
    assert "The highest test average is D_2's (70.00), which test data may not choose." in section
    assert "| Language | baseline | DLFA-6 |" in section


def test_no_best_k_without_dev_scores_naming_the_trials(tmp_path):
    trials = [
        trial("xnli", None, 0, {"de": correct(10)}, dev=0.5),
        trial("xnli", 2, 0, {"de": correct(18)}),
        trial("xnli", 3, 0, {"de": correct(12)}, dev=0.9),
    ]
    text = write_sweep_report([write_trials(tmp_path / "s", trials)], tmp_path / "r").read_text(encoding="utf8")
    section = text.split("### XNLI\n", 1)[1]
    assert "No best fusion layer: it is chosen on English dev only" in section
    assert f"`{tmp_path / 's' / 'trials' / 'DLFA-2-s0'}`" in section and "DLFA-3-s0" not in section.split("## Trials")[0]
    assert "| Language |" not in section  # no significance table for an unchosen k
    assert (tmp_path / "r" / "sweep_xnli_gain.png").is_file()  # the heatmap needs no choice


def test_seed_differences_are_named(report):
    assert "XNLI: the variants have different seeds (baseline: 1, 2; DLFA-4: 1, 2; DLFA-8: 1)" in report["text"]
    assert "NER: the variants" not in report["text"]


def test_heatmaps_are_written(report):
    for task in ("xnli", "ner"):
        png = report["root"] / "reports" / f"sweep_{task}_gain.png"
        assert png.read_bytes().startswith(PNG_MAGIC)
        assert f"]({png.name})" in report["text"]
    assert not list((report["root"] / "reports").glob(".sweep-*"))  # the temp folder is gone


def significance_rows(text: str, title: str) -> Dict[str, List[str]]:
    """The best-k significance table under the `### title` heading."""
    section = text.split(f"### {title}\n", 1)[1]
    return table_rows(section, "| Language |")


def test_best_k_gains_with_bootstrap_flags(report):
    xnli = significance_rows(report["text"], "XNLI")
    assert "Best fusion layer: D_4, chosen on English dev (mean 75.00 over seeds)" in report["text"]
    assert "It also has the highest test average." in report["text"].split("### XNLI", 1)[1]
    # de: the variant is right on a superset of both baseline seeds' examples -> CI above 0.
    # Columns: baseline, variant, gain, seed sd, 95% CI, significant.
    # de: baseline 0.5 / 0.6 over seeds, DLFA-4 0.9 / 0.9: seed sd sqrt(0.005 + 0) = 7.07 points.
    assert xnli["de"][:4] == ["55.00", "90.00", "+35.00", "7.07"] and xnli["de"][5] == "**yes**"
    low, high = (float(x) for x in xnli["de"][4].strip("[]").split(", "))
    assert 0 < low <= 35 <= high
    # en: identical predictions -> gain 0, CI [0, 0], not significant.
    assert xnli["en"] == ["70.00", "70.00", "+0.00", "0.00", "[+0.00, +0.00]", "no"]
    assert xnli["**average**"][:4] == ["62.50", "80.00", "+17.50", "3.54"]
    assert xnli["**w/o en**"][:4] == xnli["de"][:4]  # de is XNLI's only target language here
    ner = significance_rows(report["text"], "NER")
    # fr: every doc loses its one right entity, in every resample and seed -> exactly -50 points.
    assert ner["fr"] == ["50.00", "0.00", "-50.00", "0.00", "[-50.00, -50.00]", "**yes**"]
    assert ner["de"][:4] == ["60.00", "100.00", "+40.00", "14.14"]
    assert ner["**average**"][:4] == ["55.00", "50.00", "-5.00", "7.07"]
    # Two seeds each: the interval uses Student's t with few degrees of freedom, and says so.
    assert "Student's t quantile" in report["text"] and "Holm–Bonferroni" in report["text"]


def test_report_is_deterministic(report, tmp_path):
    again = write_sweep_report(report["sweeps"], tmp_path / "again").read_text(encoding="utf8")
    assert again.split("\n## Trials")[0] == report["text"].split("\n## Trials")[0]


def test_different_language_sets_are_refused_naming_the_folders(tmp_path):
    short = trial("xnli", 4, 3, {"de": correct(18)})
    out = write_trials(tmp_path / "sweep", TRIALS[:2] + [short])
    with pytest.raises(ValueError, match=r"cover different languages.*DLFA-4-s3 lacks: en"):
        write_sweep_report([out], tmp_path / "reports")
    assert not (tmp_path / "reports").exists()  # checked before anything is written


def test_bad_trials_are_refused_naming_the_file(tmp_path):
    out = write_trials(tmp_path / "a", TRIALS[:1])
    (out / "trials" / "baseline-s1" / "metrics.json").write_text("{oops")
    with pytest.raises(ValueError, match=r"baseline-s1.metrics\.json is not valid JSON"):
        load_trials([out])
    bad_seed = write_trials(tmp_path / "b", [{**TRIALS[0], "seed": "one"}])
    with pytest.raises(ValueError, match=r"baseline-sone.metrics\.json: \"seed\" must be an integer"):
        load_trials([bad_seed])
    wrong = dict(TRIALS[0], languages={**TRIALS[0]["languages"], "de": {**TRIALS[0]["languages"]["de"], "score": 0.9}})
    with pytest.raises(ValueError, match=r"baseline-s1.metrics\.json, language 'de': \"per_example\" gives"):
        load_trials([write_trials(tmp_path / "c", [wrong])])
    with pytest.raises(ValueError, match=r"no trials/ folder"):
        load_trials([tmp_path / "nothing"])


def test_one_trial_twice_is_refused(tmp_path):
    a, b = write_trials(tmp_path / "a", TRIALS[:1]), write_trials(tmp_path / "b", TRIALS[:1])
    with pytest.raises(ValueError, match=r"both hold task 'xnli', variant 'baseline', seed 1"):
        load_trials([a, b])


def test_different_test_sizes_are_refused(tmp_path):
    longer = trial("xnli", 4, 2, {"de": correct(18, 21), "en": correct(14)}, dev=0.7)
    out = write_trials(tmp_path / "sweep", TRIALS[:3] + [longer])
    with pytest.raises(ValueError, match=r"number of 'de' test examples.*DLFA-4-s2: 21"):
        write_sweep_report([out], tmp_path / "reports")


def test_without_per_example_data_there_is_no_interval(tmp_path):
    old = {**TRIALS[2], "languages": {k: {"score": v["score"], "n": v["n"]} for k, v in TRIALS[2]["languages"].items()}}
    out = write_trials(tmp_path / "sweep", TRIALS[:2] + [old])
    text = write_sweep_report([out], tmp_path / "reports").read_text(encoding="utf8")
    rows = significance_rows(text, "XNLI")
    assert rows["de"] == ["55.00", "90.00", "+35.00", "–", "–", "–"]
    assert "No confidence intervals: no per-example data in" in text and "DLFA-4-s1" in text


def test_cli_writes_sweep_md_and_prints_the_dk_table(tmp_path):
    # Trial folders are named {variant}-s{seed}: one sweep folder per task, each an argument.
    xnli = write_trials(tmp_path / "xnli", [t for t in TRIALS if t["task"] == "xnli"])
    ner = write_trials(tmp_path / "ner", [t for t in TRIALS if t["task"] == "ner"])
    result = CliRunner().invoke(app, ["report", "sweep", str(xnli), str(ner),
                                      "-o", str(tmp_path / "reports"), "--bootstrap-rounds", "200"])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "reports" / "sweep.md").is_file()
    assert not (tmp_path / "reports" / "results.md").exists()  # no metrics files given
    assert table_rows(result.output, "| k |") == DK_ROWS
    assert "200 rounds" in (tmp_path / "reports" / "sweep.md").read_text(encoding="utf8")


def test_results_and_sweep_reports_share_a_folder(tmp_path):
    out = write_trials(tmp_path / "sweep", TRIALS[:4])
    metrics = tmp_path / "xnli-baseline.json"
    metrics.write_text(json.dumps({k: v for k, v in TRIALS[0].items() if k != "seed"}))
    result = CliRunner().invoke(app, ["report", "results", str(metrics), "-o", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    result = CliRunner().invoke(app, ["report", "sweep", str(out), "-o", str(tmp_path / "r")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "r" / "results.md").is_file() and (tmp_path / "r" / "sweep.md").is_file()


def test_cli_errors_are_one_line(tmp_path):
    result = CliRunner().invoke(app, ["report", "sweep", "-o", str(tmp_path / "r")])
    assert result.exit_code == 2 and "Missing argument 'sweeps'" in result.output
    result = CliRunner().invoke(app, ["report", "sweep", str(tmp_path / "missing"), "-o", str(tmp_path / "r")])
    output = " ".join(result.output.split())  # wasabi wraps long lines
    assert result.exit_code == 1 and "has no trials/ folder" in output and "Traceback" not in output


def test_auto_is_a_row_and_a_comparison_with_ci_and_weights(tmp_path):
    trials = [
        trial("xnli", None, 0, {"de": correct(10), "en": correct(10)}, dev=0.5),
        trial("xnli", None, 1, {"de": correct(12), "en": correct(10)}, dev=0.5),
        trial("xnli", 2, 0, {"de": correct(14), "en": correct(10)}, dev=0.6),
        trial("xnli", 2, 1, {"de": correct(14), "en": correct(10)}, dev=0.6),
        # auto: de 0.9 and 0.8, en 0.5 -> averages 0.7 and 0.65 -> "67.50 ± 3.54"
        trial("xnli", "auto", 0, {"de": correct(18), "en": correct(10)}, dev=0.7,
              layer_weights={"1": 0.1, "2": 0.6, "3": 0.3}),
        trial("xnli", "auto", 1, {"de": correct(16), "en": correct(10)}, dev=0.8,
              layer_weights={"1": 0.3, "2": 0.4, "3": 0.3}),
    ]
    for t in trials[4:]:
        t["variant"] = "DLFA-auto"
    text = write_sweep_report([write_trials(tmp_path / "s", trials)], tmp_path / "r").read_text(encoding="utf8")
    assert table_rows(text, "| k | XNLI |")["auto"] == ["67.50 ± 3.54", "67.50 ± 3.54"]
    section = text.split("### XNLI\n", 1)[1]
    # The best k is chosen among the fixed layers only; auto is compared on its own.
    assert "Best fusion layer: D_2, chosen on English dev" in section
    auto = section.split("#### XNLI: learned layer choice (auto)\n", 1)[1]
    assert "English dev 75.00; test average 67.50 against the baseline's 52.50." in auto
    rows = table_rows(auto, "| Language | baseline | DLFA-auto |")
    # Two seeds 10 points apart on each side: seed sd sqrt(0.005 + 0.005) = 10 points, which widens the
    # interval of a 30-point gain on 20 examples without closing it on 0.
    assert rows["de"][:4] == ["55.00", "85.00", "+30.00", "10.00"] and rows["de"][5] == "**yes**"
    assert 0 < float(rows["de"][4].strip("[]").split(", ")[0]) < 10
    assert rows["en"] == ["50.00", "50.00", "+0.00", "0.00", "[+0.00, +0.00]", "no"]
    assert "- XNLI: layer 1: 0.200, layer 2: 0.500, layer 3: 0.300 (mean of 2 runs)" in auto
    assert (tmp_path / "r" / "sweep_xnli_layer_weights.png").read_bytes().startswith(PNG_MAGIC)


def test_scalar_mix_is_compared_on_the_same_seeds_but_never_chosen_as_best_k(tmp_path):
    def rival(seed, n_de, dev):
        return {**trial("xnli", None, seed, {"de": correct(n_de), "en": correct(14)}, dev=dev),
                "layer": "scalar-mix", "variant": "scalar-mix"}

    trials = [t for t in TRIALS if t["task"] == "xnli" and t["layer"] != 8] + [rival(1, 16, 0.95), rival(2, 16, 0.95)]
    text = write_sweep_report([write_trials(tmp_path / "sweep", trials)], tmp_path / "reports").read_text()
    assert list(table_rows(text, "| k | XNLI |")) == ["baseline", "D_4", "scalar-mix"]
    # Its English dev score is the highest, but only a fixed k can be the best k.
    assert "Best fusion layer: D_4, chosen on English dev" in text
    section = text[text.index("#### XNLI: scalar mix of every layer (the rival)"):]
    # de 0.8, en 0.7 -> 0.75 in both seeds; the baseline 0.625; D_4 0.8.
    assert "Test average 75.00 against the baseline's 62.50; D_4 80.00." in section
    rows = table_rows(section, "| Language | baseline | scalar-mix |")
    assert rows["de"][:3] == ["55.00", "80.00", "+25.00"] and rows["**average**"][2] == "+12.50"


def test_the_cross_task_average_leaves_sts_out(tmp_path):
    ner = [t for t in TRIALS if t["task"] == "ner"]
    sts = [{**trial("sts", layer, seed, {"de": [[0.0, 0.1], [1.0, 0.2], [2.0, 0.9], [3.0, 0.5]]}), "metric": "spearman"}
           for layer in (None, 4) for seed in (1, 2)]
    text = write_sweep_report([write_trials(tmp_path / "ner", ner), write_trials(tmp_path / "sts", sts)],
                              tmp_path / "reports").read_text(encoding="utf8")
    rows = table_rows(text, "| k | NER | STS | Average |")
    # Spearman 0.8 on STS would pull the average up; the average is NER's alone.
    assert rows["baseline"] == ["55.00 ± 7.07", "80.00 ± 0.00", "55.00 ± 7.07"]
    assert rows["D_4"] == ["50.00 ± 0.00", "80.00 ± 0.00", "50.00 ± 0.00"]


def test_parallel_languages_are_resampled_together_only_on_the_same_items(tmp_path):
    def with_items(t, items):
        for lang in t["languages"]:
            t["languages"][lang]["item_ids"] = items[lang]
        return t

    def sweep(items):
        trials = [with_items(trial("xnli", layer, seed, {"de": correct(10 + (layer or 0)), "en": correct(14)},
                                   dev=0.5 + 0.01 * (layer or 0)), items)
                  for layer in (None, 4) for seed in (1, 2)]
        text = write_sweep_report([write_trials(tmp_path / str(len(list(tmp_path.iterdir()))), trials)],
                                  tmp_path / "reports").read_text(encoding="utf8")
        return text.split("### XNLI\n", 1)[1]

    same = [str(i) for i in range(20)]
    assert "resampled together" in sweep({"de": same, "en": same})
    shuffled = sweep({"de": same, "en": same[1:] + same[:1]})
    assert "differ in size or in their item ids, so each is resampled on its own" in shuffled


def test_uniform_sits_beside_auto_and_a_mix_that_stayed_uniform_is_flagged(tmp_path):
    def variant(layer, seed, n_de, weights):
        return {**trial("xnli", None, seed, {"de": correct(n_de), "en": correct(10)}, dev=0.6,
                        layer_weights=weights), "layer": layer, "variant": f"DLFA-{layer}"}

    near = {"1": 0.34, "2": 0.33, "3": 0.33}  # every weight within 0.02 of 1/3: nothing was chosen
    trials = [
        trial("xnli", None, 0, {"de": correct(10), "en": correct(10)}, dev=0.5),
        trial("xnli", None, 1, {"de": correct(12), "en": correct(10)}, dev=0.5),
        # auto: averages (0.9 + 0.5) / 2 = 0.7 and (0.8 + 0.5) / 2 = 0.65; uniform: 0.65 and 0.6
        variant("auto", 0, 18, near), variant("auto", 1, 16, near),
        variant("uniform", 0, 16, {"1": 1 / 3, "2": 1 / 3, "3": 1 / 3}),
        variant("uniform", 1, 14, {"1": 1 / 3, "2": 1 / 3, "3": 1 / 3}),
    ]
    text = write_sweep_report([write_trials(tmp_path / "s", trials)], tmp_path / "r").read_text(encoding="utf8")
    assert list(table_rows(text, "| k | XNLI |")) == ["baseline", "auto", "uniform"]
    uniform = text.split("#### XNLI: fixed uniform mix (uniform)\n", 1)[1]
    assert "Test average 62.50 against the baseline's 52.50." in uniform
    # seed by seed: 0.70 - 0.65 and 0.65 - 0.60
    assert "The learned mix (auto) minus this uniform one, seed by seed: +5.00 points (mean of 2 seeds)" in uniform
    assert table_rows(uniform, "| Language | baseline | DLFA-uniform |")["de"][:3] == ["55.00", "75.00", "+20.00"]
    auto = text.split("#### XNLI: learned layer choice (auto)\n", 1)[1].split("#### XNLI: fixed uniform", 1)[0]
    # auto's weights only (the uniform runs' are fixed), flagged as having chosen nothing
    assert ("- XNLI: layer 1: 0.340, layer 2: 0.330, layer 3: 0.330 (mean of 2 runs). **Stayed near uniform** "
            "(every weight within 0.02 of 1/3)") in auto
