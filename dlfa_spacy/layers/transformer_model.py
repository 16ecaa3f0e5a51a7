"""dlfa_spacy.TransformerModel.v1: spacy-transformers' TransformerModel that also keeps
the lower layers the fusion listeners ask for, and backprops into every layer it keeps."""
import copy
from typing import Any, Callable, List, Optional, Sequence, Tuple

from spacy.tokens import Doc, Span
from spacy_transformers.align import get_alignment, get_alignment_via_offset_mapping
from spacy_transformers.data_classes import (
    FullTransformerBatch,
    HFObjects,
    WordpieceBatch,
)
from spacy_transformers.layers.hf_wrapper import HFWrapper
from spacy_transformers.layers.transformer_model import (
    TransformerModel,
    huggingface_tokenize,
    init,
    set_pytorch_transformer,
)
from spacy_transformers.truncate import truncate_oversize_splits
from spacy_transformers.util import maybe_flush_pytorch_cache
from thinc.api import Model, xp2torch
from thinc.types import Ragged

from ..pairs import encode_pairs, find_separator
from .gradients import LayeredBatch, LayerGrads, layer_key
from .inference_mix import MixPlan
from .layer_capture import MIX_PLANS_ATTR, convert_transformer_inputs, convert_transformer_outputs
from .length_buckets import BUCKET_ROWS, encode_in_buckets
from .long_spans import fit_doc_spans
from .layer_choice import ALL_LOWER, ALL_STATES, Request, resolve_layers
from .replace_listener import replace_listener, replace_listener_cfg


_PADDING_OFFSET_POSITIONS = ("roberta", "xlm-roberta", "camembert")


class DLFATransformerModel(TransformerModel):
    """A TransformerModel whose output also holds the lower layers its listeners fuse."""

    def __init__(
        self,
        name: str,
        get_spans: Callable,
        tokenizer_config: dict = {},
        transformer_config: dict = {},
        mixed_precision: bool = False,
        grad_scaler_config: dict = {},
    ):
        hf_model = HFObjects(None, None, None, tokenizer_config, transformer_config)
        wrapper = HFWrapper(
            hf_model,
            convert_inputs=convert_transformer_inputs,
            convert_outputs=convert_transformer_outputs,
            mixed_precision=mixed_precision,
            grad_scaler_config=grad_scaler_config,
        )
        Model.__init__(
            self,
            "transformer",
            forward,
            init=init,
            layers=[wrapper],
            dims={"nO": None},
            attrs={
                "get_spans": get_spans,
                "name": name,
                "set_transformer": set_pytorch_transformer,
                "has_transformer": False,
                "flush_cache_chance": 0.0,
                "replace_listener": replace_listener,
                "replace_listener_cfg": replace_listener_cfg,
                # Set by the listener link (see listener.py), never by hand.
                "fusion_layers": [],
            },
        )
        # The linked DLFA listeners, weakly (see listener.link_listeners).
        self.linked_listeners: List[Any] = []

    def mix_plans(self) -> List[MixPlan]:
        """What the linked mixing listeners would have the encoder sum at prediction."""
        listeners = [ref() for ref in self.linked_listeners]
        plans = [node.inference_plan() for node in listeners if node is not None]
        return [plan for plan in plans if plan is not None]

    def plain_requests(self, plans: Sequence[MixPlan]) -> List[Request]:
        """The layer requests of the linked listeners that `plans` do not serve."""
        served = {plan.key for plan in plans}
        listeners = [ref() for ref in self.linked_listeners]
        return sorted({request for node in listeners if node is not None and node.mix_key not in served
                       for request in node.requests}, key=str)

    def copy(self) -> "DLFATransformerModel":
        """Copy the model with its attributes, weights and gradients."""
        copied = DLFATransformerModel(self.attrs["name"], self.attrs["get_spans"])
        copied.attrs["fusion_layers"] = list(self.attrs["fusion_layers"])
        copied.params = copy.deepcopy(
            {n: self.get_param(n) if self.has_param(n) else None for n in self.param_names}
        )
        copied.dims = copy.deepcopy(self._dims)
        copied.layers[0] = copy.deepcopy(self.layers[0])
        return copied


def num_hidden_layers(model: TransformerModel) -> int:
    """Number of encoder layers N of the (initialised) transformer."""
    config = model.transformer.config
    for attr in ("num_hidden_layers", "n_layers", "num_layers"):
        if hasattr(config, attr):
            return int(getattr(config, attr))
    raise ValueError(f"Cannot tell how many layers the encoder '{model.attrs['name']}' has")


def check_fusion_layer(layer: int, n_layers: int, encoder: str) -> None:
    """Raise a ValueError unless 1 <= layer <= n_layers - 1."""
    if not isinstance(layer, int) or isinstance(layer, bool) or not 1 <= layer < n_layers:
        raise ValueError(
            f"DLFA fusion layer {layer!r} is out of range for encoder '{encoder}': it has "
            f"{n_layers} layers, so `layer` must be an integer in 1..{n_layers - 1} "
            f"(layer {n_layers} is the last layer, which is always used), or null for no fusion."
        )


