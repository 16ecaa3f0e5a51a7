"""What the sentence-pair readers share: rows of (line, language, text, text, label) to pair Docs."""
from pathlib import Path
from typing import Callable, Iterable, Iterator, Optional, Sequence, Tuple

from spacy.tokens import Doc

from ..pairs import pair_doc
from .lines import (
    ITEM_KEY,
    Line,
    ReadStats,
    blank_nlp,
    input_error,
    non_blank,
    read_lines,
    set_lang,
    split_fields,
)

# line, language, premise, hypothesis, label, item id (the file's pairID / id, None without one)
PairRow = Tuple[int, Optional[str], str, str, str, Optional[str]]


def three_column_rows(path: Path, lines: Iterable[Line], expected: str) -> Iterator[PairRow]:
    """Rows of a headerless `text<TAB>text<TAB>label` tsv (XTREME, XNLI-MT training data)."""
    for lineno, text in lines:
        first, second, label = split_fields(path, lineno, text, 3, expected)
        yield lineno, None, first, second, label, None


def pair_docs(
    path: Path,
    rows: Iterable[PairRow],
    lang: Optional[str],
    stats: ReadStats,
    label_of: Callable[[Path, int, str], Optional[str]],
    labels: Sequence[str],
) -> Iterator[Doc]:
    """Turn pair rows into pair Docs with exclusive cats, filtering by language."""
    # The training pipelines' tokenizer (xx) for every language: a language's own tokenizer
    # would make the docs depend on which optional packages are installed.
    nlp = blank_nlp(None)
    for lineno, row_lang, first, second, raw_label, item in rows:
        if lang and row_lang and row_lang != lang:
            stats.other_languages[row_lang] += 1
            continue
        label = label_of(path, lineno, raw_label.strip())
        if label is None:
            stats.skipped["without gold label"] += 1
            continue
        if len(first) + len(second) >= nlp.max_length:
            # spaCy would refuse it (E088) without naming the file or line.
            raise input_error(path, lineno, f"a pair of {len(first) + len(second)} characters",
                              f"sentences of fewer than {nlp.max_length} characters (spaCy's nlp.max_length)")
        doc = pair_doc(nlp, first, second)
        doc.cats = {name: float(name == label) for name in labels}
        if item is not None:
            # The same item in every language of a translated test set: the bootstrap pairs on it.
            doc.user_data[ITEM_KEY] = item
        yield set_lang(doc, row_lang or lang)


def first_line(path: Path, progress: bool) -> Tuple[Iterator[Line], Optional[Line]]:
    """The non-blank lines of a pair file, and the first of them (None for an empty file)."""
    lines = non_blank(read_lines(path, progress))
    return lines, next(lines, None)
