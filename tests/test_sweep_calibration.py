"""The sweep report's calibration section: ECE / NLL / Brier per variant over seeds, ECE by layer and family."""
from pathlib import Path

import pytest
from test_report_sweep import correct, table_rows, trial, write_trials

from dlfa_spacy.report import write_sweep_report
from dlfa_spacy.report.sweep_calibration import ece_by_group, language_groups

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def calibrated(task, layer, seed, ece, nll, brier):
    """A trial on en, de, nl (Germanic) and ru (Slavic), each language with the given ECE/NLL/Brier lists."""
    t = trial(task, layer, seed, {lang: correct(10) for lang in ("de", "en", "nl", "ru")}, dev=0.5)
    for i, lang in enumerate(("de", "en", "nl", "ru")):
        t["languages"][lang].update(ece=ece[i], nll=nll[i], brier=brier[i])
    return t


TRIALS = [
    # baseline: ECE per trial (mean over de, en, nl, ru) s1 0.10, s2 0.20 -> "15.00 ± 7.07".
    calibrated("xnli", None, 1, [0.1, 0.1, 0.1, 0.1], [1.0, 1.0, 1.0, 1.0], [0.5, 0.5, 0.5, 0.5]),
    calibrated("xnli", None, 2, [0.2, 0.2, 0.2, 0.2], [2.0, 2.0, 2.0, 2.0], [0.7, 0.7, 0.7, 0.7]),
    # DLFA-4, one seed: ECE (0.02 + 0.04 + 0.06 + 0.08) / 4 = 0.05; NLL 0.75; Brier 0.45.
    calibrated("xnli", 4, 1, [0.02, 0.04, 0.06, 0.08], [0.6, 0.8, 0.7, 0.9], [0.4, 0.5, 0.4, 0.5]),
]


def test_groups_are_english_then_families():
    assert language_groups(["ru", "nl", "en", "de"]) == {"English": ["en"], "Germanic": ["de", "nl"],
                                                         "Slavic": ["ru"]}


def test_calibration_table_and_ece_by_family(tmp_path: Path):
    out = write_trials(tmp_path / "sweep", TRIALS)
    text = write_sweep_report([out], tmp_path / "reports").read_text(encoding="utf8")
    rows = table_rows(text[text.index("### XNLI calibration"):], "| k | ECE (%)")
    assert rows == {"baseline": ["15.00 ± 7.07", "1.5000 ± 0.7071", "0.6000 ± 0.1414"],
                    "D_4": ["5.00 ± –", "0.7500 ± –", "0.4500 ± –"]}
    assert "![XNLI ECE by fusion layer and language family](sweep_xnli_calibration.png)" in text
    assert (tmp_path / "reports" / "sweep_xnli_calibration.png").read_bytes().startswith(PNG_MAGIC)
    runs = {"baseline": {1: TRIALS[0], 2: TRIALS[1]}, "DLFA-4": {1: TRIALS[2]}}
    by_group = ece_by_group(runs)
    assert list(by_group) == ["English", "Germanic", "Slavic"]
    # Germanic = de, nl: baseline mean over seeds of (0.1, 0.2) = 0.15; DLFA-4 (0.02 + 0.06) / 2 = 0.04.
    # English = en: 0.15 and 0.04; Slavic = ru: 0.15 and 0.08.
    assert by_group == {"English": pytest.approx([0.15, 0.04]), "Germanic": pytest.approx([0.15, 0.04]),
                        "Slavic": pytest.approx([0.15, 0.08])}


def test_no_calibration_section_without_a_classification_task(tmp_path: Path):
    from test_report_sweep import counts

    ner = [trial("ner", None, 1, {"de": counts(1, 1)}, dev=0.5), trial("ner", 4, 1, {"de": counts(2, 0)}, dev=0.5)]
    text = write_sweep_report([write_trials(tmp_path / "ner", ner)], tmp_path / "reports").read_text()
    assert "## Calibration by fusion layer" not in text
