"""Universal Dependencies POS: CoNLL-U or XTREME's `token<TAB>UPOS`, one Doc per sentence."""
import re
from dataclasses import dataclass
from itertools import chain
from pathlib import Path
from typing import Dict, Iterator, List, Optional, Sequence, Set, Tuple

from spacy.tokens import Doc
from spacy.vocab import Vocab

from ..tasks import UPOS_TAGS
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
from .ud_fused import (
    EMPTY_FORM,
    NO_TEXT,
    UNRANKED,
    clean_form,
    heads_of,
    precedence_for,
    span_head,
    ud_file_lang,
    xtreme_keeps,
)

# How CoNLL-U is tokenized: syntactic words (`del` -> `de el`) or XTREME's fused forms.
UD_TOKENS = ("words", "fused")

_RANGE_ID = re.compile(r"([1-9][0-9]*)-([1-9][0-9]*)")

_EMPTY_NODE_ID = re.compile(r"[0-9]+\.[1-9][0-9]*")

_CONLLU_COLUMNS = "the 10 CoNLL-U columns ID FORM LEMMA UPOS XPOS FEATS HEAD DEPREL DEPS MISC"


@dataclass(frozen=True)
class _Word:
    """One syntactic word (integer ID) of a CoNLL-U sentence."""

    lineno: int
    cols: List[str]
    space: bool  # no SpaceAfter=No in MISC


@dataclass(frozen=True)
class _Range:
    """One multiword token line (`2-3 del`) of a CoNLL-U sentence."""

    lineno: int
    first: int
    last: int
    form: str
    space: bool


def _upos(path: Path, lineno: int, tag: str) -> str:
    """Check a UPOS tag; `_` (unannotated) becomes no tag."""
    if tag == "_":
        return ""
    if tag not in UPOS_TAGS:
        raise unknown_label(path, lineno, "UPOS tag", tag, UPOS_TAGS)
    return tag


def _parse_conllu(path: Path, block: List[Line]) -> Tuple[List[_Word], List[_Range]]:
    """Check and split the lines of a CoNLL-U sentence into words and multiword ranges."""
    words: List[_Word] = []
    ranges: List[_Range] = []
    for lineno, text in block:
        if text.startswith("#"):
            continue
        cols = split_fields(path, lineno, text, 10, _CONLLU_COLUMNS)
        token_id, space = cols[0], "SpaceAfter=No" not in cols[9].split("|")
        if _EMPTY_NODE_ID.fullmatch(token_id):
            continue  # empty nodes belong to enhanced graphs, not to the token sequence
        next_id = len(words) + 1
        range_match = _RANGE_ID.fullmatch(token_id)
        if range_match:
            first, last = int(range_match.group(1)), int(range_match.group(2))
            # Ranges start at the next word, after the previous range: they never overlap.
            if first != next_id or last <= first or (ranges and ranges[-1].last >= first):
                expected = f"a range {next_id}-N with N > {next_id}, after the previous multiword token"
                raise input_error(path, lineno, f"multiword token ID {token_id!r}", expected)
            ranges.append(_Range(lineno, first, last, cols[1], space))
            continue
        if token_id != str(next_id):
            expected = f"word ID {next_id}, a range {next_id}-N or an empty node"
            raise input_error(path, lineno, f"ID {token_id!r}", expected)
        _upos(path, lineno, cols[3])
        words.append(_Word(lineno, cols, space))
    for span in ranges:
        if span.last > len(words):
            expected = f"a range within the sentence's {len(words)} words"
            raise input_error(path, span.lineno, f"multiword token {span.first}-{span.last}", expected)
    return words, ranges


def _doc(vocab: Vocab, forms: List[str], spaces: List[bool], words: Sequence[_Word]) -> Doc:
    """A Doc of these forms, tagged with the UPOS and XPOS of the matching words."""
    tags = ["" if word.cols[4] == "_" else word.cols[4] for word in words]
    pos = ["" if word.cols[3] == "_" else word.cols[3] for word in words]
    spaces[-1] = False
    return Doc(vocab, words=forms, spaces=spaces, pos=pos, tags=tags)


