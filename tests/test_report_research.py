"""research.md: the five research questions, each computed from the experiments' data (never from other reports)."""
import json
from pathlib import Path

import pytest
from test_report_sweep import correct, table_rows, trial, write_trials
from typer.testing import CliRunner

from dlfa_spacy.cli import app
from dlfa_spacy.report.research import write_research_report


def with_calibration(t, ece):
    """The trial with ECE, NLL and Brier on each language (ECE as given, NLL 1.0, Brier 0.5)."""
    for lang in t["languages"]:
        t["languages"][lang].update(ece=ece, nll=1.0, brier=0.5)
    return t


def rival(seed, n_de):
    return {**trial("xnli", None, seed, {"de": correct(n_de), "en": correct(14), "fr": correct(10)}, dev=0.9),
            "layer": "scalar-mix", "variant": "scalar-mix"}


def xnli(layer, seed, n_de, dev, ece):
    return with_calibration(trial("xnli", layer, seed, {"de": correct(n_de), "en": correct(14), "fr": correct(10)},
                                  dev=dev), ece)


SWEEP = [
    # baseline: ECE 0.2 in both seeds; DLFA-4 (the best k on dev): 0.1; the rival has no calibration data.
    xnli(None, 1, 10, 0.5, 0.2), xnli(None, 2, 12, 0.6, 0.2),
    xnli(4, 1, 18, 0.8, 0.1), xnli(4, 2, 18, 0.7, 0.1),
    rival(1, 16), rival(2, 16),
]


def encoder_sweep(root: Path, gain: int) -> Path:
    """An XNLI sweep of baseline and DLFA-4, DLFA-4 `gain` examples better in de."""
    return write_trials(root, [trial("xnli", None, s, {"de": correct(10), "en": correct(14)}) for s in (1, 2)]
                        + [trial("xnli", 4, s, {"de": correct(10 + gain), "en": correct(14)}) for s in (1, 2)])


def calibrated_metrics(path: Path) -> Path:
    """A calibrated XNLI pipeline's metrics: T = 1.5, ECE 0.2 before and 0.05 after on each language."""
    m = trial("xnli", 4, 0, {"de": correct(18), "en": correct(14)}, temperature=1.5)
    m.pop("seed")
    for scores in m["languages"].values():
        scores["calibration"] = {"temperature": 1.5,
                                 "before": {"accuracy": 0.8, "ece": 0.2, "nll": 1.0, "brier": 0.5},
                                 "after": {"accuracy": 0.8, "ece": 0.05, "nll": 0.8, "brier": 0.4}}
    path.write_text(json.dumps(m))
    return path


@pytest.fixture(scope="module")
def research(tmp_path_factory):
    root = tmp_path_factory.mktemp("research")
    inputs = dict(sweeps=[write_trials(root / "sweeps" / "xnli", SWEEP)],
                  calibrated=[calibrated_metrics(root / "xnli-calibrated.json")],
                  encoders=[("mBERT", encoder_sweep(root / "enc" / "mbert", 2)),
                            ("XLM-R", encoder_sweep(root / "enc" / "xlmr", 4))],
                  intermediate=[("mBERT", encoder_sweep(root / "enc" / "mbert", 2)),
                                ("mBERT + POS", encoder_sweep(root / "enc" / "mbert-pos", 6))])
    path = write_research_report(root / "reports", n_rounds=200, **inputs)
    return root, inputs, path.read_text(encoding="utf8")


def section(text: str, number: int) -> str:
    """The text of section `number` (1..5) of research.md."""
    return text.split("\n## ")[number]


def test_five_sections_in_order(research):
    _, _, text = research
    titles = [line for line in text.splitlines() if line.startswith("## ")]
    assert titles == ["## 1. Calibration across fusion layers, and temperature scaling",
                      "## 2. Intermediate-task training", "## 3. Other encoders", "## 4. The scalar-mix rival",
                      "## 5. Gains as the number of target languages grows"]


def test_calibration_is_computed_from_the_trials_and_the_calibrated_metrics(research):
    _, _, text = research
    calibration = section(text, 1)
    # ECE over seeds (ddof=1): baseline 20.00 ± 0.00, D_4 10.00 ± 0.00; the rival has none.
    rows = table_rows(calibration[calibration.index("#### XNLI calibration"):], "| k | ECE (%)")
    assert rows["baseline"][0] == "20.00 ± 0.00" and rows["D_4"][0] == "10.00 ± 0.00"
    temperature = calibration[calibration.index("### XNLI temperature scaling"):]
    assert table_rows(temperature, "| Model | T |") == {
        "DLFA-4": ["1.500", "20.00", "5.00", "1.0000", "0.8000", "0.5000", "0.4000"]}


def test_encoder_sections_set_each_encoder_against_its_own_baseline(research):
    _, _, text = research
    # de +2, +4 and +6 of 20 over de, en: the average moves by 5, 10 and 15 points.
    assert {k: v[2] for k, v in table_rows(section(text, 3), "| Encoder |").items()} == {
        "mBERT": "+5.00", "XLM-R": "+10.00"}
    assert {k: v[2] for k, v in table_rows(section(text, 2), "| Encoder |").items()} == {
        "mBERT": "+5.00", "mBERT + POS": "+15.00"}


def test_scalar_mix_and_language_count_come_from_the_sweep(research):
    root, _, text = research
    assert "#### XNLI: scalar mix of every layer (the rival)" in section(text, 4)
    assert "| Language |" in section(text, 4)
    counts = section(text, 5)
    assert "XNLI: gain as target languages are added" in counts
    assert (root / "reports" / "research_xnli_language_count.png").read_bytes().startswith(b"\x89PNG")
    assert "research_xnli_language_count.png" in counts


def test_missing_inputs_are_named_and_nothing_is_written(tmp_path, research):
    _, inputs, _ = research
    with pytest.raises(ValueError) as err:
        write_research_report(tmp_path / "out", **{**inputs, "calibrated": [], "intermediate": []})
    assert str(err.value) == ("Cannot write the research report without --calibrated metrics files, "
                              "--intermediate sweeps")
    # A sweep without the rival: section 4 has no table, which is named.
    plain = write_trials(tmp_path / "plain", SWEEP[:4])
    with pytest.raises(ValueError, match="has nothing for '4. The scalar-mix rival'"):
        write_research_report(tmp_path / "out", **{**inputs, "sweeps": [plain]})
    assert not (tmp_path / "out").exists()


def test_cli_writes_research_md(tmp_path, research):
    _, inputs, _ = research
    args = ["report", "research", "-o", str(tmp_path / "r"), "--bootstrap-rounds", "50"]
    args += [f"--sweep={p}" for p in inputs["sweeps"]] + [f"--calibrated={p}" for p in inputs["calibrated"]]
    args += [f"--encoder={n}={p}" for n, p in inputs["encoders"]]
    args += [f"--intermediate={n}={p}" for n, p in inputs["intermediate"]]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "r" / "research.md").read_text(encoding="utf8").count("\n## ") == 5
    result = CliRunner().invoke(app, ["report", "research", "-o", str(tmp_path / "r2")])
    assert result.exit_code == 1 and "without --sweep folders" in result.output
