"""The Thinc layers of DLFA: the transformer model, its layer capture and gradient
plumbing, the fusion listener, and the AIF fusion (equation in `aif.py`)."""
from .fusion import AIFFusion
from .gradients import LayeredBatch, LayeredData, LayerGrads, layer_key
from .listener import FusionListener, link_listeners
from .transformer_model import (
    DLFATransformerModel,
    check_fusion_layer,
    num_hidden_layers,
    tokenize_spans,
)

__all__ = [
    "AIFFusion",
    "DLFATransformerModel",
    "FusionListener",
    "LayerGrads",
    "LayeredBatch",
    "LayeredData",
    "check_fusion_layer",
    "layer_key",
    "link_listeners",
    "num_hidden_layers",
    "tokenize_spans",
]
