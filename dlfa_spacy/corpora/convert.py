"""Convert the published benchmark files (WikiANN/PAN-X, UD, XNLI/MultiNLI, PAWS-X) to spaCy DocBins.

Every format is read in its original published form and in the form XTREME's
preprocessing scripts write; the variant is recognised from the file's content,
not its name. Choices that a reader of the output needs to know:

* Language: `doc.user_data["lang"]` (LANG_KEY) holds the language of each doc whenever
  it is known: the `language` column/field of original XNLI files, WikiANN's `lang:`
  token prefix, or else the `lang` argument; DocBins store that user data (and none
  when no doc has a language). With `lang`, files that hold several languages keep
  only that language's rows; an original WikiANN file of another language is an
  error. XNLI-MT's translate-test files (`xnli.dev.en.tsv`) keep the *source*
  language in that column, so their docs are English text recorded under it.
* Tokenizer: sentence pairs are tokenized by `spacy.blank(lang or "xx")`; when spaCy
  cannot build that language (no `sw` language; `ja`, `ko`, `th`, `vi` need optional
  packages) the multi-language tokenizer is used and a warning says so.
* NER: WikiANN BIO tags become `doc.ents`. An `I-X` that does not continue an `X`
  entity (sentence start, after `O`, or after another type) starts a new entity,
  which is how seqeval reads such tags by default.
* UD: tokens are the syntactic words (integer IDs), as XTREME and CoNLL UPOS scoring
  use them. A multiword token (`2-3 del`) is not a token; its words are, separated by
  a space unless they spell the surface form (`did`+`n't` = `didn't`), and
  `SpaceAfter=No` on the range line applies to its last word. Empty nodes (`8.1`) are
  skipped. The last token of a sentence never gets a trailing space. `pos_` is the
  UPOS, `tag_` the XPOS where the file gives one.
* XTREME token files carry no spacing, so their tokens are joined by single spaces.
* Classification: `doc.cats` holds mutually exclusive labels, exactly one 1.0:
  XNLI_LABELS for NLI (XNLI-MT's `contradictory` is read as `contradiction`) and
  PAWSX_LABELS for PAWS-X (label 1 = `paraphrase`, 0 = `not_paraphrase`). NLI rows
  whose gold label is `-` (no annotator majority) are skipped and counted.
* Bad input raises ValueError naming the file, the 1-based line, what was found and
  what was expected; nothing is written then, and an existing output is kept.
"""
import json
import os
import re
import sys
import uuid
import warnings
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import chain, islice
from pathlib import Path
from typing import Callable, Dict, Iterable, Iterator, List, Optional, Sequence, Tuple, Union

import spacy
import srsly
from spacy.language import Language
from spacy.tokens import Doc, DocBin, Span
from spacy.training import Example
from spacy.util import registry
from spacy.vocab import Vocab

from .pairs import pair_doc

WIKIANN_LABELS = ("LOC", "ORG", "PER")
UPOS_TAGS = (
    "ADJ", "ADP", "ADV", "AUX", "CCONJ", "DET", "INTJ", "NOUN", "NUM",
    "PART", "PRON", "PROPN", "PUNCT", "SCONJ", "SYM", "VERB", "X",
)
XNLI_LABELS = ("entailment", "neutral", "contradiction")
PAWSX_LABELS = ("paraphrase", "not_paraphrase")
FORMATS = ("wikiann", "ud", "xnli", "pawsx")
LANG_KEY = "lang"
PROGRESS_MIN_LINES = 50_000

