"""XTREME's tagging head: dropout, then one linear layer from each token's vector to its label logits.

With DLFA.v1's `pooling = reduce_first`, a token's vector is its first wordpiece, so this is
`BertForTokenClassification`'s head (dropout 0.1, a linear classifier) read where XTREME
reads it: only the first wordpiece of each word carries a label.
"""
from typing import List

from spacy.tokens import Doc
from thinc.api import Dropout, Linear, Model, chain, with_array
from thinc.types import Floats2d


def token_classifier(
    tok2vec: Model[List[Doc], List[Floats2d]], nO: int = None, dropout: float = 0.1  # type: ignore[assignment]
) -> Model[List[Doc], List[Floats2d]]:
    """Per doc, (n_tokens, nO) label logits (not probabilities: the component takes the softmax)."""
    head = chain(Dropout(dropout), Linear(nO=nO))
    model = chain(tok2vec, with_array(head))
    model.set_ref("tok2vec", tok2vec)
    model.set_ref("output_layer", head.layers[-1])
    return model
