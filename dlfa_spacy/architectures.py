"""Registered architectures: thin functions that build the layers of this package."""
from typing import Callable, List, Optional

from spacy.tokens import Doc
from spacy.util import registry
from spacy_transformers.data_classes import FullTransformerBatch
from spacy_transformers.layers import trfs2arrays
from thinc.api import Model, chain, reduce_mean
from thinc.types import Floats2d, Ragged

from .layers import AIFFusion, DLFATransformerModel, FusionListener


@registry.architectures("dlfa_spacy.TransformerModel.v1")
def transformer_model_v1(
    name: str,
    get_spans: Callable,
    tokenizer_config: dict = {"use_fast": True},
    transformer_config: dict = {},
    mixed_precision: bool = False,
    grad_scaler_config: dict = {},
) -> Model[List[Doc], FullTransformerBatch]:
    """A drop-in for spacy-transformers.TransformerModel.v3 that keeps and trains the layers DLFA listeners fuse."""
    return DLFATransformerModel(
        name,
        get_spans,
        tokenizer_config=tokenizer_config,
        transformer_config=transformer_config,
        mixed_precision=mixed_precision,
        grad_scaler_config=grad_scaler_config,
    )


@registry.architectures("dlfa_spacy.DLFA.v1")
def dlfa_v1(
    layer: Optional[int],
    reduction: int = 4,
    pooling: Optional[Model[Ragged, Floats2d]] = {"@layers": "reduce_mean.v1"},  # type: ignore[assignment]
    grad_factor: float = 1.0,
    upstream: str = "*",
) -> Model[List[Doc], List[Floats2d]]:
    """Token vectors from the AIF fusion of the transformer's last layer with lower layer `layer` (null: last layer only)."""
    if layer is not None and (isinstance(layer, bool) or not isinstance(layer, int) or layer < 1):
        raise ValueError(
            f"DLFA.v1: `layer` must be an integer in 1..N-1 for an encoder with N layers "
            f"(1..11 for mBERT), or null for no fusion; got {layer!r}"
        )
    if isinstance(reduction, bool) or not isinstance(reduction, int) or reduction < 1:
        raise ValueError(f"DLFA.v1: `reduction` must be a positive integer, got {reduction!r}")
    listener = FusionListener(upstream_name=upstream, layer=layer)
    # thinc resolves the config default into a layer; a direct Python call without
    # `pooling` gets the dict itself, and configs filled by dlfa-spacy 0.1 say null.
    pool = pooling if isinstance(pooling, Model) else reduce_mean()
    if layer is None:
        model = chain(listener, trfs2arrays(pool, grad_factor))
    else:
        # grad_factor scales what reaches the encoder, not the fusion weights' own
        # gradients, so it is applied inside the fusion layer.
        model = chain(listener, AIFFusion(layer, reduction, grad_factor), trfs2arrays(pool, 1.0))
    model.set_ref("listener", listener)
    return model