# XNLI-MT's machine-translated training files spell one label differently.
_NLI_ALIASES = {"contradictory": "contradiction"}
_NO_GOLD_LABEL = "-"
_PAWSX_CODES = {"1": "paraphrase", "0": "not_paraphrase"}
# WikiANN language codes include forms such as `simple`, `zh-yue` and `be-x-old`.
_LANG_PREFIX = re.compile(r"([a-z]{2,}(?:-[a-z0-9]+)*):(.+)", re.DOTALL)
_RANGE_ID = re.compile(r"([1-9][0-9]*)-([1-9][0-9]*)")
_EMPTY_NODE_ID = re.compile(r"[0-9]+\.[1-9][0-9]*")
_CONLLU_COLUMNS = "the 10 CoNLL-U columns ID FORM LEMMA UPOS XPOS FEATS HEAD DEPREL DEPS MISC"

Line = Tuple[int, str]
PairRow = Tuple[int, Optional[str], str, str, str]  # line, language, premise, hypothesis, label


@dataclass
class ReadStats:
    """What a reader noticed besides the docs it yielded."""

    variant: str = ""
    skipped: Counter = field(default_factory=Counter)  # reason -> rows left out
    other_languages: Counter = field(default_factory=Counter)  # language -> rows left out by `lang`


@dataclass
class ConversionSummary:
    """Counts of one conversion; `str()` gives a one-line report."""

    format: str
    variant: str
    input_paths: List[Path]
    output_path: Path
    docs: int = 0
    tokens: int = 0
    label_kind: str = "labels"
    labels: Counter = field(default_factory=Counter)
    languages: Counter = field(default_factory=Counter)
    skipped: Counter = field(default_factory=Counter)
    other_languages: Counter = field(default_factory=Counter)

    @property
    def skipped_rows(self) -> int:
        """Total rows left out because they carry no usable annotation."""
        return sum(self.skipped.values())

    def __str__(self) -> str:
        labels = " ".join(f"{label}={n}" for label, n in sorted(self.labels.items())) or "none"
        reasons = ", ".join(f"{n} {reason}" for reason, n in sorted(self.skipped.items()))
        text = (
            f"{'+'.join(p.name for p in self.input_paths)} -> {self.output_path} [{self.format}, {self.variant}]: "
            f"{self.docs} docs, {self.tokens} tokens, {self.label_kind}: {labels}; "
            f"skipped rows: {self.skipped_rows}" + (f" ({reasons})" if reasons else "")
        )
        if self.other_languages:
            text += f"; rows of other languages left out: {sum(self.other_languages.values())}"
        if len(self.languages) == 1:
            text += f"; lang {next(iter(self.languages))}"
        elif self.languages:
            text += f"; {len(self.languages)} languages"
        return text


# ---------------------------------------------------------------- input helpers


def _snippet(text: str, width: int = 60) -> str:
    """Quote a piece of input for an error message, shortened."""
    return repr(text if len(text) <= width else text[:width] + "...")


def _error(path: Path, lineno: int, found: str, expected: str) -> ValueError:
    """Build the ValueError for bad input at one line."""
    return ValueError(f"{path}, line {lineno}: found {found}; expected {expected}")


def _count_lines(path: Path) -> int:
    """Count the lines of a file quickly."""
    count = 0
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            count += chunk.count(b"\n")
    return count


def _lines(path: Path, progress: bool = False) -> Iterator[Line]:
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
                    raise _error(path, lineno, found, "UTF-8 text") from None
                if lineno == 1 and text.startswith("\ufeff"):
                    text = text[1:]
                yield lineno, text.rstrip("\n").rstrip("\r")
    finally:
        if bar is not None:
            bar.close()


def _blocks(lines: Iterable[Line]) -> Iterator[List[Line]]:
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


def _non_blank(lines: Iterable[Line]) -> Iterator[Line]:
    """Drop blank lines (row formats tolerate them, e.g. at the end of a file)."""
    return ((lineno, text) for lineno, text in lines if text.strip())


def _fields(path: Path, lineno: int, text: str, count: int, expected: str) -> List[str]:
    """Split a tab-separated line that must have exactly `count` fields."""
    fields = text.split("\t")
    if len(fields) != count:
        found = f"{len(fields)} tab-separated field(s) in {_snippet(text)}"
        raise _error(path, lineno, found, f"{count} fields: {expected}")
    return fields


