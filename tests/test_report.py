"""Tests of the markdown report and plots written from metrics JSON files."""
import json
import re
from pathlib import Path
from statistics import mean
from typing import Any, Dict, List, Optional

import pytest

from dlfa_spacy.report import load_all, load_metrics, pct, pct_diff, write_report

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def reliability(confidence: float, accuracy: float, count: int) -> List[Dict[str, Any]]:
    """15 reliability bins with all examples in the bin of `confidence`."""
    bins = []
    for b in range(15):
        inside = b / 15 < confidence <= (b + 1) / 15
        bins.append({
            "lower": b / 15, "upper": (b + 1) / 15, "count": count if inside else 0,
            "accuracy": accuracy if inside else None, "confidence": confidence if inside else None,
        })
    return bins


def metrics(task: str, layer: Optional[int], scores: Dict[str, float], **extra: Any) -> Dict[str, Any]:
    """A metrics dict shaped like evaluate_pipeline's output."""
    languages = {}
    for lang, score in scores.items():
        languages[lang] = {"score": score, "n": 100}
        if task in ("xnli", "pawsx"):
            languages[lang].update(ece=0.05, nll=0.9, brier=0.5, reliability=reliability(0.7, score, 100))
    return {
        "task": task, "model": f"training/{task}-{layer}", "metric": "f1" if task == "ner" else "accuracy",
        "layer": layer, "variant": "baseline" if layer is None else f"DLFA-{layer}",
        "languages": languages,
        "average": mean(scores.values()),
        "average_without_en": mean(v for k, v in scores.items() if k != "en"),
        **extra,
    }


FIXTURES = {
    # NER F1: baseline average (0.6217 + 0.81 + 0.4617) / 3 = 0.631133 -> 63.11, w/o en 0.5417 -> 54.17
    "ner_baseline": metrics("ner", None, {"de": 0.6217, "en": 0.8100, "zh": 0.4617}),
    # DLFA-8: average 1.95 / 3 = 0.65 -> 65.00, w/o en 1.13 / 2 = 0.565 -> 56.50
    "ner_dlfa8": metrics("ner", 8, {"de": 0.6500, "en": 0.8200, "zh": 0.4800}),
    # DLFA-10: average 1.9 / 3 = 0.633333 -> 63.33, w/o en 0.55 -> 55.00
    "ner_dlfa10": metrics("ner", 10, {"de": 0.6300, "en": 0.8000, "zh": 0.4700}),
    # XNLI accuracy: baseline average 0.7 -> 70.00, w/o en 0.6 -> 60.00
    "xnli_baseline": metrics("xnli", None, {"de": 0.6000, "en": 0.8000}),
    # DLFA-11: average 0.7225 -> 72.25, w/o en 0.6350 -> 63.50
    "xnli_dlfa11": metrics("xnli", 11, {"de": 0.6350, "en": 0.8100}),
}


