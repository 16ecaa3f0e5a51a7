"""encoders.md: the same variants swept on several encoders, side by side."""
from pathlib import Path

import pytest
from test_report_sweep import correct, table_rows, trial, write_trials

from dlfa_spacy.metrics.bootstrap import paired_bootstrap_many
from dlfa_spacy.report.encoders import parse_named, write_encoder_report


def sweep(root: Path, base_de: int, k_de: int) -> Path:
    """An XNLI sweep of one encoder: baseline and DLFA-11, seeds 0 and 1, on de and en."""
    trials = []
    for seed in (0, 1):
        trials.append(trial("xnli", None, seed, {"de": correct(base_de + seed), "en": correct(14)}, dev=0.5))
        trials.append(trial("xnli", 11, seed, {"de": correct(k_de), "en": correct(15)}, dev=0.6))
    return write_trials(root, trials)


def test_one_row_per_encoder_with_gain_and_ci(tmp_path):
    mbert, xlmr = sweep(tmp_path / "mbert", 10, 14), sweep(tmp_path / "xlmr", 12, 12)
    text = write_encoder_report([("mBERT", mbert), ("XLM-R", xlmr)], tmp_path / "out", n_rounds=200).read_text()
    rows = table_rows(text, "| Encoder | baseline |")
    # mBERT baseline: de 0.50 / 0.55, en 0.7 -> 0.600, 0.625: "61.25 ± 1.77"; DLFA-11: de 0.7, en 0.75 -> 0.725.
    assert rows["mBERT"][:3] == ["61.25 ± 1.77", "72.50 ± 0.00", "+11.25"]
    ci = paired_bootstrap_many([([correct(10, 20), correct(11, 20)], [correct(14, 20)] * 2),
                                ([correct(14, 20)] * 2, [correct(15, 20)] * 2)], n_rounds=200, parallel=True)
    assert rows["mBERT"][3] == f"[{100 * ci.ci_low:+.2f}, {100 * ci.ci_high:+.2f}]"
    assert rows["XLM-R"][:3] == ["66.25 ± 1.77", "67.50 ± 0.00", "+1.25"]
    assert "Encoders: mBERT, XLM-R." in text and "## XNLI" in text


def test_named_folders_are_checked():
    assert parse_named(["mBERT=a", "mBERT=b"]) == [("mBERT", Path("a")), ("mBERT", Path("b"))]
    for bad in ("mBERT", "=a", "mBERT="):
        with pytest.raises(ValueError, match=r"expected NAME=SWEEP_FOLDER"):
            parse_named([bad])
    with pytest.raises(ValueError, match=r"--encoder 'x=a' is given twice"):
        parse_named(["x=a", "x=a"])
