"""The one typer app every command registers on, and what the commands share."""
import functools
from typing import Any, Callable, List, TypeVar

import typer
from wasabi import Printer

NAME = "dlfa-spacy"
COMMAND = "python -m dlfa_spacy"
HELP = """dlfa-spacy: DLFA feature aggregation for spaCy transformer pipelines.

Convert the benchmarks, evaluate pipelines zero-shot per language, and report.
"""

# Short names for typer's annotations, as in spacy/cli/_util.py.
Arg = typer.Argument
Opt = typer.Option

app = typer.Typer(name=NAME, help=HELP, no_args_is_help=True, add_completion=False, rich_markup_mode=None)
msg = Printer()

F = TypeVar("F", bound=Callable[..., Any])


def input_errors(func: F) -> F:
    """Show bad input and failed reads or writes (ValueError, OSError) as one red line and exit 1, not a traceback."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except ValueError as err:
            msg.fail(str(err), exits=1)
        except OSError as err:
            msg.fail(os_error_line(err), exits=1)

    return wrapper  # type: ignore[return-value]


def os_error_line(err: OSError) -> str:
    """An OSError as one line that names its file: "path: reason"."""
    if err.filename and str(err.filename) not in str(err.strerror or ""):
        return f"{err.filename}: {err.strerror or err}"
    return str(err.strerror or err)


def split_list(text: str) -> List[str]:
    """Split a comma- or space-separated list such as 'de,es,ru'."""
    return [item for item in text.replace(",", " ").split() if item]


def setup_gpu(gpu_id: int) -> None:
    """Use GPU `gpu_id` (>= 0) or the CPU (-1), and say which."""
    from spacy.cli._util import setup_gpu as spacy_setup_gpu

    spacy_setup_gpu(gpu_id)


def percent(value: Any) -> str:
    """A score in [0, 1] as a percentage with two decimals, '–' for none."""
    return "–" if value is None else f"{100 * value:.2f}"
