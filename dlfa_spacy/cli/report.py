"""`report results|sweep|encoders|research`: markdown tables and PNG plots from the experiments' results."""
from pathlib import Path
from typing import List

import typer

from ..metrics.bootstrap import N_ROUNDS, SEED
from ._util import Arg, Opt, app, input_errors, msg

report_app = typer.Typer(
    name="report", help="Write the reports: results.md, sweep.md, encoders.md, research.md and their plots.",
    no_args_is_help=True, add_completion=False, rich_markup_mode=None,
)
app.add_typer(report_app, name="report")

OUTPUT_HELP = "Folder for the report and its plots (other files in it stay)"
ROUNDS_HELP = "Rounds of the paired bootstrap"
SEED_HELP = "Random seed of the paired bootstrap"


def require_matplotlib() -> None:
    """Exit with one line naming the extra to install unless matplotlib is there."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        msg.fail("The report draws plots with matplotlib: pip install \"dlfa-spacy[report]\"", exits=1)


@report_app.command("results")
@input_errors
def results_cli(
    # fmt: off
    metrics: List[Path] = Arg(..., help="Metrics JSON files written by `evaluate`", dir_okay=False),
    output_dir: Path = Opt(..., "--output", "-o", help=OUTPUT_HELP, file_okay=False),
    # fmt: on
) -> None:
    """Write results.md (main, per-language, calibration and D_k tables) and its plots."""
    require_matplotlib()
    from ..report import write_report
    from ..report.metrics_files import load_all
    from ..report.tables import main_table

    path = write_report(metrics, output_dir)
    msg.good(f"Wrote {path}")
    # The main table is markdown already: print it as it is in the file.
    print("\n".join(main_table(load_all(metrics))))


@report_app.command("sweep")
@input_errors
def sweep_report_cli(
    # fmt: off
    sweeps: List[Path] = Arg(..., help="Sweep output folders holding trials/{variant}-s{seed}/metrics.json", file_okay=False),
    output_dir: Path = Opt(..., "--output", "-o", help=OUTPUT_HELP, file_okay=False),
    rounds: int = Opt(N_ROUNDS, "--bootstrap-rounds", help=ROUNDS_HELP, min=1),
    seed: int = Opt(SEED, "--bootstrap-seed", help=SEED_HELP),
    # fmt: on
) -> None:
    """Write sweep.md: the D_k table over seeds, gain heatmaps, the best k on English dev with paired-bootstrap CIs."""
    require_matplotlib()
    from ..report.sweep import dk_table, group_trials, load_trials, seed_notes, write_sweep_report

    path = write_sweep_report(sweeps, output_dir, n_rounds=rounds, seed=seed)
    msg.good(f"Wrote {path}")
    groups = group_trials(load_trials(sweeps))
    for note in seed_notes(groups):
        msg.warn(note)
    print("\n".join(dk_table(groups)))


@report_app.command("encoders")
@input_errors
def encoders_cli(
    # fmt: off
    encoders: List[str] = Arg(..., help="NAME=SWEEP_FOLDER of one encoder's sweep of a task; one for each encoder and task"),
    output_dir: Path = Opt(..., "--output", "-o", help=OUTPUT_HELP, file_okay=False),
    rounds: int = Opt(N_ROUNDS, "--bootstrap-rounds", help=ROUNDS_HELP, min=1),
    seed: int = Opt(SEED, "--bootstrap-seed", help=SEED_HELP),
    # fmt: on
) -> None:
    """Write encoders.md: every encoder's baseline and fused variants side by side."""
    from ..report.encoders import parse_named, write_encoder_report

    path = write_encoder_report(parse_named(encoders), output_dir, n_rounds=rounds, seed=seed)
    msg.good(f"Wrote {path}")


@report_app.command("research")
@input_errors
def research_cli(
    # fmt: off
    output_dir: Path = Opt(..., "--output", "-o", help=OUTPUT_HELP, file_okay=False),
    sweeps: List[Path] = Opt([], "--sweep", help="A layer sweep folder (calibration by layer, scalar mix, gains as languages are added); repeat for each task", file_okay=False),
    calibrated: List[Path] = Opt([], "--calibrated", help="Metrics JSON file of a calibrated pipeline (temperature scaling); repeat for each", dir_okay=False),
    encoders: List[str] = Opt([], "--encoder", help="NAME=SWEEP_FOLDER of an encoder comparison sweep; repeat for each encoder and task"),
    intermediate: List[str] = Opt([], "--intermediate", help="NAME=SWEEP_FOLDER of an intermediate-task sweep (and the plain encoders beside them); repeat for each"),
    rounds: int = Opt(N_ROUNDS, "--bootstrap-rounds", help=ROUNDS_HELP, min=1),
    seed: int = Opt(SEED, "--bootstrap-seed", help=SEED_HELP),
    # fmt: on
) -> None:
    """Write research.md: the five research questions, each computed from the experiments' results."""
    require_matplotlib()
    from ..report.encoders import parse_named
    from ..report.research import write_research_report

    path = write_research_report(output_dir, sweeps, calibrated, parse_named(encoders) if encoders else [],
                                 parse_named(intermediate) if intermediate else [], n_rounds=rounds, seed=seed)
    msg.good(f"Wrote {path}")
