"""Sentence-pair docs: one Doc per (premise, hypothesis) that reaches the encoder as a pair."""
from typing import Optional

from spacy.language import Language
from spacy.tokens import Doc, Span

# The token that separates the two texts of a pair doc. spaCy's tokenizer never
# produces it from raw text (it splits "[SEP]" into three tokens), so a token with
# exactly this text marks a pair built by `pair_doc`.
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