def _words_doc(words: List[_Word], ranges: List[_Range], vocab: Vocab, path: Path) -> Doc:
    """A Doc of the syntactic words (a multiword token becomes its words), with their dependency tree."""
    spaces = [word.space for word in words]
    forms = [word.cols[1] for word in words]
    for span in ranges:
        # Words that spell the surface form (did + n't) stay joined; others (de + el) get a space.
        inside = "".join(forms[span.first - 1 : span.last]) != span.form
        for i in range(span.first - 1, span.last - 1):
            spaces[i] = inside
        spaces[span.last - 1] = spaces[span.last - 1] and span.space
    doc = _doc(vocab, forms, spaces, words)
    return _with_tree(doc, words, path)


def check_tree(path: Path, words: List[_Word]) -> None:
    """ValueError naming the file, line and word unless HEAD makes one tree: one root, no word its own head, no cycle.

    A tree that is not one would make spaCy's Token.subtree never return.
    """
    heads = [int(word.cols[6]) for word in words]  # 1-based, 0 = the root; checked to be in range
    roots = [i for i, head in enumerate(heads) if head == 0]
    first = words[0].lineno
    if len(roots) != 1:
        found = "no word with HEAD 0" if not roots else \
            f"{len(roots)} words with HEAD 0 (IDs {', '.join(words[i].cols[0] for i in roots)})"
        raise input_error(path, first, f"a sentence with {found}", "exactly one root (HEAD 0)")
    for i, word in enumerate(words):
        if heads[i] == i + 1:
            raise input_error(path, word.lineno, f"word {word.cols[0]} with HEAD {word.cols[6]}, itself",
                              "a head that is another word or 0")
    for i, word in enumerate(words):
        seen, node = set(), i + 1
        while node != 0:
            if node in seen:
                raise input_error(path, word.lineno, f"word {word.cols[0]} whose heads run in a cycle "
                                  f"({' -> '.join(str(n) for n in sorted(seen))})", "heads that lead to the root")
            seen.add(node)
            node = heads[node - 1]


def _with_tree(doc: Doc, words: List[_Word], path: Path) -> Doc:
    """The doc with the basic dependency tree (HEAD, DEPREL) of its words, if the sentence has one."""
    if any(word.cols[6] == "_" for word in words):
        return doc  # no tree annotated: the doc keeps no heads, as the parser would read none
    heads, deps = [], []
    for i, word in enumerate(words):
        head = word.cols[6]
        if not head.isdigit() or int(head) > len(words):
            raise input_error(path, word.lineno, f"HEAD {head!r}", f"a word ID in 0..{len(words)} (0 = the root)")
        # spaCy's root is its own head with the label ROOT, as spacy convert writes UD.
        heads.append(i if head == "0" else int(head) - 1)
        deps.append("ROOT" if head == "0" else word.cols[7])
    check_tree(path, words)
    return Doc(doc.vocab, words=[t.text for t in doc], spaces=[bool(t.whitespace_) for t in doc],
               pos=[t.pos_ for t in doc], tags=[t.tag_ for t in doc], heads=heads, deps=deps)


# One token of XTREME's: form, space after, and the word whose UPOS and XPOS it takes.
_Token = Tuple[str, bool, _Word]


def _fused_tokens(path: Path, words: List[_Word], ranges: List[_Range], lang: Optional[str]) -> Optional[List[_Token]]:
    """XTREME's tokens of a sentence, or None where XTREME cannot rank a span's heads."""
    parents: Dict[int, Set[int]] = {
        i: heads_of(path, word.lineno, word.cols[6], word.cols[8], len(words)) for i, word in enumerate(words, 1)
    }
    upos = {i: word.cols[3] for i, word in enumerate(words, 1)}
    precedence = precedence_for(lang)
    tokens = [(word.cols[1], word.space, word) for word in words]
    for span in reversed(ranges):  # from the right, so that earlier indices stay valid
        head = span_head(range(span.first, span.last + 1), parents, upos, precedence)
        if head is None:
            return None
        tokens[span.first - 1 : span.last] = [(span.form, span.space, words[head - 1])]
    return tokens


