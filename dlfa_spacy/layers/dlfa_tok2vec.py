"""The token-vector model of DLFA.v1: transformer output -> AIF fusion -> pooling to tokens.

One builder for both places the transformer output comes from: a listener (the
transformer is a component of its own) or an inline transformer, which is what a
listener becomes after `Language.replace_listeners` (sourcing, frozen components).
The two must have the same node structure, or a replaced pipeline cannot be loaded.
"""
from typing import List, Optional

from spacy.tokens import Doc
from spacy_transformers.data_classes import TransformerData
from spacy_transformers.layers import trfs2arrays
from spacy_transformers.layers.split_trf import split_trf_batch
from thinc.api import Model, chain, reduce_mean
from thinc.types import Floats2d, Ragged

from .fusion import AIFFusion
from .transformer_model import DLFATransformerModel


def check_dlfa_settings(layer: Optional[int], reduction: int) -> None:
    """Raise a ValueError naming the valid values unless `layer` and `reduction` are usable."""
    if layer is not None and (isinstance(layer, bool) or not isinstance(layer, int) or layer < 1):
        raise ValueError(
            f"DLFA.v1: `layer` must be an integer in 1..N-1 for an encoder with N layers "
            f"(1..11 for mBERT), or null for no fusion; got {layer!r}"
        )
    if isinstance(reduction, bool) or not isinstance(reduction, int) or reduction < 1:
        raise ValueError(f"DLFA.v1: `reduction` must be a positive integer, got {reduction!r}")


def dlfa_tok2vec(
    source: Model[List[Doc], List[TransformerData]],
    layer: Optional[int],
    reduction: int = 4,
    pooling: Optional[Model[Ragged, Floats2d]] = None,
    grad_factor: float = 1.0,
) -> Model[List[Doc], List[Floats2d]]:
    """Token vectors from `source`'s transformer output, fused with lower layer `layer` (None: last only)."""
    check_dlfa_settings(layer, reduction)
    # thinc resolves the config default into a layer; a direct Python call without
    # `pooling` gets the dict itself, and configs filled by dlfa-spacy 0.1 say null.
    pool = pooling if isinstance(pooling, Model) else reduce_mean()
    if layer is None:
        model = chain(source, trfs2arrays(pool, grad_factor))
    else:
        # grad_factor scales what reaches the encoder, not the fusion weights' own
        # gradients, so it is applied inside the fusion layer.
        model = chain(source, AIFFusion(layer, reduction, grad_factor), trfs2arrays(pool, 1.0))
    model.set_ref("listener", source)
    return model


def inline_transformer(trf: DLFATransformerModel, layer: Optional[int]) -> Model[List[Doc], List[TransformerData]]:
    """The transformer as its own component's input: it keeps exactly `layer`, split per doc."""
    trf.attrs["fusion_layers"] = [] if layer is None else [layer]
    return chain(trf, split_trf_batch())
