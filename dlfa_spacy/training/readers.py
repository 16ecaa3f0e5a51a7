"""Training corpus reader `dlfa_spacy.WordpieceSegments.v1`: spaCy's Corpus in XTREME's segments.

XTREME trains (and selects on dev) with every NER / POS sentence split into segments of
at most max_length minus the special tokens wordpieces (see `segments.py`). This reader
reads DocBins like `spacy.Corpus.v1` and yields one Example per segment.
"""
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Optional, Union

from spacy.language import Language
from spacy.tokens import Doc
from spacy.training import Corpus, Example
from spacy.util import registry

from .segments import split_doc


def load_tokenizer(name: Union[str, Path]) -> Any:
    """The (fast) Hugging Face tokenizer of an encoder name or local path."""
    from transformers import AutoTokenizer

    try:
        return AutoTokenizer.from_pretrained(str(name), use_fast=True)
    except (OSError, ValueError) as err:
        raise ValueError(f"Cannot load the tokenizer {str(name)!r} for WordpieceSegments: {err}") from err


class WordpieceSegments(Corpus):
    """spacy.Corpus whose reference docs are XTREME's wordpiece segments of each doc."""

    def __init__(
        self,
        path: Union[str, Path],
        tokenizer: Union[str, Path, Any],
        *,
        max_length: int = 128,
        gold_preproc: bool = False,
        limit: int = 0,
        augmenter: Optional[Callable] = None,
    ) -> None:
        # Corpus's own max_length (skip long docs) stays 0: nothing is dropped, all is segmented.
        super().__init__(path, limit=limit, gold_preproc=gold_preproc, max_length=0, augmenter=augmenter)
        self._tokenizer = tokenizer
        self.segment_length = int(max_length)

    @property
    def tokenizer(self) -> Any:
        """The HF tokenizer, loaded on first use so that resolving a config loads nothing."""
        if isinstance(self._tokenizer, (str, Path)):
            self._tokenizer = load_tokenizer(self._tokenizer)
        return self._tokenizer

    def segments(self, docs: Iterable[Doc]) -> Iterator[Doc]:
        """Every segment of every doc, in order."""
        for doc in docs:
            yield from split_doc(doc, self.tokenizer, self.segment_length)

    def make_examples(self, nlp: Language, reference_docs: Iterable[Doc]) -> Iterator[Example]:
        """Examples of the segments of the reference docs."""
        yield from super().make_examples(nlp, self.segments(reference_docs))

    def make_examples_gold_preproc(self, nlp: Language, reference_docs: Iterable[Doc]) -> Iterator[Example]:
        """Examples of the segments of each gold sentence, with gold tokens."""
        for reference in reference_docs:
            has_sents = reference.has_annotation("SENT_START")
            sents = [s.as_doc() for s in reference.sents] if has_sents else [reference]
            for segment in self.segments(sents):
                if len(segment):
                    yield self._make_example(nlp, segment, True)

    def _make_example(self, nlp: Language, reference: Doc, gold_preproc: bool) -> Example:
        """An Example; a segment with the unknown token keeps its gold tokens as predicted ones."""
        # spaCy's tokenizer would split "[UNK]" / "<unk>" into pieces the reference lacks.
        has_unk = any(t.text == self.tokenizer.unk_token for t in reference)
        return super()._make_example(nlp, reference, gold_preproc or has_unk)


@registry.readers("dlfa_spacy.WordpieceSegments.v1")
def create_wordpiece_segments(
    path: Optional[Path],
    tokenizer: str,
    max_length: int = 128,
    gold_preproc: bool = False,
    limit: int = 0,
    augmenter: Optional[Callable] = None,
) -> Callable[[Language], Iterable[Example]]:
    """spacy.Corpus.v1 in XTREME's segments of at most max_length minus specials wordpieces of `tokenizer`."""
    if path is None:
        raise ValueError(
            "WordpieceSegments needs the path of a .spacy file or folder; got None "
            "(set paths.train / paths.dev)"
        )
    if int(max_length) < 1:
        raise ValueError(
            f"WordpieceSegments max_length is {max_length}; expected the encoder's positive max length"
        )
    return WordpieceSegments(
        path, tokenizer, max_length=max_length, gold_preproc=gold_preproc, limit=limit, augmenter=augmenter
    )
