"""XTREME's sentence-pair heads on the first wordpiece ([CLS] / <s>) of the (fused) last layer.

"bert" is `BertForSequenceClassification`: the encoder's pooler (dense + tanh, initialised
from the pretrained pooler by the `dlfa_spacy.init_pooler.v1` callback), dropout, a linear
classifier. "roberta" is XLM-R's `RobertaClassificationHead`: dropout, dense + tanh,
dropout, a linear classifier (no pretrained pooler). "auto" (the default) has the layers of
both, and `init_pooler` makes it one or the other from the encoder it finds: "bert" for an
encoder with a pretrained pooler outside the RoBERTa family (its first dropout switched
off), else "roberta". So `--encoder.name xlm-roberta-base` needs no other setting. The output is the softmax over the
labels, as spaCy's exclusive textcat expects; its backprop takes the gradient of the
logits, as thinc's Softmax does.
"""
from functools import partial
from typing import Callable, List, Optional, Tuple

from spacy.tokens import Doc
from thinc.api import Dropout, Linear, Model, Softmax, chain
from thinc.types import Floats2d

from .first_wordpiece import first_wordpiece, transformer_output

HEADS = ("auto", "bert", "roberta")
POOLER = "pretrained-pooler"  # the node whose dense layer init_pooler fills from the encoder's pooler
HEAD_ATTR = "pair_head"  # the head's kind, on the head's top node: "bert", "roberta" or "auto" (until init)


def check_head(head: str) -> None:
    """ValueError unless the head is known."""
    if head not in HEADS:
        raise ValueError(f"SequenceClassifier.v1: `head` must be one of {', '.join(HEADS)}; got {head!r}")


def switchable_dropout(rate: float) -> Model[Floats2d, Floats2d]:
    """Dropout that the "auto" head switches off (attrs["enabled"]) when it becomes a "bert" head."""
    return Model("head-input-dropout", _switchable_forward, attrs={"dropout_rate": rate, "enabled": True})


def _switchable_forward(model: Model, X: Floats2d, is_train: bool) -> Tuple[Floats2d, Callable]:
    rate = model.attrs["dropout_rate"]
    if not (is_train and model.attrs["enabled"] and rate > 0):
        return X, lambda dY: dY
    mask = model.ops.get_dropout_mask(X.shape, rate)
    return X * mask, lambda dY: dY * mask


def sequence_classifier(tok2vec: Model, nO: int = None, head: str = "auto",  # type: ignore[assignment]
                        dropout: float = 0.1) -> Model[List[Doc], Floats2d]:
    """(n_docs, nO) label probabilities from each doc's first wordpiece."""
    check_head(head)
    cls = chain(*transformer_output(tok2vec, "SequenceClassifier.v1"), first_wordpiece())
    dense = square_linear()
    if head == "bert":
        layers = [_named(chain(dense, tanh()), POOLER), Dropout(dropout)]
    elif head == "roberta":
        layers = [Dropout(dropout), chain(dense, tanh()), Dropout(dropout)]
    else:
        switch = switchable_dropout(dropout)
        layers = [switch, _named(chain(dense, tanh()), POOLER), Dropout(dropout)]
    output = Softmax(nO=nO)
    model = chain(cls, *layers, output)
    model.attrs[HEAD_ATTR] = head
    model.set_ref("dense", dense)
    model.set_ref("output_layer", output)
    if head == "auto":
        model.set_ref("input_dropout", switch)
    return model


def square_linear() -> Model[Floats2d, Floats2d]:
    """A linear layer whose output is as wide as its input (the pooler's dense), its width taken at init."""
    dense = Linear()
    # A partial of module-level functions, so that the model still pickles.
    dense.init = partial(_square_init, dense.init)
    return dense


def _square_init(initialize: Callable, model: Model, X: Optional[Floats2d] = None,
                 Y: Optional[Floats2d] = None) -> Model:
    """Linear's init with nO = nI from X; Y is the classifier's output, not this layer's."""
    if X is not None and not model.has_dim("nO"):
        model.set_dim("nO", X.shape[1])
    return initialize(model, X, None)


def _named(model: Model, name: str) -> Model:
    """The model under another name (so that init_pooler finds it)."""
    model.name = name
    return model


def tanh() -> Model[Floats2d, Floats2d]:
    """The hyperbolic tangent, elementwise."""
    return Model("tanh", _tanh_forward)


def _tanh_forward(model: Model, X: Floats2d, is_train: bool) -> Tuple[Floats2d, Callable]:
    Y = model.ops.xp.tanh(X)
    return Y, lambda dY: dY * (1 - Y * Y)