def _unknown_label(path: Path, lineno: int, what: str, value: str, known: Iterable[str]) -> ValueError:
    """Build the ValueError for a label outside the known set."""
    return _error(path, lineno, f"unknown {what} {value!r}", "one of " + ", ".join(known))


@lru_cache(maxsize=None)
def blank_nlp(lang: Optional[str] = None) -> Language:
    """Return a blank pipeline for `lang`, or the multi-language one if spaCy can't build it."""
    try:
        return spacy.blank(lang or "xx")
    except ImportError:
        # No spaCy language (sw) or a missing optional tokenizer package (ja, ko, th, vi).
        return spacy.blank("xx")


def _token_spaces(count: int) -> List[bool]:
    """Spaces for tokens without spacing information: after every token but the last."""
    return [True] * (count - 1) + [False] if count else []


def _set_lang(doc: Doc, lang: Optional[str]) -> Doc:
    """Record the doc's language in its user data when it is known."""
    if lang:
        doc.user_data[LANG_KEY] = lang
    return doc


# ---------------------------------------------------------------- WikiANN / PAN-X


def _bio_tag(path: Path, lineno: int, tag: str) -> Tuple[str, str]:
    """Split a BIO tag into (B/I/O, entity label), rejecting unknown tags."""
    prefix, _, label = tag.partition("-")
    if tag == "O" or (prefix in ("B", "I") and label in WIKIANN_LABELS):
        return prefix, label
    known = ["O"] + [f"{p}-{label}" for label in WIKIANN_LABELS for p in "BI"]
    raise _unknown_label(path, lineno, "NER tag", tag, known)


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
        token, tag = _fields(path, lineno, text, 2, expected)
        if original:
            match = _LANG_PREFIX.fullmatch(token)
            if not match or match.group(1) != lang:
                raise _error(path, lineno, f"token {_snippet(token)}", f"the prefix '{lang}:' ({expected})")
            token = match.group(2)
        if not token:
            raise _error(path, lineno, f"an empty token in {_snippet(text)}", expected)
        words.append(token)
        tags.append(_bio_tag(path, lineno, tag))
    doc = Doc(blank_nlp(lang).vocab, words=words, spaces=_token_spaces(len(words)))
    doc.ents = [Span(doc, start, end, label=label) for label, start, end in bio_spans(tags)]
    return _set_lang(doc, lang)


def read_wikiann(
    path: Path, lang: Optional[str] = None, *, stats: Optional[ReadStats] = None, progress: bool = False
) -> Iterator[Doc]:
    """Read WikiANN/PAN-X NER (`lang:token<TAB>tag` or XTREME `token<TAB>tag`), one Doc per sentence."""
    path = Path(path)
    stats = stats if stats is not None else ReadStats()
    blocks = _blocks(_lines(path, progress))
    first = next(blocks, None)
    if first is None:
        return
    original = _has_lang_prefixes(first)
    if original:
        stats.variant = "original WikiANN lang:token<TAB>tag"
        file_lang = _LANG_PREFIX.fullmatch(first[0][1].split("\t")[0]).group(1)
        if lang and lang != file_lang:
            # Original WikiANN files hold one language each, so a mismatch is a mistake.
            raise _error(path, first[0][0], f"language prefix '{file_lang}:'", f"'{lang}:' as given by lang")
        lang = file_lang
    else:
        stats.variant = "XTREME token<TAB>tag"
    for block in chain([first], blocks):
        yield _wikiann_doc(path, block, original, lang)


# ---------------------------------------------------------------- Universal Dependencies


