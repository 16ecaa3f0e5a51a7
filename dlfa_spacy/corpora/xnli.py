"""NLI pairs: XNLI 1.0 / MultiNLI (tsv with header or JSON lines), XNLI-MT, GLUE and XTREME tsv."""
import json
from itertools import chain
from pathlib import Path
from typing import Iterable, Iterator, Optional

from spacy.tokens import Doc

from ..tasks import XNLI_LABELS
from .lines import Line, ReadStats, input_error, snippet, unknown_label
from .pair_rows import PairRow, first_line, pair_docs, three_column_rows

# XNLI-MT's machine-translated training files spell one label differently.
_NLI_ALIASES = {"contradictory": "contradiction"}

_NO_GOLD_LABEL = "-"


def _nli_header_rows(path: Path, header: Line, lines: Iterable[Line]) -> Iterator[PairRow]:
    """Rows of a tsv with a header naming gold_label, sentence1, sentence2 (XNLI 1.0, MultiNLI txt, GLUE)."""
    names = header[1].split("\t")
    col = {name: i for i, name in enumerate(names)}
    lang_col = col.get("language")
    # MultiNLI's train.txt leaves out the empty label2..label5 at the end of some
    # rows, so trailing columns may be missing but the ones read here may not.
    used = ("sentence1", "sentence2", "gold_label", "language")
    needed = 1 + max(col[name] for name in used if name in col)
    for lineno, text in lines:
        fields = text.split("\t")
        if not needed <= len(fields) <= len(names):
            found = f"{len(fields)} tab-separated field(s) in {snippet(text)}"
            count = f"{needed} to {len(names)}" if needed < len(names) else str(needed)
            raise input_error(path, lineno, found, f"{count} fields as named by the header on line {header[0]}")
        lang = fields[lang_col] if lang_col is not None else None
        item = fields[col["pairID"]] if "pairID" in col and col["pairID"] < len(fields) else None
        yield lineno, lang, fields[col["sentence1"]], fields[col["sentence2"]], fields[col["gold_label"]], item


def _nli_jsonl_rows(path: Path, lines: Iterable[Line]) -> Iterator[PairRow]:
    """Rows of a JSON-lines file with gold_label, sentence1, sentence2 (XNLI 1.0 and MultiNLI jsonl)."""
    expected = "a JSON object with string fields gold_label, sentence1, sentence2"
    for lineno, text in lines:
        try:
            row = json.loads(text)
        except json.JSONDecodeError as err:
            raise input_error(path, lineno, f"invalid JSON ({err.msg}) in {snippet(text)}", expected) from None
        if not isinstance(row, dict) or not all(
            isinstance(row.get(key), str) for key in ("gold_label", "sentence1", "sentence2")
        ):
            raise input_error(path, lineno, snippet(text), expected)
        item = row.get("pairID")
        yield (lineno, row.get("language"), row["sentence1"], row["sentence2"], row["gold_label"],
               None if item is None else str(item))


def _nli_label(path: Path, lineno: int, raw: str) -> Optional[str]:
    """Map an NLI gold label to one of XNLI_LABELS, or None for `-` (no gold label)."""
    if raw == _NO_GOLD_LABEL:
        return None
    label = _NLI_ALIASES.get(raw, raw)
    if label not in XNLI_LABELS:
        raise unknown_label(path, lineno, "NLI label", raw, XNLI_LABELS + (_NO_GOLD_LABEL,))
    return label


def read_xnli(
    path: Path, lang: Optional[str] = None, *, stats: Optional[ReadStats] = None, progress: bool = False
) -> Iterator[Doc]:
    """Read NLI pairs (XNLI/MultiNLI tsv or jsonl, XNLI-MT, GLUE, XTREME) as Docs with XNLI_LABELS cats."""
    path, stats = Path(path), stats if stats is not None else ReadStats()
    lines, first = first_line(path, progress)
    if first is None:
        return
    names = first[1].split("\t")
    if first[1].lstrip().startswith("{"):
        stats.variant = "JSON lines (XNLI 1.0 / MultiNLI)"
        rows = _nli_jsonl_rows(path, chain([first], lines))
    elif {"gold_label", "sentence1", "sentence2"} <= set(names):
        stats.variant = "tsv with header (XNLI 1.0 / MultiNLI / GLUE)"
        rows = _nli_header_rows(path, first, lines)
    elif names == ["premise", "hypo", "label"]:
        stats.variant = "XNLI-MT training tsv"
        rows = three_column_rows(path, lines, "premise<TAB>hypo<TAB>label")
    elif len(names) == 3:
        stats.variant = "XTREME premise<TAB>hypothesis<TAB>label"
        rows = three_column_rows(path, chain([first], lines), "premise<TAB>hypothesis<TAB>label")
    else:
        raise input_error(
            path,
            first[0],
            snippet(first[1]),
            "a tsv header with gold_label, sentence1, sentence2; a JSON object; "
            "the header premise<TAB>hypo<TAB>label; or premise<TAB>hypothesis<TAB>label",
        )
    yield from pair_docs(path, rows, lang, stats, _nli_label, XNLI_LABELS)
