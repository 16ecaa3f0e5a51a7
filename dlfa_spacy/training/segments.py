"""XTREME's wordpiece segments: a sentence longer than the encoder takes becomes several inputs.

XTREME (`utils_preprocess.py`, `panx_tokenize_preprocess` / `udpos_tokenize_preprocess`)
splits every NER and POS sentence, before training and evaluation, greedily into
consecutive segments of at most `max_len - specials` wordpieces, counting
`len(tokenizer.tokenize(word))` per word. Words are never split: a word with 0 wordpieces,
or with more than a whole segment holds, is replaced by the tokenizer's unknown token and
counts 1. Each segment is its own model input, and `run_tag.py` scores the segments as
the sequences of its seqeval evaluation (`evaluate` does the same).

Here a spaCy Doc is split into segment Docs (`split_doc`); predicted segment Docs can be
merged back onto one Doc with the original words (`merge_segments`). An entity that
crosses a segment boundary is cut there: the part in the next segment starts a new
entity, which is how seqeval reads a segment that starts with an I- tag.
"""
from typing import Any, Iterable, List, Optional, Sequence, Tuple

from spacy.tokens import Doc

# Tokenizer classes whose inputs XTREME counts with 3 special tokens: run_tag.py adds an
# extra separator for roberta / xlmr (`sep_token_extra`), and the preprocessing tests
# `isinstance(tokenizer, XLMRobertaTokenizer)`. Compared by class name along the MRO, so
# that checking does not import the sentencepiece-based slow classes.
EXTRA_SEPARATOR_TOKENIZERS = frozenset(
    {"XLMRobertaTokenizer", "XLMRobertaTokenizerFast", "RobertaTokenizer", "RobertaTokenizerFast"}
)
# user_data key of a merged Doc: how many segments its predictions came from.
SEGMENTS_KEY = "dlfa_segments"

Bounds = List[Tuple[int, int]]


def special_token_count(tokenizer: Any) -> int:
    """The special tokens XTREME reserves per segment: 3 for XLM-R and RoBERTa, else 2."""
    names = {cls.__name__ for cls in type(tokenizer).__mro__}
    return 3 if names & EXTRA_SEPARATOR_TOKENIZERS else 2


def segment_capacity(tokenizer: Any, max_length: int) -> int:
    """How many wordpieces one segment holds: max_length minus the special tokens."""
    capacity = int(max_length) - special_token_count(tokenizer)
    if capacity < 1:
        raise ValueError(
            f"max_length {max_length} leaves no room for wordpieces next to the "
            f"{special_token_count(tokenizer)} special tokens of {type(tokenizer).__name__}; "
            f"expected at least {special_token_count(tokenizer) + 1}"
        )
    return capacity


def model_word(word: str, tokenizer: Any, capacity: int) -> Tuple[str, int]:
    """The word the model sees and its wordpiece count (XTREME's unknown-token rule)."""
    n_pieces = len(tokenizer.tokenize(word))
    # XTREME keeps an empty word as it is (0 pieces) and replaces any other word that
    # has no wordpiece, or too many to fit in one segment, by one unknown token.
    if (n_pieces == 0 or n_pieces > capacity) and len(word) != 0:
        return tokenizer.unk_token, 1
    return word, n_pieces


def model_words(words: Sequence[str], tokenizer: Any, max_length: int) -> List[Tuple[str, int]]:
    """(word the model sees, wordpiece count) for every word."""
    capacity = segment_capacity(tokenizer, max_length)
    return [model_word(word, tokenizer, capacity) for word in words]


def greedy_bounds(counts: Sequence[int], capacity: int) -> Bounds:
    """Split wordpiece counts greedily into consecutive (start, end) runs of at most capacity."""
    bounds: Bounds = []
    start, used = 0, 0
    for i, n in enumerate(counts):
        if n > capacity:
            raise ValueError(f"Word {i} has {n} wordpieces; expected at most the segment's {capacity}")
        if used + n > capacity:
            bounds.append((start, i))
            start, used = i, 0
        used += n
    if counts:
        bounds.append((start, len(counts)))
    return bounds


def segment_bounds(words: Sequence[str], tokenizer: Any, max_length: int) -> Bounds:
    """XTREME's segments of a sentence as (start, end) word indices; [] for no words."""
    counts = [n for _, n in model_words(words, tokenizer, max_length)]
    return greedy_bounds(counts, segment_capacity(tokenizer, max_length))


def _ent_tags(doc: Doc) -> Optional[List[str]]:
    """Token IOB tags of a doc ("" where unannotated), or None without any NER annotation."""
    if not doc.has_annotation("ENT_IOB"):
        return None
    return [f"{t.ent_iob_}-{t.ent_type_}" if t.ent_iob_ in ("B", "I") else t.ent_iob_ for t in doc]


def _restart_entity(tags: List[str]) -> List[str]:
    """Turn a leading I- tag into B-: an entity cut at a segment start begins a new one."""
    if tags and tags[0].startswith("I-"):
        return ["B-" + tags[0][2:]] + tags[1:]
    return tags


def _token_attr(doc: Doc, attr: str, annotation: str) -> Optional[List[str]]:
    """A string attribute of every token, or None when the doc has no such annotation."""
    return [getattr(t, attr) for t in doc] if doc.has_annotation(annotation) else None


def split_doc(doc: Doc, tokenizer: Any, max_length: int) -> List[Doc]:
    """Split a doc into XTREME's segment docs, with model words, ents, pos_, tag_ and user_data."""
    words = model_words([t.text for t in doc], tokenizer, max_length)
    bounds = greedy_bounds([n for _, n in words], segment_capacity(tokenizer, max_length))
    ents, pos, tags = _ent_tags(doc), _token_attr(doc, "pos_", "POS"), _token_attr(doc, "tag_", "TAG")
    segments = []
    for start, end in bounds:
        segment = Doc(
            doc.vocab,
            words=[w for w, _ in words[start:end]],
            spaces=[bool(t.whitespace_) for t in doc[start:end]],
            ents=_restart_entity(ents[start:end]) if ents is not None else None,
            pos=pos[start:end] if pos is not None else None,
            tags=tags[start:end] if tags is not None else None,
        )
        segment.user_data = dict(doc.user_data)
        segments.append(segment)
    return segments


def _concatenated(values: Iterable[Optional[List[str]]], lengths: Sequence[int]) -> Optional[List[str]]:
    """Concatenate per-segment lists ("" for a segment without any); None if none has one."""
    values = list(values)
    if all(v is None for v in values):
        return None
    return [x for v, n in zip(values, lengths) for x in (v if v is not None else [""] * n)]


def merge_segments(doc: Doc, segments: Sequence[Doc]) -> Doc:
    """A copy of `doc` (its words, spaces, user_data) with the segments' ents, pos_ and tag_."""
    lengths = [len(s) for s in segments]
    if sum(lengths) != len(doc):
        raise ValueError(
            f"The segments hold {sum(lengths)} tokens in all; expected the doc's {len(doc)}"
        )
    merged = Doc(
        doc.vocab,
        words=[t.text for t in doc],
        spaces=[bool(t.whitespace_) for t in doc],
        ents=_concatenated((_ent_tags(s) for s in segments), lengths),
        pos=_concatenated((_token_attr(s, "pos_", "POS") for s in segments), lengths),
        tags=_concatenated((_token_attr(s, "tag_", "TAG") for s in segments), lengths),
    )
    merged.user_data = dict(doc.user_data)
    merged.user_data[SEGMENTS_KEY] = len(segments)
    return merged