def _upos(path: Path, lineno: int, tag: str) -> str:
    """Check a UPOS tag; `_` (unannotated) becomes no tag."""
    if tag == "_":
        return ""
    if tag not in UPOS_TAGS:
        raise _unknown_label(path, lineno, "UPOS tag", tag, UPOS_TAGS)
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
        cols = _fields(path, lineno, text, 10, _CONLLU_COLUMNS)
        token_id, form, misc = cols[0], cols[1], cols[9].split("|")
        if _EMPTY_NODE_ID.fullmatch(token_id):
            continue  # empty nodes belong to enhanced graphs, not to the token sequence
        next_id = len(words) + 1
        range_match = _RANGE_ID.fullmatch(token_id)
        if range_match:
            first, last = int(range_match.group(1)), int(range_match.group(2))
            if first != next_id or last <= first:
                expected = f"a range {next_id}-N with N > {next_id}"
                raise _error(path, lineno, f"multiword token ID {token_id!r}", expected)
            ranges.append((lineno, first, last, form, "SpaceAfter=No" not in misc))
            continue
        if token_id != str(next_id):
            expected = f"word ID {next_id}, a range {next_id}-N or an empty node"
            raise _error(path, lineno, f"ID {token_id!r}", expected)
        words.append(form)
        spaces.append("SpaceAfter=No" not in misc)
        pos.append(_upos(path, lineno, cols[3]))
        tags.append("" if cols[4] == "_" else cols[4])
    if not words:
        return None
    for lineno, first, last, form, space_after in ranges:
        if last > len(words):
            expected = f"a range within the sentence's {len(words)} words"
            raise _error(path, lineno, f"multiword token {first}-{last}", expected)
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
        token, tag = _fields(path, lineno, text, 2, "token<TAB>UPOS")
        words.append(token)
        pos.append(_upos(path, lineno, tag))
    return Doc(vocab, words=words, spaces=_token_spaces(len(words)), pos=pos)


def _is_conllu(path: Path, block: List[Line]) -> bool:
    """Tell CoNLL-U (10 columns) from XTREME's `token<TAB>UPOS` by the first token line."""
    for lineno, text in block:
        count = len(text.split("\t"))
        if text.startswith("#") and count != 2:
            continue  # a CoNLL-U comment; "#<TAB>SYM" would be an XTREME token
        if count in (2, 10):
            return count == 10
        found = f"{count} tab-separated field(s) in {_snippet(text)}"
        raise _error(path, lineno, found, "10 CoNLL-U columns or 2 XTREME fields token<TAB>UPOS")
    return True


def read_ud(
    path: Path, lang: Optional[str] = None, *, stats: Optional[ReadStats] = None, progress: bool = False
) -> Iterator[Doc]:
    """Read UD POS data (CoNLL-U or XTREME `token<TAB>UPOS`), one Doc per sentence."""
    path = Path(path)
    stats = stats if stats is not None else ReadStats()
    vocab = blank_nlp(lang).vocab
    blocks = _blocks(_lines(path, progress))
    first = next(blocks, None)
    if first is None:
        return
    conllu = _is_conllu(path, first)
    stats.variant = "CoNLL-U" if conllu else "XTREME token<TAB>UPOS"
    for block in chain([first], blocks):
        doc = _conllu_doc(path, block, vocab) if conllu else _udpos_xtreme_doc(path, block, vocab)
        if doc is not None:
            yield _set_lang(doc, lang)


# ---------------------------------------------------------------- sentence pairs


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
            found = f"{len(fields)} tab-separated field(s) in {_snippet(text)}"
            count = f"{needed} to {len(names)}" if needed < len(names) else str(needed)
            raise _error(path, lineno, found, f"{count} fields as named by the header on line {header[0]}")
        lang = fields[lang_col] if lang_col is not None else None
        yield lineno, lang, fields[col["sentence1"]], fields[col["sentence2"]], fields[col["gold_label"]]


