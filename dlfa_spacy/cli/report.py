"""`report`: markdown tables and PNG plots from metrics JSON files."""
from pathlib import Path
from typing import List

from ..report import write_report
from ..report.metrics_files import load_all
from ..report.tables import main_table
from ._util import Arg, Opt, app, input_errors, msg


@app.command("report")
@input_errors
def report_cli(
    # fmt: off
    metrics: List[Path] = Arg(..., help="Metrics JSON files written by `evaluate`", dir_okay=False),
    output_dir: Path = Opt(..., "--output", "-o", help="Folder for results.md and its plots", file_okay=False),
    # fmt: on
) -> None:
    """Write results.md (main, per-language, calibration and D_k tables) and its plots."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        msg.fail("The report draws plots with matplotlib: pip install \"dlfa-spacy[report]\"", exits=1)
    path = write_report(metrics, output_dir)
    msg.good(f"Wrote {path}")
    # The main table is markdown already: print it as it is in the file.
    print("\n".join(main_table(load_all(metrics))))