def write_fixtures(folder: Path, names=tuple(FIXTURES), **overrides: Dict[str, Any]) -> List[Path]:
    """Write the named fixtures as JSON files; return their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for name in names:
        path = folder / f"{name}.json"
        path.write_text(json.dumps({**FIXTURES[name], **overrides.get(name, {})}))
        paths.append(path)
    return paths


def assert_png(path: Path) -> None:
    """The file exists and starts like a PNG."""
    data = path.read_bytes()
    assert len(data) > len(PNG_MAGIC) and data.startswith(PNG_MAGIC), path


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> Dict[str, Any]:
    """The report of all fixtures, written once for the module."""
    root = tmp_path_factory.mktemp("report")
    paths = write_fixtures(root / "metrics")
    out = write_report(paths, root / "out")
    return {"path": out, "text": out.read_text(), "dir": root / "out"}


def test_main_table_rows(report):
    assert report["path"] == report["dir"] / "results.md"
    text = report["text"]
    assert "| Model | XNLI | XNLI w/o en | PAWS-X | PAWS-X w/o en | NER | NER w/o en | POS | POS w/o en |" in text
    # Missing tasks (PAWS-X, POS) show a dash; NER-only variants show a dash for XNLI.
    assert "| baseline | 70.00 | 60.00 | – | – | 63.11 | 54.17 | – | – |" in text
    # One DLFA row, each task's k named: NER's is the paper's k = 8; DLFA-10 is in NER's D_k table only.
    assert "| DLFA | 72.25 (k=11) | 63.50 | – | – | 65.00 (k=8) | 56.50 | – | – |" in text
    main = text[text.index("| Model |"):]
    main = main[:main.index("\n\n")]
    assert "DLFA-10" not in main and "DLFA-8" not in main
    # The D_k table's rows by layer (10 after 8 despite sorting as text before it).
    assert text.index("| D_8 |") < text.index("| D_10 |")


def test_per_language_tables_with_differences(report):
    text = report["text"]
    assert "| Language | baseline | DLFA-8 | DLFA-10 | DLFA-8 − baseline | DLFA-10 − baseline |" in text
    # de: 65.00 - 62.17 = +2.83 and 63.00 - 62.17 = +0.83
    assert "| de | 62.17 | 65.00 | 63.00 | +2.83 | +0.83 |" in text
    # en: 82.00 - 81.00 = +1.00 and 80.00 - 81.00 = -1.00
    assert "| en | 81.00 | 82.00 | 80.00 | +1.00 | -1.00 |" in text
    # averages: 65.00 - 63.1133 = +1.89, 63.3333 - 63.1133 = +0.22; w/o en: 56.50 - 54.17 = +2.33, 55.00 - 54.17 = +0.83
    assert "| **average** | 63.11 | 65.00 | 63.33 | +1.89 | +0.22 |" in text
    assert "| **w/o en** | 54.17 | 56.50 | 55.00 | +2.33 | +0.83 |" in text
    # XNLI: de 63.50 - 60.00 = +3.50
    assert "| de | 60.00 | 63.50 | +3.50 |" in text
    # Calibration means over languages: ECE 0.05 -> 5.00 %, NLL 0.9, Brier 0.5.
    assert "| baseline | 5.00 | 0.9000 | 0.5000 |" in text


def test_layer_table_and_heatmap_for_several_layers(report):
    text = report["text"]
    assert "### NER by fusion layer (D_k)" in text
    assert "| D_8 | 65.00 | 56.50 | +1.89 | +2.33 |" in text
    assert "| D_10 | 63.33 | 55.00 | +0.22 | +0.83 |" in text
    assert "](ner_layers.png)" in text
    assert_png(report["dir"] / "ner_layers.png")
    # XNLI has one DLFA layer only: no D_k table, no heatmap.
    assert "XNLI by fusion layer" not in text
    assert not (report["dir"] / "xnli_layers.png").exists()


def test_plots_exist_and_are_referenced(report):
    for name in ("ner_languages.png", "xnli_languages.png", "xnli_reliability.png", "ner_layers.png"):
        assert f"]({name})" in report["text"]
        assert_png(report["dir"] / name)
    # Every referenced image exists; nothing else (no temp folder) is left behind.
    files = sorted(p.name for p in report["dir"].iterdir())
    assert files == ["ner_languages.png", "ner_layers.png", "results.html", "results.md", "xnli_languages.png",
                     "xnli_reliability.png"]
    assert "ner_reliability.png" not in files  # NER has no calibration


def test_smoke_note(tmp_path):
    plain = write_report(write_fixtures(tmp_path / "a", ["ner_baseline"]), tmp_path / "out_a").read_text()
    assert "smoke run" not in plain
    paths = write_fixtures(tmp_path / "b", ["ner_baseline"], ner_baseline={"smoke": True})
    smoke = write_report(paths, tmp_path / "out_b").read_text()
    assert "numbers are from a smoke run of the machinery, not results" in smoke


def test_formatting_helpers():
    assert pct(0.6217) == "62.17"
    assert pct(None) == "–"
    assert pct_diff(0.65, 0.6217) == "+2.83"
    assert pct_diff(0.6, 0.6) == "+0.00"
    assert pct_diff(0.5, None) == "–"


def test_variant_from_layer_when_variant_is_missing(tmp_path):
    data = dict(FIXTURES["ner_dlfa8"])
    del data["variant"]
    path = tmp_path / "m.json"
    path.write_text(json.dumps(data))
    assert load_metrics(path)["variant"] == "DLFA-8"


# ------------------------------------------------------------ bad input -------


def test_missing_file(tmp_path):
    with pytest.raises(ValueError, match="nope.json does not exist"):
        write_report([tmp_path / "nope.json"], tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_invalid_json(tmp_path):
    good = write_fixtures(tmp_path, ["ner_baseline"])
    bad = tmp_path / "broken.json"
    bad.write_text("{not json")
    with pytest.raises(ValueError, match="broken.json is not valid JSON"):
        write_report(good + [bad], tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_missing_keys(tmp_path):
    data = dict(FIXTURES["ner_baseline"])
    del data["average_without_en"]
    del data["languages"]
    path = tmp_path / "partial.json"
    path.write_text(json.dumps(data))
    with pytest.raises(ValueError, match=r"partial.json lacks the required keys \['languages', 'average_without_en'\]"):
        write_report([path], tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_bad_values(tmp_path):
    paths = write_fixtures(tmp_path, ["ner_baseline"], ner_baseline={"task": "qa"})
    with pytest.raises(ValueError, match="unknown task 'qa'"):
        write_report(paths, tmp_path / "out")
    bad_lang = dict(FIXTURES["ner_baseline"], languages={"de": {"n": 3}})
    (tmp_path / "lang.json").write_text(json.dumps(bad_lang))
    with pytest.raises(ValueError, match="lang.json: language 'de' has no numeric \"score\""):
        write_report([tmp_path / "lang.json"], tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_duplicate_variant(tmp_path):
    first = write_fixtures(tmp_path / "a", ["ner_dlfa8"])
    second = write_fixtures(tmp_path / "b", ["ner_dlfa8"])
    with pytest.raises(ValueError, match="both hold task 'ner' of variant 'DLFA-8'"):
        write_report(first + second, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_no_metrics(tmp_path):
    with pytest.raises(ValueError, match="No metrics files"):
        write_report([], tmp_path / "out")


# ------------------------------------------------- comparable variants ---------


def test_variants_on_different_languages_are_refused(tmp_path):
    baseline = dict(FIXTURES["ner_baseline"], languages={
        lang: {"score": 0.5, "n": 10} for lang in ("de", "en", "sw", "yo", "zh")
    })
    paths = [tmp_path / "ner-baseline.json", *write_fixtures(tmp_path, ["ner_dlfa8", "ner_dlfa10"])]
    paths[0].write_text(json.dumps(baseline))
    expected = (
        "Metrics files of task 'ner' cover different languages, so their averages do not compare: "
        f"{paths[1]} lacks: sw, yo; {paths[2]} lacks: sw, yo"
    )
    with pytest.raises(ValueError, match=f"^{re.escape(expected)}$"):
        write_report(paths, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_language_set_names_what_each_file_lacks(tmp_path):
    # Each file lacks another language; the XNLI files are fine and not named.
    paths = write_fixtures(
        tmp_path, ["ner_baseline", "ner_dlfa8", "xnli_baseline", "xnli_dlfa11"],
        ner_baseline={"languages": {"de": {"score": 0.6, "n": 1}, "en": {"score": 0.8, "n": 1}}},
        ner_dlfa8={"languages": {"en": {"score": 0.8, "n": 1}, "zh": {"score": 0.5, "n": 1}},
                   "language_set": ["en", "zh"]},
    )
    expected = (
        "Metrics files of task 'ner' cover different languages, so their averages do not compare: "
        f"{paths[0]} lacks: zh; {paths[1]} lacks: de"
    )
    with pytest.raises(ValueError, match=f"^{re.escape(expected)}$"):
        load_all(paths)


def test_language_set_and_files_without_it_mix(tmp_path):
    # A file from before "language_set" counts the keys of "languages".
    paths = write_fixtures(tmp_path, ["ner_baseline", "ner_dlfa8"], ner_dlfa8={"language_set": ["zh", "de", "en"]})
    loaded = load_all(paths)
    assert [m["language_set"] for m in loaded] == [["de", "en", "zh"], ["de", "en", "zh"]]


def test_language_set_must_match_languages(tmp_path):
    paths = write_fixtures(tmp_path, ["ner_baseline"], ner_baseline={"language_set": ["de", "en"]})
    expected = f"Metrics file {paths[0]}: \"language_set\" ['de', 'en'] differs from the languages it scores ['de', 'en', 'zh']"
    with pytest.raises(ValueError, match=f"^{re.escape(expected)}$"):
        load_metrics(paths[0])
    paths = write_fixtures(tmp_path, ["ner_baseline"], ner_baseline={"language_set": "de en zh"})
    with pytest.raises(ValueError, match="\"language_set\" must be a list of language codes"):
        load_metrics(paths[0])


def pos_fixture(layer: Optional[int], metric: str) -> Dict[str, Any]:
    """A POS metrics dict with the given headline metric."""
    return dict(metrics("pos", layer, {"de": 0.70, "en": 0.90}), metric=metric)


def test_pos_headline_says_its_metric(tmp_path):
    path = tmp_path / "pos-baseline.json"
    path.write_text(json.dumps(pos_fixture(None, "f1")))
    text = write_report([path], tmp_path / "out").read_text()
    assert "POS: UPOS F1 (seqeval 0.0.12, as XTREME);" in text
    assert "## POS\n\nScore: UPOS F1 (seqeval 0.0.12, as XTREME).\n" in text


def test_old_pos_accuracy_file_is_labelled_as_accuracy(tmp_path):
    path = tmp_path / "pos-old.json"
    path.write_text(json.dumps(pos_fixture(None, "accuracy")))
    text = write_report([path], tmp_path / "out").read_text()
    assert "POS: 'accuracy' (not UPOS F1 (seqeval 0.0.12, as XTREME));" in text


def test_variants_with_different_headline_metrics_are_refused(tmp_path):
    old, new = tmp_path / "pos-baseline.json", tmp_path / "pos-dlfa10.json"
    old.write_text(json.dumps(pos_fixture(None, "accuracy")))
    new.write_text(json.dumps(pos_fixture(10, "f1")))
    expected = f"Metrics files of task 'pos' have different headline metrics: {old} 'accuracy', {new} 'f1'"
    with pytest.raises(ValueError, match=f"^{re.escape(expected)}$"):
        write_report([old, new], tmp_path / "out")


def test_auto_runs_get_a_layer_row_and_the_chosen_layers(tmp_path):
    weights = {"1": 0.2, "2": 0.3, "3": 0.5}
    auto = metrics("ner", "auto", {"de": 0.6400, "en": 0.8300, "zh": 0.4900}, layer_weights=weights)
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "auto.json").write_text(json.dumps(auto))
    paths = write_fixtures(tmp_path / "m", names=("ner_baseline", "ner_dlfa8")) + [tmp_path / "m" / "auto.json"]
    text = write_report(paths, tmp_path / "out").read_text()
    # auto sorts after every fixed layer: average 1.96 / 3 = 65.33, w/o en 0.565 -> 56.50.
    assert "| D_8 | 65.00 | 56.50 | +1.89 | +2.33 |\n| auto | 65.33 | 56.50 | +2.22 | +2.33 |" in text
    assert "| DLFA | – | – | – | – | 65.00 (k=8) | 56.50 | – | – |" in text  # the paper's k before auto
    assert "## Which layers did the model choose" in text
    assert "- NER: layer 1: 0.200, layer 2: 0.300, layer 3: 0.500" in text
    assert "](layer_weights.png)" in text
    assert_png(tmp_path / "out" / "layer_weights.png")


def test_no_chosen_layers_section_without_auto_runs(report):
    assert "Which layers did the model choose" not in report["text"]


def sts_metrics(layer, scores: Dict[str, float], pairs: Dict[str, float]) -> Dict[str, Any]:
    """An STS metrics dict with STS 2017 pair sets, as evaluate writes it."""
    cross = [v for k, v in pairs.items() if len(set(k.split("-"))) == 2]
    return metrics("sts", layer, scores, metric="spearman", pairs={k: {"score": v, "n": 250} for k, v in pairs.items()},
                   pair_set=sorted(pairs), average_cross_lingual=mean(cross))


def test_sts_column_language_table_and_pair_set_table(tmp_path):
    base = sts_metrics(None, {"de": 0.70, "en": 0.80}, {"ar-en": 0.30, "en-en": 0.75, "es-en": 0.41})
    auto = sts_metrics("auto", {"de": 0.72, "en": 0.81}, {"ar-en": 0.36, "en-en": 0.74, "es-en": 0.40})
    paths = []
    for name, data in (("sts-baseline", base), ("sts-auto", auto)):
        paths.append(tmp_path / f"{name}.json")
        paths[-1].write_text(json.dumps(data))
    text = write_report(paths, tmp_path / "out").read_text()
    assert "| Model | XNLI | XNLI w/o en | PAWS-X | PAWS-X w/o en | NER | NER w/o en | POS | POS w/o en | STS | STS w/o en |" in text
    assert "| baseline | – | – | – | – | – | – | – | – | 75.00 | 70.00 |" in text
    assert "| DLFA | – | – | – | – | – | – | – | – | 76.50 (auto) | 72.00 |" in text
    assert "STS: Spearman correlation." in text
    assert "| de | 70.00 | 72.00 | +2.00 |" in text
    pairs = text[text.index("### STS pair sets (STS 2017; not in the averages)"):].splitlines()
    assert pairs[2:8] == [
        "| Pair set | cross-lingual | baseline | DLFA-auto | DLFA-auto − baseline |",
        "|:---|---:|---:|---:|---:|",
        "| ar-en | yes | 30.00 | 36.00 | +6.00 |",
        "| en-en | no | 75.00 | 74.00 | -1.00 |",
        "| es-en | yes | 41.00 | 40.00 | -1.00 |",
        "| **cross-lingual average** |  | 35.50 | 38.00 | +2.50 |",
    ]
    assert "![STS per-language scores](sts_languages.png)" in text
    assert_png(tmp_path / "out" / "sts_languages.png")


def test_sts_files_with_different_pair_sets_are_refused(tmp_path):
    base = sts_metrics(None, {"de": 0.70, "en": 0.80}, {"ar-en": 0.30, "es-en": 0.41})
    auto = sts_metrics("auto", {"de": 0.72, "en": 0.81}, {"es-en": 0.40})
    paths = [tmp_path / "b.json", tmp_path / "a.json"]
    paths[0].write_text(json.dumps(base))
    paths[1].write_text(json.dumps(auto))
    with pytest.raises(ValueError) as err:
        load_all(paths)
    assert str(err.value) == (f"Metrics files of task 'sts' cover different pair sets, so their averages do not "
                              f"compare: {paths[1]} lacks: ar-en")
    paths[1].write_text(json.dumps({**auto, "pairs": {"es-en": {"n": 3}}}))
    with pytest.raises(ValueError, match=r"pair set 'es-en' has no numeric \"score\""):
        load_metrics(paths[1])


def test_results_say_which_heads_and_that_the_papers_k_was_chosen_on_test(tmp_path):
    from dlfa_spacy.report import write_report

    paths = write_fixtures(tmp_path / "m", ("ner_baseline", "ner_dlfa8", "ner_dlfa10", "xnli_dlfa11"),
                           ner_baseline={"heads": "token_classifier"}, ner_dlfa8={"heads": "ner"})
    text = write_report(paths, tmp_path / "r").read_text(encoding="utf8")
    assert "(NER, baseline, XTREME's head (token_classifier))" in text
    assert "(NER, DLFA-8, not XTREME's head (ner))" in text
    assert "(NER, DLFA-10, heads not recorded)" in text
    # NER's k is 8 in the paper and XNLI's 11: those rows are named, DLFA-10 is not.
    assert "**k from the paper (chosen on test there):** NER DLFA-8, XNLI DLFA-11." in text


def test_a_metrics_file_with_another_tasks_labels_is_refused(tmp_path):
    from dlfa_spacy.report.metrics_files import load_metrics

    paths = write_fixtures(tmp_path, ("xnli_baseline",),
                           xnli_baseline={"labels": ["paraphrase", "not_paraphrase"]})
    with pytest.raises(ValueError, match=r"its labels \['not_paraphrase', 'paraphrase'\] are not XNLI's"):
        load_metrics(paths[0])
    ok = write_fixtures(tmp_path / "ok", ("xnli_baseline",),
                        xnli_baseline={"labels": ["entailment", "neutral", "contradiction"]})
    assert load_metrics(ok[0])["task"] == "xnli"


def test_results_html_holds_the_report_and_displacy_pages_of_the_examples(tmp_path):
    de = "Anna wohnt in Berlin ."
    examples = [{"gold": {"text": de, "ents": [{"start": 0, "end": 4, "label": "PER"}, {"start": 14, "end": 20, "label": "LOC"}]},
                 "pred": {"text": de, "ents": [{"start": 14, "end": 20, "label": "LOC"}]}}]
    with_examples = dict(FIXTURES["ner_dlfa8"])
    with_examples["languages"] = {lang: dict(v) for lang, v in with_examples["languages"].items()}
    with_examples["languages"]["de"]["examples"] = examples
    paths = write_fixtures(tmp_path / "m", ["ner_baseline", "xnli_baseline"]) + [tmp_path / "m" / "ner8.json"]
    paths[-1].write_text(json.dumps(with_examples))
    write_report(paths, tmp_path / "out")
    page = (tmp_path / "out" / "results.html").read_text(encoding="utf8")
    markdown = (tmp_path / "out" / "results.md").read_text(encoding="utf8")
    # The same tables, as HTML: every row of the main table is a row here.
    assert "<th>Model</th><th>XNLI</th>" in page
    assert "<tr><td>baseline</td><td>70.00</td><td>60.00</td>" in page
    assert page.count("<img ") == markdown.count("![")
    for src in re.findall(r'src="([^"]+)"', page):
        assert (tmp_path / "out" / src).exists(), src
    # One displaCy page for the one variant and language with examples, linked from the report.
    assert '<a href="examples_ner_DLFA-8_de.html">NER DLFA-8 de</a>' in page
    examples_page = (tmp_path / "out" / "examples_ner_DLFA-8_de.html").read_text(encoding="utf8")
    assert examples_page.count('<mark class="entity"') == 3  # two gold entities, one predicted
    assert examples_page.index("gold") < examples_page.index("predicted")


def test_reliability_bars_are_labelled_with_their_example_counts(tmp_path, monkeypatch):
    from matplotlib.axes import Axes

    from dlfa_spacy.report.plots import plot_reliability

    drawn = []
    label = Axes.bar_label
    monkeypatch.setattr(Axes, "bar_label", lambda self, bars, labels=None, **kw: drawn.append(labels) or label(self, bars, labels=labels, **kw))
    group = [dict(FIXTURES["xnli_baseline"], path=tmp_path / "x.json")]
    assert plot_reliability(group, "XNLI", tmp_path / "r.png")
    # reliability(0.7, ...) puts every example of a language in one bin: 100 for de, 100 for en, pooled
    assert drawn == [["200"]]


def test_per_language_bars_carry_bootstrap_intervals_of_the_examples(tmp_path):
    from dlfa_spacy.metrics.bootstrap import score_interval
    from dlfa_spacy.report.plots import language_errors, plot_languages

    with_examples = metrics("xnli", 11, {"de": 0.6, "en": 0.75})
    with_examples["languages"]["de"]["per_example"] = [1] * 12 + [0] * 8  # 0.6
    with_examples["languages"]["en"]["per_example"] = [1] * 15 + [0] * 5  # 0.75
    low, high = score_interval([1] * 12 + [0] * 8)
    errors = language_errors(with_examples, ["de", "en"])
    assert errors[0][0] == pytest.approx(100 * (0.6 - low)) and errors[1][0] == pytest.approx(100 * (high - 0.6))
    assert 10 < errors[0][0] + errors[1][0] < 60  # a 95% interval on 20 examples: tens of points wide
    # A variant without per-example data is drawn without whiskers, not with invented ones.
    assert plot_languages([with_examples, FIXTURES["xnli_baseline"]], "XNLI", tmp_path / "l.png") == [True, False]
    assert_png(tmp_path / "l.png")


def test_layer_weight_bars_have_whiskers_only_over_several_runs(tmp_path, monkeypatch):
    from matplotlib.axes import Axes

    from dlfa_spacy.report.plots import plot_layer_weights

    errors = []
    bar = Axes.bar
    monkeypatch.setattr(Axes, "bar", lambda self, x, h, *a, **kw: errors.append(kw.get("yerr")) or bar(self, x, h, *a, **kw))
    plot_layer_weights({"NER": {1: [0.2], 2: [0.8]}, "POS": {1: [0.3, 0.5], 2: [0.7, 0.5]}}, tmp_path / "w.png")
    assert errors[0] is None  # one run: no zero-width whiskers
    assert errors[1] == [[pytest.approx(0.1), pytest.approx(0.1)], [pytest.approx(0.1), pytest.approx(0.1)]]
    assert_png(tmp_path / "w.png")
