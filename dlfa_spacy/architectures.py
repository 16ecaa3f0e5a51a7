"""Registered architectures: thin functions that build the layers of this package."""
from typing import Callable, List, Optional, Union

from spacy.tokens import Doc
from spacy.util import registry
from spacy_transformers.data_classes import FullTransformerBatch
from thinc.api import Model
from thinc.types import Floats2d, Ragged

from .layers import DLFATransformerModel, FusionListener
from .layers.dlfa_tok2vec import check_dlfa_settings, dlfa_tok2vec, scalar_mix_tok2vec
from .layers.layer_mix import DEFAULT_MIX_LEARN_RATE_SCALE, check_mix_scale
from .layers.replace_listener import inline_transformer
from .results import SCALAR_MIX
from .layers.pair_regressor import pair_regressor
from .layers.sequence_classifier import sequence_classifier
from .layers.token_classifier import token_classifier

# thinc resolves a promise given as a default, so `spacy init fill-config` writes it out.
DEFAULT_POOLING = {"@layers": "reduce_mean.v1"}


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
    layer: Union[int, str, None],
    reduction: int = 4,
    pooling: Optional[Model[Ragged, Floats2d]] = DEFAULT_POOLING,  # type: ignore[assignment]
    grad_factor: float = 1.0,
    upstream: str = "*",
    candidates: Optional[List[int]] = None,
    mix_learn_rate_scale: float = DEFAULT_MIX_LEARN_RATE_SCALE,
) -> Model[List[Doc], List[Floats2d]]:
    """Token vectors from the AIF fusion of the transformer's last layer with lower layer `layer` (null: last layer only; "auto": a learned mix of `candidates`, default every lower layer, whose logits learn `mix_learn_rate_scale` times faster than the optimizer's rate)."""
    check_dlfa_settings(layer, reduction, candidates, mix_learn_rate_scale)
    listener = FusionListener(upstream_name=upstream, layer=layer, candidates=candidates)
    return dlfa_tok2vec(listener, layer, reduction, pooling, grad_factor, candidates, mix_learn_rate_scale)


@registry.architectures("dlfa_spacy.Tok2VecTransformer.v1")
def tok2vec_transformer_v1(
    name: str,
    get_spans: Callable,
    layer: Union[int, str, None],
    tokenizer_config: dict = {"use_fast": True},
    transformer_config: dict = {},
    mixed_precision: bool = False,
    grad_scaler_config: dict = {},
    reduction: int = 4,
    pooling: Optional[Model[Ragged, Floats2d]] = DEFAULT_POOLING,  # type: ignore[assignment]
    grad_factor: float = 1.0,
    candidates: Optional[List[int]] = None,
    mix_learn_rate_scale: float = DEFAULT_MIX_LEARN_RATE_SCALE,
) -> Model[List[Doc], List[Floats2d]]:
    """DLFA.v1 with its own transformer instead of a listener: what replace_listeners makes of DLFA.v1."""
    check_dlfa_settings(layer, reduction, candidates, mix_learn_rate_scale)
    trf = transformer_model_v1(name, get_spans, tokenizer_config, transformer_config, mixed_precision,
                               grad_scaler_config)
    return dlfa_tok2vec(inline_transformer(trf, layer, candidates), layer, reduction, pooling, grad_factor,
                        candidates, mix_learn_rate_scale)


@registry.architectures("dlfa_spacy.PairRegressor.v1")
def pair_regressor_v1(
    tok2vec: Model[List[Doc], List[Floats2d]], hidden_width: int = 64, max_score: float = 5.0,
    pooling: str = "mean",
) -> Model[List[Doc], Floats2d]:
    """The similarity_regressor model: a pair doc's mean token vector ("mean") or [CLS] wordpiece ("cls") to a score in 0..max_score."""
    return pair_regressor(tok2vec, hidden_width, max_score, pooling)


@registry.architectures("dlfa_spacy.ScalarMix.v1")
def scalar_mix_v1(
    pooling: Optional[Model[Ragged, Floats2d]] = DEFAULT_POOLING,  # type: ignore[assignment]
    grad_factor: float = 1.0,
    upstream: str = "*",
    mix_learn_rate_scale: float = DEFAULT_MIX_LEARN_RATE_SCALE,
) -> Model[List[Doc], List[Floats2d]]:
    """Token vectors from gamma * sum_j softmax(s)_j h_j over every hidden state (embeddings included): the scalar-mix rival of DLFA; s learns `mix_learn_rate_scale` times faster than the optimizer's rate."""
    check_mix_scale(mix_learn_rate_scale, "ScalarMix.v1")
    listener = FusionListener(upstream_name=upstream, layer=SCALAR_MIX)
    return scalar_mix_tok2vec(listener, pooling, grad_factor, mix_learn_rate_scale)


@registry.architectures("dlfa_spacy.ScalarMixTransformer.v1")
def scalar_mix_transformer_v1(
    name: str,
    get_spans: Callable,
    tokenizer_config: dict = {"use_fast": True},
    transformer_config: dict = {},
    mixed_precision: bool = False,
    grad_scaler_config: dict = {},
    pooling: Optional[Model[Ragged, Floats2d]] = DEFAULT_POOLING,  # type: ignore[assignment]
    grad_factor: float = 1.0,
    mix_learn_rate_scale: float = DEFAULT_MIX_LEARN_RATE_SCALE,
) -> Model[List[Doc], List[Floats2d]]:
    """ScalarMix.v1 with its own transformer instead of a listener: what replace_listeners makes of ScalarMix.v1."""
    check_mix_scale(mix_learn_rate_scale, "ScalarMixTransformer.v1")
    trf = transformer_model_v1(name, get_spans, tokenizer_config, transformer_config, mixed_precision,
                               grad_scaler_config)
    return scalar_mix_tok2vec(inline_transformer(trf, SCALAR_MIX), pooling, grad_factor, mix_learn_rate_scale)


@registry.architectures("dlfa_spacy.TokenClassifier.v1")
def token_classifier_v1(
    tok2vec: Model[List[Doc], List[Floats2d]], nO: Optional[int] = None, dropout: float = 0.1
) -> Model[List[Doc], List[Floats2d]]:
    """XTREME's tagging head: dropout and a linear layer to label logits on each token's vector (its first wordpiece with reduce_first pooling)."""
    return token_classifier(tok2vec, nO, dropout)


@registry.architectures("dlfa_spacy.SequenceClassifier.v1")
def sequence_classifier_v1(
    tok2vec: Model[List[Doc], List[Floats2d]], nO: Optional[int] = None, head: str = "bert", dropout: float = 0.1
) -> Model[List[Doc], Floats2d]:
    """XTREME's sentence-pair head on the (fused) [CLS]: "bert" (pretrained pooler, dropout, linear) or "roberta" (XLM-R's head)."""
    return sequence_classifier(tok2vec, nO, head, dropout)
