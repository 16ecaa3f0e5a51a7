"""The command line: `python -m dlfa_spacy COMMAND` or `dlfa-spacy COMMAND`, one module per command."""
from typing import List, Optional

from typer.main import get_command

from ._util import COMMAND, app
from .calibrate import calibrate_cli
from .convert import convert_cli
from .evaluate import evaluate_cli
from .export_encoder import export_encoder_cli
from .local_bert import local_bert_cli
from .local_xlmr import local_xlmr_cli
from .prepare import prepare_cli
from .report import report_cli
from .sweep import sweep_cli

__all__ = ["app", "calibrate_cli", "convert_cli", "evaluate_cli", "export_encoder_cli", "local_bert_cli", "local_xlmr_cli", "main", "prepare_cli", "report_cli", "sweep_cli"]


def main(argv: Optional[List[str]] = None) -> None:
    """Run the command line interface."""
    command = get_command(app)
    command(args=argv, prog_name=COMMAND)
