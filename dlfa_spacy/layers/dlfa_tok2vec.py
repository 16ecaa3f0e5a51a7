"""The token-vector model of DLFA.v1: transformer output -> AIF fusion -> pooling to tokens.

One builder for both places the transformer output comes from: a listener (the
transformer is a component of its own) or an inline transformer, which is what a
listener becomes after `Language.replace_listeners` (sourcing, frozen components).
The two must have the same node structure, or a replaced pipeline cannot be loaded.
"""
from typing import List, Optional, Sequence

from spacy.tokens import Doc
from spacy_transformers.data_classes import TransformerData
from spacy_transformers.layers import trfs2arrays
from thinc.api import Model, chain, reduce_mean
from thinc.types import Floats2d, Ragged

from .fusion import AIFFusion
from .inference_mix import MIXER_ATTR
from .layer_mix import DEFAULT_MIX_LEARN_RATE_SCALE, check_mix_scale
from .layer_choice import SCALAR_MIX, LayerSetting, check_layer_setting
from .scalar_mix import ScalarMix


def check_dlfa_settings(layer: LayerSetting, reduction: int, candidates: Optional[Sequence[int]] = None,
                        mix_learn_rate_scale: float = DEFAULT_MIX_LEARN_RATE_SCALE) -> None:
    """Raise a ValueError naming the valid values unless the DLFA.v1 settings are usable."""
    check_layer_setting(layer, candidates, "DLFA.v1")
    check_mix_scale(mix_learn_rate_scale, "DLFA.v1")
    if isinstance(reduction, bool) or not isinstance(reduction, int) or reduction < 1:
        raise ValueError(f"DLFA.v1: `reduction` must be a positive integer, got {reduction!r}")


def dlfa_tok2vec(
    source: Model[List[Doc], List[TransformerData]],
    layer: LayerSetting,
    reduction: int = 4,
    pooling: Optional[Model[Ragged, Floats2d]] = None,
    grad_factor: float = 1.0,
    candidates: Optional[Sequence[int]] = None,
    mix_learn_rate_scale: float = DEFAULT_MIX_LEARN_RATE_SCALE,
) -> Model[List[Doc], List[Floats2d]]:
    """Token vectors from `source`'s transformer output, fused with lower layer `layer` (None: last only; "auto": a learned mix; "scalar-mix": ScalarMix.v1's model)."""
    check_dlfa_settings(layer, reduction, candidates, mix_learn_rate_scale)
    # thinc resolves the config default into a layer; a direct Python call without
    # `pooling` gets the dict itself, and configs filled by dlfa-spacy 0.1 say null.
    pool = pooling if isinstance(pooling, Model) else reduce_mean()
    if layer == SCALAR_MIX:
        # The rival, so that a sweep can set it by the same override as k: no AIF at all.
        return scalar_mix_tok2vec(source, pool, grad_factor, mix_learn_rate_scale)
    if layer is None:
        model = chain(source, trfs2arrays(pool, grad_factor))
    else:
        # grad_factor scales what reaches the encoder, not the fusion weights' own
        # gradients, so it is applied inside the fusion layer.
        fusion = AIFFusion(layer, reduction, grad_factor, candidates, mix_learn_rate_scale)
        model = chain(source, fusion, trfs2arrays(pool, 1.0))
        _link_mixer(source, fusion)
    model.set_ref("listener", source)
    return model


def scalar_mix_tok2vec(
    source: Model[List[Doc], List[TransformerData]],
    pooling: Optional[Model[Ragged, Floats2d]] = None,
    grad_factor: float = 1.0,
    mix_learn_rate_scale: float = DEFAULT_MIX_LEARN_RATE_SCALE,
) -> Model[List[Doc], List[Floats2d]]:
    """Token vectors from the learned scalar mix of every hidden state of `source`'s transformer output."""
    pool = pooling if isinstance(pooling, Model) else reduce_mean()
    mix = ScalarMix(grad_factor, mix_learn_rate_scale)
    model = chain(source, mix, trfs2arrays(pool, 1.0))
    _link_mixer(source, mix)
    model.set_ref("listener", source)
    return model


def _link_mixer(source: Model, mixer: Model) -> None:
    """Tell a DLFA listener which layer mixes its output, so the encoder can premix at prediction."""
    # An inline transformer (after replace_listeners) has no such attribute and keeps every layer.
    if hasattr(source, MIXER_ATTR):
        setattr(source, MIXER_ATTR, mixer)
