"""The similarity head: a pair doc's token vectors -> mean pooling -> a small MLP -> one score in 0..max_score."""
from typing import Callable, List, Tuple

from spacy.tokens import Doc
from thinc.api import Model, Relu, Sigmoid, chain, list2ragged, reduce_mean
from thinc.types import Floats2d


def pair_regressor(
    tok2vec: Model[List[Doc], List[Floats2d]], hidden_width: int = 64, max_score: float = 5.0
) -> Model[List[Doc], Floats2d]:
    """(n_docs, 1) scores in 0..max_score from the mean of each pair doc's token vectors."""
    # The pair's one encoder pass covers both sentences and the separator, so the mean over
    # all of its tokens is a representation of the pair, as the [CLS] wordpiece would be.
    model = chain(tok2vec, list2ragged(), reduce_mean(), Relu(nO=hidden_width), Sigmoid(nO=1), scaled(max_score))
    model.set_ref("tok2vec", tok2vec)
    return model


def scaled(factor: float) -> Model[Floats2d, Floats2d]:
    """Multiply by a constant: the sigmoid's (0, 1) becomes the score range (0, factor)."""
    return Model("scaled", _scaled_forward, attrs={"factor": factor})


def _scaled_forward(model: Model, X: Floats2d, is_train: bool) -> Tuple[Floats2d, Callable]:
    factor = model.attrs["factor"]
    return X * factor, lambda dY: dY * factor
