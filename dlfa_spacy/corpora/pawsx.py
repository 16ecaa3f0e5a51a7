"""PAWS-X paraphrase pairs: the original `id sentence1 sentence2 label` tsv or XTREME's three columns."""
from itertools import chain
from pathlib import Path
from typing import Iterable, Iterator, Optional

from spacy.tokens import Doc

from ..tasks import PAWSX_LABELS
from .lines import Line, ReadStats, input_error, snippet, split_fields, unknown_label
from .pair_rows import PairRow, first_line, pair_docs, three_column_rows

_PAWSX_CODES = {"1": "paraphrase", "0": "not_paraphrase"}


def _pawsx_original_rows(path: Path, lines: Iterable[Line]) -> Iterator[PairRow]:
    """Rows of an original PAWS-X tsv after its `id sentence1 sentence2 label` header."""
    for lineno, text in lines:
        item, first, second, label = split_fields(path, lineno, text, 4, "id<TAB>sentence1<TAB>sentence2<TAB>label")
        yield lineno, None, first, second, label, item


def _pawsx_label(path: Path, lineno: int, raw: str) -> str:
    """Map a PAWS-X label (1/0) to one of PAWSX_LABELS."""
    if raw not in _PAWSX_CODES:
        known = [f"{code} ({name})" for code, name in sorted(_PAWSX_CODES.items())]
        raise unknown_label(path, lineno, "PAWS-X label", raw, known)
    return _PAWSX_CODES[raw]


def read_pawsx(
    path: Path, lang: Optional[str] = None, *, stats: Optional[ReadStats] = None, progress: bool = False
) -> Iterator[Doc]:
    """Read PAWS-X pairs (original with `id` column and header, or XTREME) as Docs with PAWSX_LABELS cats."""
    path, stats = Path(path), stats if stats is not None else ReadStats()
    lines, first = first_line(path, progress)
    if first is None:
        return
    names = first[1].split("\t")
    if names == ["id", "sentence1", "sentence2", "label"]:
        stats.variant = "original PAWS-X id<TAB>sentence1<TAB>sentence2<TAB>label"
        rows = _pawsx_original_rows(path, lines)
    elif len(names) == 3:
        stats.variant = "XTREME sentence1<TAB>sentence2<TAB>label"
        # Tolerate a header line, which some copies of the XTREME files keep.
        body = lines if names == ["sentence1", "sentence2", "label"] else chain([first], lines)
        rows = three_column_rows(path, body, "sentence1<TAB>sentence2<TAB>label")
    else:
        raise input_error(
            path,
            first[0],
            snippet(first[1]),
            "the header id<TAB>sentence1<TAB>sentence2<TAB>label or sentence1<TAB>sentence2<TAB>label",
        )
    yield from pair_docs(path, rows, lang, stats, _pawsx_label, PAWSX_LABELS)
