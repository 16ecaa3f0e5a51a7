"""Reading benchmark files: lines, blocks, fields, and errors that name the file and line."""
import re
import sys
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Iterable, Iterator, List, Optional, Sequence, Tuple

import spacy
from spacy.language import Language
from spacy.tokens import Doc

LANG_KEY = "lang"
# A test item's id where the file gives one (XNLI's pairID, PAWS-X's id): the same in every language.
ITEM_KEY = "item"

PROGRESS_MIN_LINES = 50_000

Line = Tuple[int, str]
# XTREME's preprocessing names its files {split}-{lang}.tsv (panx/test-de.tsv, ...).
_XTREME_FILE_NAME = re.compile(r"(?:train|dev|test)-([a-z]{2,3})\.tsv")


@dataclass
class ReadStats:
    """What a reader noticed besides the docs it yielded."""

    variant: str = ""
    skipped: Counter = field(default_factory=Counter)  # reason -> rows left out
    other_languages: Counter = field(default_factory=Counter)  # language -> rows left out by `lang`


def xtreme_file_lang(path: Path) -> Optional[str]:
    """The language that an XTREME file name such as `test-de.tsv` states, or None."""
    match = _XTREME_FILE_NAME.fullmatch(Path(path).name)
    return match.group(1) if match else None


def snippet(text: str, width: int = 60) -> str:
    """Quote a piece of input for an error message, shortened."""
    return repr(text if len(text) <= width else text[:width] + "...")


def input_error(path: Path, lineno: int, found: str, expected: str) -> ValueError:
    """Build the ValueError for bad input at one line."""
    return ValueError(f"{path}, line {lineno}: found {found}; expected {expected}")


def check_sentence_length(path: Path, lineno: int, words: Sequence[str], max_length: int) -> None:
    """ValueError naming the sentence's first line when its words exceed spaCy's nlp.max_length characters."""
    length = sum(len(word) for word in words)
    if length >= max_length:
        # spaCy accepts such a Doc built from words, then refuses its text later (E088), far from the file.
        raise input_error(path, lineno, f"a sentence of {length} characters",
                          f"sentences of fewer than {max_length} characters (spaCy's nlp.max_length)")


def _count_lines(path: Path) -> int:
    """Count the lines of a file quickly."""
    count = 0
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            count += chunk.count(b"\n")
    return count


def read_lines(path: Path, progress: bool = False) -> Iterator[Line]:
    """Yield (1-based line number, text) with the BOM and line endings removed."""
    bar = None
    if progress:
        total = _count_lines(path)
        if total > PROGRESS_MIN_LINES:
            from tqdm import tqdm

            bar = tqdm(total=total, unit="lines", desc=path.name, file=sys.stderr, leave=False)
    try:
        # Binary reading splits on "\n" only: text mode would also split on the
        # "\r", "\x1c" or "\u2028" that sometimes occur inside sentences.
        with path.open("rb") as f:
            for lineno, raw in enumerate(f, 1):
                if bar is not None:
                    bar.update()
                try:
                    text = raw.decode("utf-8")
                except UnicodeDecodeError as err:
                    found = f"bytes that are not UTF-8 ({err.reason} at byte {err.start + 1})"
                    raise input_error(path, lineno, found, "UTF-8 text") from None
                if lineno == 1 and text.startswith("\ufeff"):
                    text = text[1:]
                yield lineno, text.rstrip("\n").rstrip("\r")
    finally:
        if bar is not None:
            bar.close()


def sentence_blocks(lines: Iterable[Line]) -> Iterator[List[Line]]:
    """Group lines into blank-line separated blocks (sentences)."""
    block: List[Line] = []
    for lineno, text in lines:
        if text.strip():
            block.append((lineno, text))
        elif block:
            yield block
            block = []
    if block:
        yield block


def non_blank(lines: Iterable[Line]) -> Iterator[Line]:
    """Drop blank lines (row formats tolerate them, e.g. at the end of a file)."""
    return ((lineno, text) for lineno, text in lines if text.strip())


def split_fields(path: Path, lineno: int, text: str, count: int, expected: str) -> List[str]:
    """Split a tab-separated line that must have exactly `count` fields."""
    fields = text.split("\t")
    if len(fields) != count:
        found = f"{len(fields)} tab-separated field(s) in {snippet(text)}"
        raise input_error(path, lineno, found, f"{count} fields: {expected}")
    return fields


def unknown_label(path: Path, lineno: int, what: str, value: str, known: Iterable[str]) -> ValueError:
    """Build the ValueError for a label outside the known set."""
    return input_error(path, lineno, f"unknown {what} {value!r}", "one of " + ", ".join(known))


@lru_cache(maxsize=None)
def blank_nlp(lang: Optional[str] = None) -> Language:
    """Return a blank pipeline for `lang`, or the multi-language one if spaCy can't build it."""
    try:
        return spacy.blank(lang or "xx")
    except ImportError:
        # No spaCy language (sw) or a missing optional tokenizer package (ja, ko, th, vi).
        return spacy.blank("xx")


def token_spaces(count: int) -> List[bool]:
    """Spaces for tokens without spacing information: after every token but the last."""
    return [True] * (count - 1) + [False] if count else []


def set_lang(doc: Doc, lang: Optional[str]) -> Doc:
    """Record the doc's language in its user data when it is known."""
    if lang:
        doc.user_data[LANG_KEY] = lang
    return doc
