"""Any length at inference: a span longer than the encoder takes is encoded as several spans.

spacy-transformers truncates a span at the encoder's limit (128 wordpieces here), so the
words after it would be labelled from nothing. Instead, a span that does not fit is cut
into its sentences (the doc's sentence boundaries, else sentence-final punctuation), each
encoded on its own as it would be alone; a sentence that still does not fit is cut into
XTREME's wordpiece segments (`training/segments.py`). A sentence pair is one sequence by
definition and keeps the truncation. Spans that fit, every benchmark sentence among them
after the training reader's segmentation, are left as they are.
"""
from typing import Any, List, Sequence, Tuple

from spacy.tokens import Span

from ..pairs import find_separator
from ..training.segments import greedy_bounds, model_words, segment_capacity, special_token_count

SENTENCE_ENDS = frozenset({".", "!", "?", "。", "！", "？", "…", "؟", "।", "۔"})


def fit_spans(tokenizer: Any, spans: Sequence[Span], max_length: int) -> List[Span]:
    """The spans, each one too long for the encoder replaced by its sentences or segments, in order."""
    return fit_doc_spans(tokenizer, [spans], max_length)[0]


def fit_doc_spans(tokenizer: Any, nested: Sequence[Sequence[Span]], max_length: int) -> List[List[Span]]:
    """fit_spans for each doc's spans, measuring every span that may not fit in one tokenizer call."""
    # One call for the batch: a call per doc costs its overhead 32 times, which shows where the
    # encoder is fast (on a GPU).
    long = [(d, i) for d, spans in enumerate(nested) for i, span in enumerate(spans)
            if _may_not_fit(span, tokenizer, max_length)]
    if not long:
        return [list(spans) for spans in nested]
    lengths = dict(zip(long, _wordpiece_lengths(tokenizer, [nested[d][i].text for d, i in long])))
    fitted: List[List[Span]] = []
    for d, spans in enumerate(nested):
        out: List[Span] = []
        for i, span in enumerate(spans):
            if lengths.get((d, i), 0) <= max_length or find_separator(span) is not None:
                out.append(span)
            else:
                out += _pieces(tokenizer, span, max_length)
        fitted.append(out)
    return fitted


def _may_not_fit(span: Span, tokenizer: Any, max_length: int) -> bool:
    """Whether a span could exceed the limit: a wordpiece holds at least one character (or is one [UNK] word)."""
    return len(span) + special_token_count(tokenizer) > max_length or \
        sum(len(t.text) for t in span) + special_token_count(tokenizer) > max_length


def _wordpiece_lengths(tokenizer: Any, texts: List[str]) -> List[int]:
    """The encoder's sequence length of each text, special tokens included."""
    return [len(ids) for ids in tokenizer(texts, add_special_tokens=True, truncation=False)["input_ids"]]


def _pieces(tokenizer: Any, span: Span, max_length: int) -> List[Span]:
    """A long span as its sentences, each sentence that does not fit as XTREME's segments."""
    sentences = [span[start:end] for start, end in _sentences(span)]
    # One batched call measures every sentence as the encoder would alone; only a sentence
    # that does not fit is counted word by word (one tokenizer call per word is slow).
    out: List[Span] = []
    for sentence, length in zip(sentences, _wordpiece_lengths(tokenizer, [s.text for s in sentences])):
        if length <= max_length:
            out.append(sentence)
        else:
            counts = [n for _, n in model_words([t.text for t in sentence], tokenizer, max_length)]
            bounds = greedy_bounds(counts, segment_capacity(tokenizer, max_length))
            out += [sentence[a:b] for a, b in bounds]
    return out


def _sentences(span: Span) -> List[Tuple[int, int]]:
    """(start, end) token offsets of the span's sentences: its doc's boundaries, else sentence-final punctuation."""
    doc = span.doc
    if doc.has_annotation("SENT_START"):
        starts = [i for i, token in enumerate(span) if i > 0 and token.is_sent_start]
    else:
        starts = [i + 1 for i, token in enumerate(span[:-1]) if token.text in SENTENCE_ENDS]
    bounds = [0, *starts, len(span)]
    return [(a, b) for a, b in zip(bounds, bounds[1:]) if b > a]
