"""Training augmenters: `dlfa_spacy.upos_as_tag.v1` lets spaCy's tagger learn UPOS."""
from typing import Callable, Iterator

from spacy.language import Language
from spacy.training import Example
from spacy.util import registry


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
