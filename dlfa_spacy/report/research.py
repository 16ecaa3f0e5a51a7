"""research.md: the five research questions in one report, each section taken from the report that answers it.

The experiments write their own reports (sweep.md, calibrated/results.md, encoders.md,
intermediate/encoders.md); this gathers the parts that answer each question, in the
order of README's "Research experiments", and says which file each came from.
"""
from dataclasses import dataclass
from pathlib import Path
from typing import List, Sequence, Tuple, Union

from ..atomic import write_atomic
from ..tasks import TASKS

REPORT_FILE = "research.md"


@dataclass(frozen=True)
class Section:
    """One research question: its title, and the reports and headings whose text answers it."""

    title: str
    question: str
    # (report relative to the reports folder, markdown headings whose blocks are taken)
    parts: Sequence[Tuple[str, Sequence[str]]]


TASK_TITLES = tuple(task.title for task in TASKS.values())
SECTIONS = (
    Section("1. Calibration across fusion layers, and temperature scaling",
            "Does fusing a lower layer change how trustworthy the confidences are abroad, and does one temperature "
            "fitted on English dev (no target-language data) calibrate every language?",
            (("sweep.md", ("## Calibration by fusion layer",)),
             ("calibrated/results.md", ("### XNLI temperature scaling", "### PAWS-X temperature scaling")))),
    Section("2. Intermediate-task training",
            "Does fine-tuning on an English intermediate task first, POS (easy) or parsing (hard), help XNLI and "
            "PAWS-X transfer, with DLFA and without?",
            (("intermediate/encoders.md", ("## XNLI", "## PAWS-X")),)),
    Section("3. Other encoders", "Does the gain hold for XLM-R and a sentence-embedding model?",
            (("encoders.md", ("## XNLI", "## STS")),)),
    Section("4. The scalar-mix rival",
            "Last layer, DLFA best k, auto and the scalar mix of all layers, on the same seeds and CIs.",
            (("sweep.md", tuple(f"#### {t}: scalar mix" for t in TASK_TITLES)),)),
    Section("5. Gains as the number of target languages grows",
            "The mean gain of the best k and its CI as target languages are added, over random orders and by family.",
            (("sweep.md", tuple(f"#### {t}: gain as target" for t in TASK_TITLES)),)),
)


def extract(markdown: str, heading: str) -> str:
    """The block that starts at the line beginning with `heading`, up to the next heading of its level or higher."""
    lines = markdown.splitlines()
    start = next((i for i, line in enumerate(lines) if line.startswith(heading)), None)
    if start is None:
        return ""
    level = len(heading) - len(heading.lstrip("#"))
    end = next((j for j in range(start + 1, len(lines))
                if lines[j].startswith("#") and len(lines[j]) - len(lines[j].lstrip("#")) <= level), len(lines))
    return "\n".join(lines[start:end]).strip()


def _demote(block: str, by: int) -> str:
    """The block with every heading `by` levels deeper, so that it nests under its section."""
    return "\n".join("#" * by + line if line.startswith("#") else line for line in block.splitlines())


def _relink(block: str, folder: Path) -> str:
    """Image and file links of a block, relative to research.md instead of their own report's folder."""
    if str(folder) == ".":
        return block
    return block.replace("](", f"]({folder.as_posix()}/")


def render_research(reports: Path) -> str:
    """The markdown of research.md; ValueError naming each missing report or section."""
    missing: List[str] = []
    lines = ["# Research experiments", "",
             "Each section is taken from the report that answers it (named under its title). Plots are in the "
             "same folders as those reports."]
    for section in SECTIONS:
        lines += ["", f"## {section.title}", "", section.question]
        for source, headings in section.parts:
            path = reports / source
            if not path.is_file():
                missing.append(f"{path} (for '{section.title}')")
                continue
            text = path.read_text(encoding="utf8")
            blocks = [b for b in (extract(text, h) for h in headings) if b]
            if not blocks:
                missing.append(f"{path} has none of the sections {list(headings)} (for '{section.title}')")
                continue
            lines += ["", f"From `{source}`:", ""]
            lines += [_demote(_relink(block, Path(source).parent), 1) + "\n" for block in blocks]
    if missing:
        raise ValueError("Cannot write the research report, these are missing: " + "; ".join(missing))
    return "\n".join(lines).rstrip() + "\n"


def write_research_report(reports: Union[str, Path]) -> Path:
    """Write `reports/research.md` from the experiments' reports in that folder; return its path."""
    reports = Path(reports)
    write_atomic(reports / REPORT_FILE, render_research(reports).encode("utf8"))
    return reports / REPORT_FILE
