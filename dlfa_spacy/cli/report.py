"""`report`: markdown tables and PNG plots from metrics JSON files and layer sweeps."""
from pathlib import Path
from typing import List, Optional

from ..metrics.bootstrap import N_ROUNDS, SEED
from ..report import write_report
from ..report.encoders import parse_named, write_encoder_report
from ..report.metrics_files import load_all
from ..report.research import write_research_report
from ..report.sweep import dk_table, group_trials, load_trials, seed_notes, write_sweep_report
from ..report.tables import main_table
from ._util import Arg, Opt, app, input_errors, msg


@app.command("report")
@input_errors
def report_cli(
    # fmt: off
    metrics: Optional[List[Path]] = Arg(None, help="Metrics JSON files written by `evaluate` (optional with --sweep)", dir_okay=False),
    output_dir: Path = Opt(..., "--output", "-o", help="Folder for results.md, sweep.md and their plots", file_okay=False),
    sweep: Optional[List[Path]] = Opt(None, "--sweep", help="Sweep output folder holding trials/{variant}-s{seed}/metrics.json; repeat for several. Writes sweep.md (D_k table over seeds, gain heatmaps, paired-bootstrap CIs of the best k) next to results.md", file_okay=False),
    encoder: Optional[List[str]] = Opt(None, "--encoder", help="NAME=SWEEP_FOLDER of one encoder's sweep of a task; repeat for each encoder (and task). Writes encoders.md: every encoder's baseline and fused variants side by side"),
    research: bool = Opt(False, "--research", help="Write research.md in the output folder from the research experiments' reports there (sweep.md, calibrated/, encoders.md, intermediate/), after the rest"),
    rounds: int = Opt(N_ROUNDS, "--bootstrap-rounds", help="Rounds of the paired bootstrap (with --sweep)", min=1),
    seed: int = Opt(SEED, "--bootstrap-seed", help="Random seed of the paired bootstrap (with --sweep)"),
    # fmt: on
) -> None:
    """Write results.md (main, per-language, calibration and D_k tables) and its plots; with --sweep also sweep.md, with --encoder encoders.md."""
    if not metrics and not sweep and not encoder and not research:
        raise ValueError("Nothing to report: give metrics JSON files, --sweep folders, --encoder sweeps or --research")
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        msg.fail("The report draws plots with matplotlib: pip install \"dlfa-spacy[report]\"", exits=1)
    if metrics:
        path = write_report(metrics, output_dir)
        msg.good(f"Wrote {path}")
        # The main table is markdown already: print it as it is in the file.
        print("\n".join(main_table(load_all(metrics))))
    if sweep:
        path = write_sweep_report(sweep, output_dir, n_rounds=rounds, seed=seed)
        msg.good(f"Wrote {path}")
        groups = group_trials(load_trials(sweep))
        for note in seed_notes(groups):
            msg.warn(note)
        print("\n".join(dk_table(groups)))
    if encoder:
        path = write_encoder_report(parse_named(encoder), output_dir, n_rounds=rounds, seed=seed)
        msg.good(f"Wrote {path}")
    if research:
        path = write_research_report(output_dir)
        msg.good(f"Wrote {path}")
