"""Universal Dependencies POS: CoNLL-U or XTREME's `token<TAB>UPOS`, one Doc per sentence."""
import re
from itertools import chain
from pathlib import Path
from typing import Iterator, List, Optional, Tuple

from spacy.tokens import Doc
from spacy.vocab import Vocab

from ..tasks import UPOS_TAGS
from .lines import (
    Line,
    ReadStats,
    blank_nlp,
    input_error,
    read_lines,
    sentence_blocks,
    set_lang,
    snippet,
    split_fields,
    token_spaces,
    unknown_label,
)

_RANGE_ID = re.compile(r"([1-9][0-9]*)-([1-9][0-9]*)")

_EMPTY_NODE_ID = re.compile(r"[0-9]+\.[1-9][0-9]*")

_CONLLU_COLUMNS = "the 10 CoNLL-U columns ID FORM LEMMA UPOS XPOS FEATS HEAD DEPREL DEPS MISC"


def _upos(path: Path, lineno: int, tag: str) -> str:
    """Check a UPOS tag; `_` (unannotated) becomes no tag."""
    if tag == "_":
        return ""
    if tag not in UPOS_TAGS:
        raise unknown_label(path, lineno, "UPOS tag", tag, UPOS_TAGS)
    return tag


def _conllu_doc(path: Path, block: List[Line], vocab: Vocab) -> Optional[Doc]:
    """Build one POS Doc from the lines of a CoNLL-U sentence (None if it has no words)."""
    words: List[str] = []
    spaces: List[bool] = []
    pos: List[str] = []
    tags: List[str] = []
    ranges: List[Tuple[int, int, int, str, bool]] = []  # line, first id, last id, form, space after
    for lineno, text in block:
        if text.startswith("#"):
            continue
        cols = split_fields(path, lineno, text, 10, _CONLLU_COLUMNS)
        token_id, form, misc = cols[0], cols[1], cols[9].split("|")
        if _EMPTY_NODE_ID.fullmatch(token_id):
            continue  # empty nodes belong to enhanced graphs, not to the token sequence
        next_id = len(words) + 1
        range_match = _RANGE_ID.fullmatch(token_id)
        if range_match:
            first, last = int(range_match.group(1)), int(range_match.group(2))
            if first != next_id or last <= first:
                expected = f"a range {next_id}-N with N > {next_id}"
                raise input_error(path, lineno, f"multiword token ID {token_id!r}", expected)
            ranges.append((lineno, first, last, form, "SpaceAfter=No" not in misc))
            continue
        if token_id != str(next_id):
            expected = f"word ID {next_id}, a range {next_id}-N or an empty node"
            raise input_error(path, lineno, f"ID {token_id!r}", expected)
        words.append(form)
        spaces.append("SpaceAfter=No" not in misc)
        pos.append(_upos(path, lineno, cols[3]))
        tags.append("" if cols[4] == "_" else cols[4])
    if not words:
        return None
    for lineno, first, last, form, space_after in ranges:
        if last > len(words):
            expected = f"a range within the sentence's {len(words)} words"
            raise input_error(path, lineno, f"multiword token {first}-{last}", expected)
        # Words that spell the surface form (did + n't) stay joined; others (de + el) get a space.
        inside = "".join(words[first - 1 : last]) != form
        for i in range(first - 1, last - 1):
            spaces[i] = inside
        spaces[last - 1] = spaces[last - 1] and space_after
    spaces[-1] = False
    return Doc(vocab, words=words, spaces=spaces, pos=pos, tags=tags)


def _udpos_xtreme_doc(path: Path, block: List[Line], vocab: Vocab) -> Doc:
    """Build one POS Doc from the lines of an XTREME `token<TAB>UPOS` sentence."""
    words, pos = [], []
    for lineno, text in block:
        token, tag = split_fields(path, lineno, text, 2, "token<TAB>UPOS")
        words.append(token)
        pos.append(_upos(path, lineno, tag))
    return Doc(vocab, words=words, spaces=token_spaces(len(words)), pos=pos)


def _is_conllu(path: Path, block: List[Line]) -> bool:
    """Tell CoNLL-U (10 columns) from XTREME's `token<TAB>UPOS` by the first token line."""
    for lineno, text in block:
        count = len(text.split("\t"))
        if text.startswith("#") and count != 2:
            continue  # a CoNLL-U comment; "#<TAB>SYM" would be an XTREME token
        if count in (2, 10):
            return count == 10
        found = f"{count} tab-separated field(s) in {snippet(text)}"
        raise input_error(path, lineno, found, "10 CoNLL-U columns or 2 XTREME fields token<TAB>UPOS")
    return True


def read_ud(
    path: Path, lang: Optional[str] = None, *, stats: Optional[ReadStats] = None, progress: bool = False
) -> Iterator[Doc]:
    """Read UD POS data (CoNLL-U or XTREME `token<TAB>UPOS`), one Doc per sentence."""
    path = Path(path)
    stats = stats if stats is not None else ReadStats()
    vocab = blank_nlp(lang).vocab
    blocks = sentence_blocks(read_lines(path, progress))
    first = next(blocks, None)
    if first is None:
        return
    conllu = _is_conllu(path, first)
    stats.variant = "CoNLL-U" if conllu else "XTREME token<TAB>UPOS"
    for block in chain([first], blocks):
        doc = _conllu_doc(path, block, vocab) if conllu else _udpos_xtreme_doc(path, block, vocab)
        if doc is not None:
            yield set_lang(doc, lang)