def _nli_jsonl_rows(path: Path, lines: Iterable[Line]) -> Iterator[PairRow]:
    """Rows of a JSON-lines file with gold_label, sentence1, sentence2 (XNLI 1.0 and MultiNLI jsonl)."""
    expected = "a JSON object with string fields gold_label, sentence1, sentence2"
    for lineno, text in lines:
        try:
            row = json.loads(text)
        except json.JSONDecodeError as err:
            raise _error(path, lineno, f"invalid JSON ({err.msg}) in {_snippet(text)}", expected) from None
        if not isinstance(row, dict) or not all(
            isinstance(row.get(key), str) for key in ("gold_label", "sentence1", "sentence2")
        ):
            raise _error(path, lineno, _snippet(text), expected)
        yield lineno, row.get("language"), row["sentence1"], row["sentence2"], row["gold_label"]


def _three_column_rows(path: Path, lines: Iterable[Line], expected: str) -> Iterator[PairRow]:
    """Rows of a headerless `text<TAB>text<TAB>label` tsv (XTREME, XNLI-MT training data)."""
    for lineno, text in lines:
        first, second, label = _fields(path, lineno, text, 3, expected)
        yield lineno, None, first, second, label


def _pawsx_original_rows(path: Path, lines: Iterable[Line]) -> Iterator[PairRow]:
    """Rows of an original PAWS-X tsv after its `id sentence1 sentence2 label` header."""
    for lineno, text in lines:
        _, first, second, label = _fields(path, lineno, text, 4, "id<TAB>sentence1<TAB>sentence2<TAB>label")
        yield lineno, None, first, second, label


def _pair_docs(
    path: Path,
    rows: Iterable[PairRow],
    lang: Optional[str],
    stats: ReadStats,
    label_of: Callable[[Path, int, str], Optional[str]],
    labels: Sequence[str],
) -> Iterator[Doc]:
    """Turn pair rows into pair Docs with exclusive cats, filtering by language."""
    nlp = blank_nlp(lang)
    if nlp.lang != (lang or "xx"):
        warnings.warn(
            f"spaCy cannot build a '{lang}' tokenizer here (no such language or a missing optional "
            f"package); {path.name} is tokenized with the multi-language tokenizer instead."
        )
    for lineno, row_lang, first, second, raw_label in rows:
        if lang and row_lang and row_lang != lang:
            stats.other_languages[row_lang] += 1
            continue
        label = label_of(path, lineno, raw_label.strip())
        if label is None:
            stats.skipped["without gold label"] += 1
            continue
        doc = pair_doc(nlp, first, second)
        doc.cats = {name: float(name == label) for name in labels}
        yield _set_lang(doc, row_lang or lang)


def _nli_label(path: Path, lineno: int, raw: str) -> Optional[str]:
    """Map an NLI gold label to one of XNLI_LABELS, or None for `-` (no gold label)."""
    if raw == _NO_GOLD_LABEL:
        return None
    label = _NLI_ALIASES.get(raw, raw)
    if label not in XNLI_LABELS:
        raise _unknown_label(path, lineno, "NLI label", raw, XNLI_LABELS + (_NO_GOLD_LABEL,))
    return label


def _pawsx_label(path: Path, lineno: int, raw: str) -> str:
    """Map a PAWS-X label (1/0) to one of PAWSX_LABELS."""
    if raw not in _PAWSX_CODES:
        known = [f"{code} ({name})" for code, name in sorted(_PAWSX_CODES.items())]
        raise _unknown_label(path, lineno, "PAWS-X label", raw, known)
    return _PAWSX_CODES[raw]


def _first_line(path: Path, progress: bool) -> Tuple[Iterator[Line], Optional[Line]]:
    """The non-blank lines of a pair file, and the first of them (None for an empty file)."""
    lines = _non_blank(_lines(path, progress))
    return lines, next(lines, None)


