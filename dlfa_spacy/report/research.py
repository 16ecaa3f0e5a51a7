"""research.md: the five research questions in one report, each answered from the experiments' data.

It reads what the experiments wrote, never another report's text: the layer sweeps'
trials (calibration by fusion layer, the scalar-mix rival, the gain as target languages
are added), the calibrated pipelines' metrics files (temperature scaling), and the
encoder and intermediate-task sweeps (NAME=FOLDER, as for encoders.md). Each section is
built by the same table builders as the experiment's own report, in the order of
README's "Research experiments"; its plots are drawn next to research.md.
"""
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Dict, List, Sequence, Tuple, Union

from ..atomic import report_files
from ..metrics.bootstrap import N_ROUNDS, SEED
from ..results import BASELINE, is_smoke, smoke_lines
from ..tasks import TASKS
from .encoders import Named, encoder_table, load_encoders
from .language_count import language_count_section
from .metrics_files import Metrics, load_all
from .sweep import Groups, best_variant, group_trials, load_trials, row_name, scalar_mix_lines, SCALAR_MIX_VARIANT
from .sweep_calibration import calibration_section
from .tables import by_task, temperature_table

REPORT_FILE = "research.md"


@dataclass(frozen=True)
class ResearchData:
    """What the research experiments wrote, loaded and checked."""

    sweeps: Groups  # the layer sweeps' trials by task, variant and seed
    calibrated: List[Metrics]  # the calibrated pipelines' metrics files
    encoders: Dict[str, Groups]  # encoder name -> its sweeps
    intermediate: Dict[str, Groups]  # encoder (+ intermediate task) name -> its sweeps

    @property
    def smoke(self) -> bool:
        """Whether any of it is a smoke run."""
        trials = [m for g in [self.sweeps, *self.encoders.values(), *self.intermediate.values()]
                  for runs in g.values() for seeds in runs.values() for m in seeds.values()]
        return any(is_smoke(m) for m in trials + self.calibrated)


def load_research(sweeps: Sequence[Union[str, Path]], calibrated: Sequence[Union[str, Path]],
                  encoders: Named, intermediate: Named) -> ResearchData:
    """Load every input; ValueError naming each kind of data that is not given."""
    missing = [what for what, given in (("--sweep folders", sweeps), ("--calibrated metrics files", calibrated),
                                        ("--encoder sweeps", encoders), ("--intermediate sweeps", intermediate))
               if not given]
    if missing:
        raise ValueError("Cannot write the research report without " + ", ".join(missing))
    return ResearchData(group_trials(load_trials(sweeps)), load_all(calibrated), load_encoders(encoders),
                        load_encoders(intermediate))


def demote(lines: Sequence[str], by: int = 1) -> List[str]:
    """The lines with every markdown heading `by` levels deeper, so that they nest under a section."""
    return ["#" * by + line if line.startswith("#") else line for line in lines]


def calibration_lines(data: ResearchData, folder: Path, n_rounds: int, seed: int) -> List[str]:
    """ECE / NLL / Brier by fusion layer (the sweeps), then temperature scaling (the calibrated pipelines)."""
    lines = demote(calibration_section(data.sweeps, folder, row_name))
    for task, group in by_task(data.calibrated).items():
        scaled = temperature_table(group)
        if scaled:
            lines += ["", f"### {TASKS[task].title} temperature scaling (fitted on English dev; mean over languages)",
                      "", *scaled]
    return lines


def encoder_lines(encoders: Dict[str, Groups], n_rounds: int, seed: int) -> List[str]:
    """Per task, one row per encoder: its baseline and fused variants with the CIs of the gains."""
    lines: List[str] = []
    for task in TASKS:
        if any(task in groups for groups in encoders.values()):
            lines += ["", f"### {TASKS[task].title}", "", *encoder_table(encoders, task, n_rounds, seed)]
    return lines


def scalar_mix_section(data: ResearchData, folder: Path, n_rounds: int, seed: int) -> List[str]:
    """Per task with the rival: baseline, best k, auto and the scalar mix on the same seeds and CIs."""
    lines: List[str] = []
    for task, runs in data.sweeps.items():
        if SCALAR_MIX_VARIANT in runs and BASELINE in runs:
            lines += demote(scalar_mix_lines(task, runs, n_rounds, seed))
    return lines


def language_count_lines(data: ResearchData, folder: Path, n_rounds: int, seed: int) -> List[str]:
    """Per task, the best k's gain and its CI as target languages are added."""
    lines: List[str] = []
    for task, runs in data.sweeps.items():
        best = best_variant(runs)
        if best is not None:
            lines += demote(language_count_section(task, runs, best, folder, f"research_{task}_language_count.png",
                                                   n_rounds=n_rounds, seed=seed))
    return lines


Builder = Callable[[ResearchData, Path, int, int], List[str]]
SECTIONS: Tuple[Tuple[str, str, Builder], ...] = (
    ("1. Calibration across fusion layers, and temperature scaling",
     "Does fusing a lower layer change how trustworthy the confidences are abroad, and does one temperature "
     "fitted on English dev (no target-language data) calibrate every language?", calibration_lines),
    ("2. Intermediate-task training",
     "Does fine-tuning on an English intermediate task first, POS (easy) or parsing (hard), help XNLI and "
     "PAWS-X transfer, with DLFA and without?", lambda d, f, r, s: encoder_lines(d.intermediate, r, s)),
    ("3. Other encoders", "Does the gain hold for XLM-R and a sentence-embedding model?",
     lambda d, f, r, s: encoder_lines(d.encoders, r, s)),
    ("4. The scalar-mix rival",
     "Last layer, DLFA best k, auto and the scalar mix of all layers, on the same seeds and CIs.",
     scalar_mix_section),
    ("5. Gains as the number of target languages grows",
     "The mean gain of the best k and its CI as target languages are added, over random orders and by family.",
     language_count_lines),
)


def render_research(data: ResearchData, folder: Path, n_rounds: int = N_ROUNDS, seed: int = SEED) -> str:
    """The markdown of research.md, its plots drawn into `folder`; ValueError naming each section without data."""
    lines = ["# Research experiments", "", *smoke_lines(data.smoke),
             "Each section is computed from the experiments' results (sweep trials, calibrated metrics files, "
             f"encoder sweeps); CIs are paired bootstraps ({n_rounds} rounds, seed {seed})."]
    empty = []
    for title, question, build in SECTIONS:
        body = build(data, folder, n_rounds, seed)
        if not any(line.startswith("|") for line in body):
            empty.append(title)
        lines += ["", f"## {title}", "", question, *body]
    if empty:
        raise ValueError("Cannot write the research report: the data given has nothing for "
                         + "; ".join(f"'{t}'" for t in empty))
    return "\n".join(lines).rstrip() + "\n"


def write_research_report(
    output_dir: Union[str, Path],
    sweeps: Sequence[Union[str, Path]],
    calibrated: Sequence[Union[str, Path]],
    encoders: Named,
    intermediate: Named,
    n_rounds: int = N_ROUNDS,
    seed: int = SEED,
) -> Path:
    """Write `output_dir/research.md` and its plots from the research experiments' data; return its path."""
    data = load_research(sweeps, calibrated, encoders, intermediate)  # all checked before anything is drawn
    with report_files(output_dir, REPORT_FILE) as tmp:
        (tmp / REPORT_FILE).write_text(render_research(data, tmp, n_rounds, seed), encoding="utf8")
    return Path(output_dir) / REPORT_FILE
