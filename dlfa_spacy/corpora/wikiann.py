"""WikiANN / PAN-X NER: `lang:token<TAB>tag` (Rahimi et al. splits) or XTREME's `token<TAB>tag`, one Doc per sentence."""
import re
from itertools import chain
from pathlib import Path
from typing import Iterator, List, Optional, Sequence, Tuple

from spacy.tokens import Doc, Span

from ..tasks import WIKIANN_LABELS
from .lines import (
    Line,
    ReadStats,
    blank_nlp,
    check_sentence_length,
    input_error,
    read_lines,
    sentence_blocks,
    set_lang,
    snippet,
    split_fields,
    token_spaces,
    unknown_label,
)

# WikiANN language codes include forms such as `simple`, `zh-yue` and `be-x-old`.
_LANG_PREFIX = re.compile(r"([a-z]{2,}(?:-[a-z0-9]+)*):(.+)", re.DOTALL)


def _bio_tag(path: Path, lineno: int, tag: str) -> Tuple[str, str]:
    """Split a BIO tag into (B/I/O, entity label), rejecting unknown tags."""
    prefix, _, label = tag.partition("-")
    if tag == "O" or (prefix in ("B", "I") and label in WIKIANN_LABELS):
        return prefix, label
    known = ["O"] + [f"{p}-{label}" for label in WIKIANN_LABELS for p in "BI"]
    raise unknown_label(path, lineno, "NER tag", tag, known)


def bio_spans(tags: Sequence[Tuple[str, str]]) -> List[Tuple[str, int, int]]:
    """Return (label, start, end) entities of (B/I/O, label) tags; an orphan I-X starts an entity."""
    spans: List[Tuple[str, int, int]] = []
    for i, (prefix, label) in enumerate(tags):
        if prefix == "O":
            continue
        if prefix == "I" and spans and spans[-1][2] == i and spans[-1][0] == label:
            spans[-1] = (label, spans[-1][1], i + 1)
        else:
            spans.append((label, i, i + 1))
    return spans


def _has_lang_prefixes(block: List[Line]) -> bool:
    """Tell whether every token of a sentence carries the same `lang:` prefix (original WikiANN)."""
    langs = set()
    for _, text in block:
        match = _LANG_PREFIX.fullmatch(text.split("\t")[0])
        if not match:
            return False
        langs.add(match.group(1))
    return len(langs) == 1


def _wikiann_doc(path: Path, block: List[Line], original: bool, lang: Optional[str]) -> Doc:
    """Build one NER Doc from the lines of a WikiANN sentence."""
    words, tags = [], []
    expected = "lang:token<TAB>BIO tag" if original else "token<TAB>BIO tag"
    for lineno, text in block:
        token, tag = split_fields(path, lineno, text, 2, expected)
        if original:
            match = _LANG_PREFIX.fullmatch(token)
            if not match or match.group(1) != lang:
                raise input_error(path, lineno, f"token {snippet(token)}", f"the prefix '{lang}:' ({expected})")
            token = match.group(2)
        if not token:
            raise input_error(path, lineno, f"an empty token in {snippet(text)}", expected)
        words.append(token)
        tags.append(_bio_tag(path, lineno, tag))
    nlp = blank_nlp(lang)
    check_sentence_length(path, block[0][0], words, nlp.max_length)
    doc = Doc(nlp.vocab, words=words, spaces=token_spaces(len(words)))
    doc.ents = [Span(doc, start, end, label=label) for label, start, end in bio_spans(tags)]
    return set_lang(doc, lang)


def read_wikiann(
    path: Path, lang: Optional[str] = None, *, stats: Optional[ReadStats] = None, progress: bool = False
) -> Iterator[Doc]:
    """Read WikiANN/PAN-X NER (`lang:token<TAB>tag` or XTREME `token<TAB>tag`), one Doc per sentence."""
    path = Path(path)
    stats = stats if stats is not None else ReadStats()
    blocks = sentence_blocks(read_lines(path, progress))
    first = next(blocks, None)
    if first is None:
        return
    original = _has_lang_prefixes(first)
    if original:
        stats.variant = "original WikiANN lang:token<TAB>tag"
        file_lang = _LANG_PREFIX.fullmatch(first[0][1].split("\t")[0]).group(1)
        if lang and lang != file_lang:
            # Original WikiANN files hold one language each, so a mismatch is a mistake.
            raise input_error(path, first[0][0], f"language prefix '{file_lang}:'", f"'{lang}:' as given by lang")
        lang = file_lang
    else:
        stats.variant = "XTREME token<TAB>tag"
    for block in chain([first], blocks):
        yield _wikiann_doc(path, block, original, lang)
