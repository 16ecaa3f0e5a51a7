"""`convert`: one benchmark file to a .spacy DocBin."""
from pathlib import Path
from typing import TYPE_CHECKING, List, Optional

from ..tasks import FORMATS
from ._util import Arg, Opt, app, input_errors, msg

if TYPE_CHECKING:
    from ..corpora import ConversionSummary


@app.command("convert")
@input_errors
def convert_cli(
    # fmt: off
    file_format: str = Arg(..., metavar="FORMAT", help=f"Format of the input: {', '.join(FORMATS)}"),
    input_path: Path = Arg(..., help="Benchmark file to read (the published format or XTREME's; sts: an STS 2017 STS.input file needs its STS.gs file beside it or in the sibling STS2017.gs folder)", dir_okay=False),
    output_path: Path = Arg(..., help="The .spacy file to write", dir_okay=False),
    lang: Optional[str] = Opt(None, "--lang", "-l", help="Language of the docs; files that hold several languages keep only this one's rows"),
    limit: Optional[int] = Opt(None, "--limit", "-n", help="Stop after this many docs", min=1),
    ud_tokens: str = Opt("words", "--ud-tokens", help="ud, CoNLL-U only: words = syntactic words (del -> de el, the default), fused = XTREME's tokens, filter and cleaning (what `prepare pos` uses)"),
    # fmt: on
) -> None:
    """Convert a WikiANN, UD, XNLI/MultiNLI, PAWS-X or STS file to a .spacy DocBin.

    The format variant (original release or XTREME's preprocessing; for sts,
    stsb-multi-mt CSV, STS 2017 track or extended, or STS Benchmark) is recognised from
    the content. STS gold scores are kept in Doc._.sts_score. A malformed line stops
    the conversion with the file, line, what was found and what was expected; nothing
    is written then.
    """
    from ..corpora import convert_file

    summary = convert_file(file_format, input_path, output_path, lang=lang, limit=limit, ud_tokens=ud_tokens)
    print_summaries([summary])


def print_summaries(summaries: List["ConversionSummary"]) -> None:
    """One line per conversion, then a table of counts."""
    for summary in summaries:
        msg.good(str(summary))
    rows = [
        (s.output_path.name, s.variant, s.docs, s.tokens, s.skipped_rows, _language(s))
        for s in summaries
    ]
    msg.table(rows, header=("output", "read as", "docs", "tokens", "skipped", "lang"), divider=True)


def _language(summary: "ConversionSummary") -> str:
    if len(summary.languages) == 1:
        return next(iter(summary.languages))
    return f"{len(summary.languages)} languages" if summary.languages else "–"