def read_xnli(
    path: Path, lang: Optional[str] = None, *, stats: Optional[ReadStats] = None, progress: bool = False
) -> Iterator[Doc]:
    """Read NLI pairs (XNLI/MultiNLI tsv or jsonl, XNLI-MT, GLUE, XTREME) as Docs with XNLI_LABELS cats."""
    path, stats = Path(path), stats if stats is not None else ReadStats()
    lines, first = _first_line(path, progress)
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
        rows = _three_column_rows(path, lines, "premise<TAB>hypo<TAB>label")
    elif len(names) == 3:
        stats.variant = "XTREME premise<TAB>hypothesis<TAB>label"
        rows = _three_column_rows(path, chain([first], lines), "premise<TAB>hypothesis<TAB>label")
    else:
        raise _error(
            path,
            first[0],
            _snippet(first[1]),
            "a tsv header with gold_label, sentence1, sentence2; a JSON object; "
            "the header premise<TAB>hypo<TAB>label; or premise<TAB>hypothesis<TAB>label",
        )
    yield from _pair_docs(path, rows, lang, stats, _nli_label, XNLI_LABELS)


def read_pawsx(
    path: Path, lang: Optional[str] = None, *, stats: Optional[ReadStats] = None, progress: bool = False
) -> Iterator[Doc]:
    """Read PAWS-X pairs (original with `id` column and header, or XTREME) as Docs with PAWSX_LABELS cats."""
    path, stats = Path(path), stats if stats is not None else ReadStats()
    lines, first = _first_line(path, progress)
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
        rows = _three_column_rows(path, body, "sentence1<TAB>sentence2<TAB>label")
    else:
        raise _error(
            path,
            first[0],
            _snippet(first[1]),
            "the header id<TAB>sentence1<TAB>sentence2<TAB>label or sentence1<TAB>sentence2<TAB>label",
        )
    yield from _pair_docs(path, rows, lang, stats, _pawsx_label, PAWSX_LABELS)


# ---------------------------------------------------------------- conversion


@lru_cache(maxsize=None)
def _packed_lang(lang: str) -> bytes:
    """The msgpack bytes DocBin stores for the user data {"lang": lang}."""
    return srsly.msgpack_dumps({LANG_KEY: lang})


class _LangDocBin(DocBin):
    """A DocBin storing user data that holds at most the language, packed once per language."""

    # DocBin packs each doc's user data with a new srsly packer, which looks up
    # msgpack extensions among the installed entry points every time: about 1 ms
    # per doc, minutes for MultiNLI. Docs without a language store None, which
    # DocBin.get_docs reads back as empty user data without unpacking anything.

    def __init__(self) -> None:
        super().__init__(store_user_data=True)

    def add(self, doc: Doc) -> None:
        """Add a doc whose user data is empty or only {"lang": ...}."""
        if set(doc.user_data) - {LANG_KEY}:
            raise ValueError(f"expected user data with at most {LANG_KEY!r}, found {list(doc.user_data)}")
        self.store_user_data = False
        super().add(doc)
        self.store_user_data = True
        lang = doc.user_data.get(LANG_KEY)
        self.user_data.append(_packed_lang(lang) if lang else None)

Reader = Callable[..., Iterator[Doc]]
READERS: Dict[str, Reader] = {"wikiann": read_wikiann, "ud": read_ud, "xnli": read_xnli, "pawsx": read_pawsx}


def _entity_labels(doc: Doc) -> List[str]:
    """The label of each entity."""
    return [ent.label_ for ent in doc.ents]


def _pos_labels(doc: Doc) -> List[str]:
    """The UPOS of each tagged token."""
    return [token.pos_ for token in doc if token.pos_]


def _positive_cats(doc: Doc) -> List[str]:
    """The categories set to 1.0."""
    return [name for name, value in doc.cats.items() if value == 1.0]


_LABEL_KINDS: Dict[str, Tuple[str, Callable[[Doc], List[str]]]] = {
    "wikiann": ("entities", _entity_labels),
    "ud": ("UPOS", _pos_labels),
    "xnli": ("cats", _positive_cats),
    "pawsx": ("cats", _positive_cats),
}


