"""The similarity head: a pair doc's mean token vector (or its [CLS] wordpiece) -> a small MLP -> one score in 0..max_score."""
from typing import Callable, List, Tuple

from spacy.tokens import Doc
from thinc.api import Model, Relu, Sigmoid, chain, list2ragged, reduce_mean
from thinc.types import Floats2d

from .first_wordpiece import first_wordpiece, transformer_output


POOLINGS = ("mean", "cls")


def pair_regressor(
    tok2vec: Model[List[Doc], List[Floats2d]], hidden_width: int = 64, max_score: float = 5.0,
    pooling: str = "mean",
) -> Model[List[Doc], Floats2d]:
    """(n_docs, 1) scores in 0..max_score from each pair doc's mean token vector or first wordpiece."""
    if pooling == "mean":
        # The pair's one encoder pass covers both sentences and the separator, so the mean
        # over all of its tokens represents the pair.
        pooled = chain(tok2vec, list2ragged(), reduce_mean())
    elif pooling == "cls":
        pooled = chain(*transformer_output(tok2vec, "PairRegressor.v1 with pooling = \"cls\""), first_wordpiece())
    else:
        raise ValueError(f"PairRegressor.v1: `pooling` must be one of {', '.join(POOLINGS)}; got {pooling!r}")
    model = chain(pooled, Relu(nO=hidden_width), Sigmoid(nO=1), scaled(max_score))
    if pooling == "mean":
        model.set_ref("tok2vec", tok2vec)
    return model


def scaled(factor: float) -> Model[Floats2d, Floats2d]:
    """Multiply by a constant: the sigmoid's (0, 1) becomes the score range (0, factor)."""
    return Model("scaled", _scaled_forward, attrs={"factor": factor})


def _scaled_forward(model: Model, X: Floats2d, is_train: bool) -> Tuple[Floats2d, Callable]:
    factor = model.attrs["factor"]
    return X * factor, lambda dY: dY * factor
