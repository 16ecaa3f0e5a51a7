"""research.md: the five research questions, each section taken from the report that answers it."""
import pytest

from dlfa_spacy.report.research import extract, write_research_report

SWEEP = """# Layer sweep

## Gain over the baseline

### XNLI

#### XNLI: gain as target languages are added (DLFA-3)

| n | gain |
|:---|---:|
| 1 | +1.00 |

![XNLI gain](sweep_xnli_language_count.png)

#### XNLI: scalar mix of every layer (the rival)

scalar text

## Calibration by fusion layer

### XNLI calibration

| k | ECE (%) |

## Trials

- `trials/baseline-s0` (NER, baseline, seed 0)
"""


def write_reports(root):
    (root / "calibrated").mkdir(parents=True)
    (root / "intermediate").mkdir()
    (root / "sweep.md").write_text(SWEEP)
    (root / "calibrated" / "results.md").write_text("# R\n\n### XNLI temperature scaling (x)\n\n| Model | T |\n\n"
                                                    "![plot](xnli_languages.png)\n\n## Other\n")
    (root / "encoders.md").write_text("# Encoders\n\n## XNLI\n\n| Encoder | baseline |\n\n## STS\n\n| e |\n")
    (root / "intermediate" / "encoders.md").write_text("# Encoders\n\n## XNLI\n\n| Encoder | tiny BERT + POS |\n")


def test_extract_takes_a_block_up_to_the_next_heading_of_its_level():
    assert extract(SWEEP, "#### XNLI: scalar mix") == "#### XNLI: scalar mix of every layer (the rival)\n\nscalar text"
    # The trials list under its own heading is not part of the calibration section.
    assert extract(SWEEP, "## Calibration").splitlines()[-1] == "| k | ECE (%) |"
    assert extract(SWEEP, "#### POS: scalar mix") == ""


def test_five_sections_each_from_its_report(tmp_path):
    write_reports(tmp_path)
    text = write_research_report(tmp_path).read_text()
    titles = [line for line in text.splitlines() if line.startswith("## ")]
    assert titles == ["## 1. Calibration across fusion layers, and temperature scaling",
                      "## 2. Intermediate-task training", "## 3. Other encoders", "## 4. The scalar-mix rival",
                      "## 5. Gains as the number of target languages grows"]
    # Headings nest one level deeper; links point into the report's own folder.
    assert "### Calibration by fusion layer" in text and "#### XNLI temperature scaling (x)" in text
    assert "![plot](calibrated/xnli_languages.png)" in text and "![XNLI gain](sweep_xnli_language_count.png)" in text
    assert "From `intermediate/encoders.md`:" in text and "| Encoder | tiny BERT + POS |" in text
    assert "##### XNLI: scalar mix of every layer (the rival)" in text
    assert "trials/baseline-s0" not in text  # sweep.md's list of trials stays there


def test_missing_reports_are_named(tmp_path):
    write_reports(tmp_path)
    (tmp_path / "encoders.md").unlink()
    (tmp_path / "intermediate" / "encoders.md").write_text("# nothing\n")
    with pytest.raises(ValueError) as err:
        write_research_report(tmp_path)
    assert str(err.value) == (
        "Cannot write the research report, these are missing: "
        f"{tmp_path / 'intermediate' / 'encoders.md'} has none of the sections ['## XNLI', '## PAWS-X'] "
        "(for '2. Intermediate-task training'); "
        f"{tmp_path / 'encoders.md'} (for '3. Other encoders')")
    assert not (tmp_path / "research.md").exists()