def _empty_message(path: Path, lang: Optional[str], stats: ReadStats) -> str:
    """Explain why a conversion found no docs."""
    if stats.other_languages:
        found = ", ".join(sorted(stats.other_languages))
        return f"{path}: found no rows for language {lang!r}; expected one of the file's languages: {found}"
    if stats.skipped:
        count = sum(stats.skipped.values())
        return f"{path}: found only rows without gold label ({count}); expected labelled rows"
    return f"{path}: found no sentences or rows; expected at least one"


def write_atomic(path: Path, data: bytes) -> None:
    """Write bytes so that `path` holds either its old content or all of the new one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex[:12]}.tmp")
    # os.open with 0o666 lets the umask decide permissions, as for a plain open().
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def convert_file(
    fmt: str,
    input_path: Union[str, Path],
    output_path: Union[str, Path],
    lang: Optional[str] = None,
    limit: Optional[int] = None,
    progress: bool = True,
) -> ConversionSummary:
    """Convert one benchmark file of format `fmt` to a .spacy DocBin and summarise it."""
    return convert_files(fmt, [input_path], output_path, lang=lang, limit=limit, progress=progress)


def convert_files(
    fmt: str,
    input_paths: Sequence[Union[str, Path]],
    output_path: Union[str, Path],
    lang: Optional[str] = None,
    limit: Optional[int] = None,
    progress: bool = True,
) -> ConversionSummary:
    """Convert benchmark files of format `fmt` into one .spacy DocBin and summarise it."""
    if fmt not in READERS:
        raise ValueError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    if limit is not None and limit < 1:
        raise ValueError(f"limit must be a positive number of docs, not {limit}")
    paths, output_path = [Path(p) for p in input_paths], Path(output_path)
    if not paths:
        raise ValueError(f"{output_path}: no input files given")
    for input_path in paths:
        if not input_path.is_file():
            raise FileNotFoundError(f"{input_path}: no such file")
        if output_path.exists() and output_path.resolve() == input_path.resolve():
            raise ValueError(f"{output_path}: the output would overwrite the input")
    if output_path.is_dir():
        raise ValueError(f"{output_path}: found a directory; expected the path of a .spacy file")
    label_kind, labels_of = _LABEL_KINDS[fmt]
    doc_bin = _LangDocBin()
    summary = ConversionSummary(fmt, "", paths, output_path, label_kind=label_kind)
    variants = []
    for input_path in paths:
        stats = ReadStats()
        docs = READERS[fmt](input_path, lang, stats=stats, progress=progress)
        try:
            for doc in islice(docs, None if limit is None else limit - summary.docs):
                doc_bin.add(doc)
                summary.docs += 1
                summary.tokens += len(doc)
                summary.labels.update(labels_of(doc))
                summary.languages[doc.user_data.get(LANG_KEY, "")] += 1
        finally:
            docs.close()  # with --limit the file is still open
        if stats.variant not in variants:
            variants.append(stats.variant)
        summary.skipped.update(stats.skipped)
        summary.other_languages.update(stats.other_languages)
        if limit is not None and summary.docs >= limit:
            break
    summary.languages.pop("", None)
    # Without any language there is no user data worth a field in the file.
    doc_bin.store_user_data = bool(summary.languages)
    summary.variant = ", ".join(variants)
    if not summary.docs:
        raise ValueError(_empty_message(paths[0], lang, stats))
    write_atomic(output_path, doc_bin.to_bytes())
    return summary


def upos_as_tag(nlp: Language, example: Example) -> Iterator[Example]:
    """Yield the example with each gold token's UPOS also as its tag, for a tagger that learns UPOS."""
    reference = example.reference
    if not any(token.pos_ for token in reference):
        yield example
        return
    doc = reference.copy()
    for token in doc:
        token.tag_ = token.pos_
    yield Example(example.predicted, doc)


@registry.augmenters("dlfa_spacy.upos_as_tag.v1")
def create_upos_as_tag() -> Callable[[Language, Example], Iterator[Example]]:
    """Augmenter that trains a tagger on UPOS: copies each gold token's pos_ into tag_."""
    return upos_as_tag
