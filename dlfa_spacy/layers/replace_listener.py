"""What `Language.replace_listeners` does with DLFA listeners (sourcing, frozen components).

spaCy calls the transformer model's `replace_listener` to build the inline model that
takes a listener's place, and `replace_listener_cfg` to rewrite the component's config
so that the saved pipeline loads with the same structure. spacy-transformers' own
versions only know architectures named "...TransformerListener...", so a DLFA listener's
config would become a bare TransformerModel and fail to load.
"""
from typing import Any, Dict, List, Optional, Sequence

from spacy.tokens import Doc
from spacy_transformers.data_classes import TransformerData
from spacy_transformers.layers._util import (
    replace_listener_cfg as stock_replace_listener_cfg,
)
from spacy_transformers.layers.split_trf import split_trf_batch
from thinc.api import Model, chain

from .layer_choice import LayerSetting, requested_layers

DLFA_ARCHITECTURE = "dlfa_spacy.DLFA.v1"
INLINE_ARCHITECTURE = "dlfa_spacy.Tok2VecTransformer.v1"
SCALAR_MIX_ARCHITECTURE = "dlfa_spacy.ScalarMix.v1"
# {listener architecture: (inline architecture, the listener keys it takes over)}
_INLINE = {
    DLFA_ARCHITECTURE: (INLINE_ARCHITECTURE, ("layer", "candidates", "reduction", "pooling", "grad_factor",
                                              "mix_learn_rate_scale")),
    SCALAR_MIX_ARCHITECTURE: ("dlfa_spacy.ScalarMixTransformer.v1", ("pooling", "grad_factor", "mix_learn_rate_scale")),
}
_TRANSFORMER_KEYS = ("name", "get_spans", "tokenizer_config", "transformer_config", "mixed_precision",
                     "grad_scaler_config")


def replace_listener(model: Model, listener: Model, tok2vec: Any) -> Model:
    """The copied transformer that replaces `listener`: it keeps that listener's layer only."""
    attrs = listener.attrs if hasattr(listener, "layer") else {}
    return inline_transformer(model, attrs.get("layer"), attrs.get("candidates"))


def inline_transformer(
    trf: Model, layer: LayerSetting, candidates: Optional[Sequence[int]] = None
) -> Model[List[Doc], List[TransformerData]]:
    """The transformer as its own component's input: it keeps exactly what `layer` reads, split per doc."""
    trf.attrs["fusion_layers"] = list(requested_layers(layer, candidates))
    return chain(trf, split_trf_batch())


def replace_listener_cfg(tok2vec_model_cfg: Dict[str, Any], listener_model_cfg: Dict[str, Any]) -> Dict[str, Any]:
    """The config of the inline model that replaces a listener's config."""
    if listener_model_cfg.get("@architectures") not in _INLINE:
        return stock_replace_listener_cfg(tok2vec_model_cfg, listener_model_cfg)
    architecture, listener_keys = _INLINE[listener_model_cfg["@architectures"]]
    result: Dict[str, Any] = {"@architectures": architecture}
    for key in _TRANSFORMER_KEYS:
        if key in tok2vec_model_cfg:
            result[key] = tok2vec_model_cfg[key]
    for key in listener_keys:
        if key in listener_model_cfg:
            result[key] = listener_model_cfg[key]
    return result
