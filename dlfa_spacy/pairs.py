"""Sentence pairs: one Doc per (premise, hypothesis), and its encoding as tokenizer(premise, hypothesis)."""
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import numpy
from spacy.attrs import ORTH
from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import registry

# The token that separates the two texts of a pair doc. spaCy's default tokenizer splits
# "[SEP]" into three tokens, so a token with exactly this text marks a pair: one built
# by `pair_doc`, or raw text tokenized by a pipeline with `keep_pair_separator`.
PAIR_SEPARATOR = "[SEP]"


def pair_doc(nlp: Language, premise: str, hypothesis: str) -> Doc:
    """Build the Doc for a sentence pair: premise tokens, a separator token, hypothesis tokens."""
    first = nlp.make_doc(premise.strip())
    second = nlp.make_doc(hypothesis.strip())
    words = [t.text for t in first] + [PAIR_SEPARATOR] + [t.text for t in second]
    spaces = [bool(t.whitespace_) for t in first] + [True] + [bool(t.whitespace_) for t in second]
    if len(first):
        spaces[len(first) - 1] = True
    if len(second):
        spaces[-1] = False
    return Doc(nlp.vocab, words=words, spaces=spaces)


def keep_pair_separator(nlp: Language) -> Language:
    """Make nlp's tokenizer keep the pair separator as one token, so raw pair texts stay pairs."""
    # spaCy's corpus reader re-tokenizes every reference text with nlp.make_doc, and
    # spacy evaluate does too: without this special case "[SEP]" becomes "[", "SEP", "]"
    # and the encoder sees one text instead of a pair.
    if not hasattr(nlp.tokenizer, "add_special_case"):
        raise ValueError(
            f"dlfa_spacy.keep_pair_separator.v1 needs a tokenizer with special cases; "
            f"{type(nlp.tokenizer).__name__} of language '{nlp.lang}' has none. Use a "
            "spaCy rule-based tokenizer (lang = \"xx\" is what the pair configs use)."
        )
    nlp.tokenizer.add_special_case(PAIR_SEPARATOR, [{ORTH: PAIR_SEPARATOR}])
    return nlp


@registry.callbacks("dlfa_spacy.keep_pair_separator.v1")
def create_keep_pair_separator() -> Callable[[Language], Language]:
    """[nlp] after_creation callback: the tokenizer keeps the pair separator as one token."""
    return keep_pair_separator


def find_separator(span: Span, text: Optional[str] = None) -> Optional[int]:
    """Return the index (within the span) of the pair separator token, or None."""
    # The substring test runs in C and rules out almost every span cheaply.
    if PAIR_SEPARATOR not in (span.text if text is None else text):
        return None
    for i, token in enumerate(span):
        if token.text == PAIR_SEPARATOR:
            return i
    return None


def split_pair(doc: Doc) -> "tuple[str, str]":
    """Return the (premise, hypothesis) texts of a pair doc; raise ValueError if it is not one."""
    i = find_separator(doc[:])
    if i is None:
        raise ValueError(
            f"Doc is not a sentence pair: no '{PAIR_SEPARATOR}' token in {doc.text[:80]!r}. "
            "Build pair docs with dlfa_spacy.pair_doc(nlp, premise, hypothesis)."
        )
    sep = doc[i]
    return doc.text[: sep.idx].rstrip(), doc.text[sep.idx + len(sep.text) :].lstrip()


# ---------------------------------------------------------------- encoding


def encode_pairs(
    tokenizer: Any, spans: List[Span], separators: Sequence[Optional[int]], max_length: Optional[int] = None
) -> Tuple[Dict[str, Any], numpy.ndarray]:
    """Encode pair spans as tokenizer(premise, hypothesis) and the rest as single texts.

    max_length: over-long pairs are cut to this many wordpieces (default: model_max_length).
    """
    if max_length is None:
        max_length = tokenizer.model_max_length
    if not getattr(tokenizer, "is_fast", False):
        raise ValueError(
            "Sentence-pair docs need a fast tokenizer (offsets tell where the hypothesis "
            "starts): set tokenizer_config = {\"use_fast\": true}."
        )
    rows: List[Tuple[List[int], List[int], List[Tuple[int, int]]]] = []
    for span, sep in zip(spans, separators):
        if sep is None:
            enc = tokenizer(span.text, return_offsets_mapping=True)
            offsets = [tuple(o) for o in enc["offset_mapping"]]
        else:
            enc, offsets = _encode_pair(tokenizer, span, sep, max_length)
        type_ids = enc.get("token_type_ids") or [0] * len(enc["input_ids"])
        rows.append((enc["input_ids"], type_ids, offsets))
    width = max(len(ids) for ids, _, _ in rows)
    n = len(rows)
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    input_ids = numpy.full((n, width), pad_id, dtype="int64")
    type_ids = numpy.full((n, width), tokenizer.pad_token_type_id, dtype="int64")
    mask = numpy.zeros((n, width), dtype="int64")
    offsets = numpy.zeros((n, width, 2), dtype="int64")
    for i, (ids, types, offs) in enumerate(rows):
        input_ids[i, : len(ids)] = ids
        type_ids[i, : len(ids)] = types
        mask[i, : len(ids)] = 1
        offsets[i, : len(ids)] = offs
    encoding: Dict[str, Any] = {
        "input_ids": input_ids,
        "attention_mask": mask,
        "input_texts": [tokenizer.convert_ids_to_tokens(row) for row in input_ids],
        "pad_token": tokenizer.pad_token,
    }
    if "token_type_ids" in tokenizer.model_input_names:
        encoding["token_type_ids"] = type_ids
    return encoding, offsets


def _encode_pair(tokenizer: Any, span: Span, sep: int, max_length: int) -> Tuple[Any, List[Tuple[int, int]]]:
    """Encode one pair span; offsets are made relative to the span's text."""
    text = span.text
    marker = span[sep]
    sep_start = marker.idx - span.start_char
    sep_end = sep_start + len(marker.text)
    first = text[:sep_start].rstrip()
    second_start = len(text) - len(text[sep_end:].lstrip())
    second = text[second_start:]
    # Over-long pairs are cut as the XTREME recipe cuts them (longest text first), so the
    # hypothesis is never lost to the end-truncation of over-long sequences.
    enc = tokenizer(first, second, return_offsets_mapping=True, truncation="longest_first",
                    max_length=max_length)
    seq_ids = enc.sequence_ids()
    offsets = [tuple(o) for o in enc["offset_mapping"]]
    last_first = max((j for j, s in enumerate(seq_ids) if s == 0), default=0)
    first_second = min((j for j, s in enumerate(seq_ids) if s == 1), default=len(seq_ids))
    for j, seq in enumerate(seq_ids):
        if seq == 1:
            offsets[j] = (offsets[j][0] + second_start, offsets[j][1] + second_start)
        elif seq is None and last_first < j < first_second:
            # The separator wordpieces between the texts belong to the separator token.
            offsets[j] = (sep_start, sep_end)
    return enc, offsets