def _fused_doc(path: Path, block: List[Line], vocab: Vocab, lang: Optional[str], stats: ReadStats) -> Optional[Doc]:
    """Build one Doc of XTREME's tokens, or None (counted in stats) if XTREME leaves it out."""
    words, ranges = _parse_conllu(path, block)
    if not words:
        return None
    tokens = _fused_tokens(path, words, ranges, lang)
    if tokens is None:
        stats.skipped[UNRANKED] += 1
        return None
    # XTREME filters on the forms as converted, and cleans the kept sentences afterwards.
    if not xtreme_keeps([form for form, _, _ in tokens]):
        stats.skipped[NO_TEXT] += 1
        return None
    forms = [clean_form(form) for form, _, _ in tokens]
    if not all(forms):
        stats.skipped[EMPTY_FORM] += 1  # spaCy has no empty tokens
        return None
    # XTREME's files hold words, not text: its tokenizer sees them one by one. One space
    # between every two keeps Japanese or Thai words (SpaceAfter=No throughout) apart, so
    # that no wordpiece crosses a word and no run of words becomes one [UNK].
    return _doc(vocab, forms, [True] * len(tokens), [word for _, _, word in tokens])


def _conllu_doc(path: Path, block: List[Line], vocab: Vocab) -> Optional[Doc]:
    """Build one POS Doc of syntactic words from a CoNLL-U sentence (None if it has no words)."""
    words, ranges = _parse_conllu(path, block)
    check_sentence_length(path, block[0][0], [word.cols[1] for word in words], blank_nlp().max_length)
    return _words_doc(words, ranges, vocab, path) if words else None


def _udpos_xtreme_doc(path: Path, block: List[Line], vocab: Vocab) -> Doc:
    """Build one POS Doc from the lines of an XTREME `token<TAB>UPOS` sentence."""
    words, pos = [], []
    for lineno, text in block:
        token, tag = split_fields(path, lineno, text, 2, "token<TAB>UPOS")
        words.append(token)
        pos.append(_upos(path, lineno, tag))
    check_sentence_length(path, block[0][0], words, blank_nlp().max_length)
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


def check_ud_tokens(tokens: str) -> None:
    """Raise ValueError unless `tokens` names a CoNLL-U tokenization."""
    if tokens not in UD_TOKENS:
        raise ValueError(f"unknown UD tokens {tokens!r}; expected one of {', '.join(UD_TOKENS)}")


def read_ud(
    path: Path,
    lang: Optional[str] = None,
    *,
    tokens: str = "words",
    stats: Optional[ReadStats] = None,
    progress: bool = False,
) -> Iterator[Doc]:
    """Read UD POS data (CoNLL-U or XTREME `token<TAB>UPOS`), one Doc per sentence.

    tokens: for CoNLL-U, "words" (syntactic words) or "fused" (XTREME's tokens, filter and
    cleaning; the precedence list is `lang`'s, else the file name's). XTREME token files
    are read as they are either way.
    """
    check_ud_tokens(tokens)
    path = Path(path)
    stats = stats if stats is not None else ReadStats()
    vocab = blank_nlp(lang).vocab
    blocks = sentence_blocks(read_lines(path, progress))
    first = next(blocks, None)
    if first is None:
        return
    conllu, fused = _is_conllu(path, first), tokens == "fused"
    stats.variant = ("CoNLL-U, XTREME fused forms" if fused else "CoNLL-U") if conllu else "XTREME token<TAB>UPOS"
    precedence_lang = lang or ud_file_lang(path)
    for block in chain([first], blocks):
        if not conllu:
            doc = _udpos_xtreme_doc(path, block, vocab)
        elif fused:
            doc = _fused_doc(path, block, vocab, precedence_lang, stats)
        else:
            doc = _conllu_doc(path, block, vocab)
        if doc is not None:
            yield set_lang(doc, lang)
