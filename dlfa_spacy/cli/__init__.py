"""The command line: `python -m dlfa_spacy COMMAND` or `dlfa-spacy COMMAND`, one module per command.

Each command imports what it runs (spaCy, torch, Ray) only when it runs, so that `--help`
and argument errors cost no more than typer itself.
"""
from typing import List, Optional

from typer.main import get_command

from ._util import COMMAND, app
from .calibrate import calibrate_cli
from .convert import convert_cli
from .evaluate import evaluate_cli
from .export_encoder import export_encoder_cli
from .package import package_cli
from .prepare import prepare_cli
from .report import encoders_cli, report_app, research_cli, results_cli, sweep_report_cli
from .sweep import sweep_cli
from .verify_assets import verify_assets_cli

__all__ = ["app", "calibrate_cli", "convert_cli", "evaluate_cli", "export_encoder_cli", "main", "package_cli", "prepare_cli", "report_app",
           "research_cli", "results_cli", "sweep_cli", "sweep_report_cli", "encoders_cli", "verify_assets_cli"]


def main(argv: Optional[List[str]] = None) -> None:
    """Run the command line interface."""
    command = get_command(app)
    command(args=argv, prog_name=COMMAND)