def check_requests(requests: Sequence[Request], n_layers: int, encoder: str) -> None:
    """Raise a ValueError unless every requested layer exists below the last of n_layers."""
    if ALL_LOWER in requests and n_layers < 2:
        raise ValueError(
            f"DLFA layer = \"auto\" needs lower layers to mix, but encoder '{encoder}' has {n_layers} layer"
        )
    for layer in resolve_layers(requests, n_layers):
        if layer == 0 and ALL_STATES in requests:
            continue  # the embedding output: only ScalarMix reads it, and it always exists
        check_fusion_layer(layer, n_layers, encoder)


def forward(
    model: DLFATransformerModel, docs: List[Doc], is_train: bool
) -> Tuple[LayeredBatch, Callable]:
    """Tokenize the docs' spans, run the encoder and keep the requested lower layers."""
    # An empty span (e.g. doc_spans on an empty doc) has nothing to encode and would
    # break the alignment; its doc gets an empty TransformerData instead.
    nested_spans = [[s for s in doc_spans if len(s)] for doc_spans in model.attrs["get_spans"](docs)]
    # A span longer than the encoder takes becomes its sentences or segments, not a truncation.
    limit = max_sequence_length(model)
    fitted = fit_doc_spans(model.tokenizer, nested_spans, limit)
    cut = any(len(after) != len(before) for after, before in zip(fitted, nested_spans))
    nested_spans = fitted
    flat_spans = [span for doc_spans in nested_spans for span in doc_spans]
    maybe_flush_pytorch_cache(chance=model.attrs.get("flush_cache_chance", 0))
    wordpieces, align = tokenize_spans(model.tokenizer, flat_spans, limit)
    n_layers = num_hidden_layers(model)
    check_requests(model.attrs["fusion_layers"], n_layers, model.attrs["name"])
    # At prediction the mixing listeners' sums are built in the encoder (inference_mix.py);
    # only the layers that other listeners read are kept.
    plans = [] if is_train else model.mix_plans()
    requests = model.plain_requests(plans) if plans else model.attrs["fusion_layers"]
    layers = resolve_layers(requests, n_layers)
    wrapper = model.layers[0]
    wrapper.attrs["fusion_layers"] = layers
    wrapper.attrs[MIX_PLANS_ATTR] = plans
    try:
        if cut and not is_train and len(wordpieces) > BUCKET_ROWS:
            # A long doc's sentences: less padding in buckets of similar length (length_buckets.py).
            model_output, bp_tensors = encode_in_buckets(wrapper, wordpieces), None
        else:
            model_output, bp_tensors = wrapper(wordpieces, is_train)
    finally:
        del wrapper.attrs[MIX_PLANS_ATTR]
    layer_grads = None
    if is_train and layers:
        layer_grads = LayerGrads(tuple(model_output.last_hidden_state.shape), model.ops)
    output = LayeredBatch(
        spans=nested_spans,
        wordpieces=wordpieces,
        model_output=model_output,
        align=align,
        layer_grads=layer_grads,
    )

    def backprop(d_output: FullTransformerBatch) -> List[Doc]:
        d_model_output = d_output.model_output
        if layer_grads is not None:
            for layer, d_layer in layer_grads.arrays.items():
                d_model_output[layer_key(layer)] = xp2torch(d_layer)
        bp_tensors(d_model_output)
        return docs

    return output, backprop


def max_sequence_length(model: TransformerModel) -> int:
    """Longest input the encoder takes: the tokenizer's limit, capped by the position embeddings."""
    # A local tokenizer saved without model_max_length reports 1e30, which overflows
    # the tokenizer's own truncation and would index past the position embeddings.
    limit = model.tokenizer.model_max_length
    config = model.transformer.config
    positions = getattr(config, "max_position_embeddings", None)
    if positions:
        if getattr(config, "model_type", "") in _PADDING_OFFSET_POSITIONS:
            # These number positions from padding_idx + 1 (XLM-R: 514 embeddings, 512 tokens).
            positions -= config.pad_token_id + 1
        limit = min(limit, positions)
    return int(limit)


def tokenize_spans(tokenizer: Any, spans: List[Span], max_length: Optional[int] = None) -> Tuple[WordpieceBatch, Ragged]:
    """Tokenize spans as spacy-transformers does; a pair span is encoded as a text pair.

    max_length: wordpieces per sequence at most (default: the tokenizer's model_max_length).
    """
    if max_length is None:
        max_length = tokenizer.model_max_length
    texts = [span.text for span in spans]
    separators = [find_separator(span, text) for span, text in zip(spans, texts)]
    if all(sep is None for sep in separators):
        # No pairs: exactly spacy-transformers' own tokenization.
        encoding = huggingface_tokenize(tokenizer, texts)
        offsets = encoding.get("offset_mapping")
    else:
        encoding, offsets = encode_pairs(tokenizer, spans, separators, max_length)
    wordpieces = WordpieceBatch.from_batch_encoding(encoding)
    if offsets is not None:
        align = get_alignment_via_offset_mapping(spans, offsets)
    else:
        align = get_alignment(spans, wordpieces.strings, tokenizer.all_special_tokens)
    return truncate_oversize_splits(wordpieces, align, max_length)
