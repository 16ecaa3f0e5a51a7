"""dlfa_spacy.TransformerModel.v1: spacy-transformers' TransformerModel that also keeps
the lower layers the fusion listeners ask for, and backprops into every layer it keeps."""
import copy
from dataclasses import dataclass
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import numpy
import torch
from spacy.tokens import Doc, Span
from spacy_transformers.align import get_alignment, get_alignment_via_offset_mapping
from spacy_transformers.data_classes import (
    FullTransformerBatch,
    HFObjects,
    TransformerData,
    WordpieceBatch,
)
from spacy_transformers.layers._util import replace_listener, replace_listener_cfg
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
from thinc.types import ArgsKwargs, Floats3d, Ragged
from transformers.file_utils import ModelOutput
from transformers.tokenization_utils_fast import PreTrainedTokenizerFast

from .pairs import find_separator

# Encoder families whose `hidden_states[k]` is exactly the output of layer module k-1,
# so a forward hook can capture layer k without keeping all N+1 hidden states.
_LAYER_MODULE_PATHS = {
    "bert": "encoder.layer",
    "roberta": "encoder.layer",
    "xlm-roberta": "encoder.layer",
    "camembert": "encoder.layer",
    "electra": "encoder.layer",
    "distilbert": "transformer.layer",
}


def layer_key(layer: int) -> str:
    """Key of lower layer `layer` in a TransformerData's model_output."""
    return f"hidden_layer_{layer}"


class LayerGrads:
    """Gradient sink for the kept lower layers of one batch, filled by the fusion layers."""

    def __init__(self, shape: Tuple[int, ...], ops: Any):
        self.shape = shape
        self.ops = ops
        self.arrays: Dict[int, Floats3d] = {}

    def add(self, layer: int, start: int, end: int, d_layer: Floats3d) -> None:
        """Add the gradient of rows start:end (one doc's spans) of lower layer `layer`."""
        if layer not in self.arrays:
            # Allocated on first use: a layer no listener backprops into costs nothing.
            self.arrays[layer] = self.ops.alloc(self.shape, dtype=d_layer.dtype)
        self.arrays[layer][start:end, : d_layer.shape[1]] += d_layer


@dataclass
class LayeredData(TransformerData):
    """TransformerData of one doc that knows where its lower-layer gradients go."""

    grad_sink: Optional[Tuple[LayerGrads, int, int]] = None


@dataclass
class LayeredBatch(FullTransformerBatch):
    """FullTransformerBatch whose per-doc data carry the batch's lower-layer gradient sink."""

    layer_grads: Optional[LayerGrads] = None

    def split_by_doc(self) -> List[TransformerData]:
        """Split per doc, as spacy-transformers does, and attach the gradient sink."""
        outputs: List[TransformerData] = []
        start = 0
        for data, doc_spans in zip(super().split_by_doc(), self.spans):
            # Mirrors the row bookkeeping of FullTransformerBatch.split_by_doc.
            if len(doc_spans) == 0 or len(doc_spans[0]) == 0:
                outputs.append(data)
                continue
            end = start + len(doc_spans)
            sink = (self.layer_grads, start, end) if self.layer_grads is not None else None
            outputs.append(
                LayeredData(
                    wordpieces=data.wordpieces,
                    model_output=data.model_output,
                    align=data.align,
                    grad_sink=sink,
                )
            )
            start = end
        return outputs


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


def forward(
    model: DLFATransformerModel, docs: List[Doc], is_train: bool
) -> Tuple[LayeredBatch, Callable]:
    """Tokenize the docs' spans, run the encoder and keep the requested lower layers."""
    # An empty span (e.g. doc_spans on an empty doc) has nothing to encode and would
    # break the alignment; its doc gets an empty TransformerData instead.
    nested_spans = [[s for s in doc_spans if len(s)] for doc_spans in model.attrs["get_spans"](docs)]
    flat_spans = [span for doc_spans in nested_spans for span in doc_spans]
    maybe_flush_pytorch_cache(chance=model.attrs.get("flush_cache_chance", 0))
    wordpieces, align = tokenize_spans(model.tokenizer, flat_spans)
    layers = list(model.attrs["fusion_layers"])
    n_layers = num_hidden_layers(model)
    for layer in layers:
        check_fusion_layer(layer, n_layers, model.attrs["name"])
    wrapper = model.layers[0]
    wrapper.attrs["fusion_layers"] = layers
    model_output, bp_tensors = wrapper(wordpieces, is_train)
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


def tokenize_spans(tokenizer: Any, spans: List[Span]) -> Tuple[WordpieceBatch, Ragged]:
    """Tokenize spans as spacy-transformers does; a pair span is encoded as a text pair."""
    texts = [span.text for span in spans]
    separators = [find_separator(span, text) for span, text in zip(spans, texts)]
    if all(sep is None for sep in separators):
        # No pairs: exactly spacy-transformers' own tokenization.
        encoding = huggingface_tokenize(tokenizer, texts)
        offsets = encoding.get("offset_mapping")
    else:
        encoding, offsets = _tokenize_with_pairs(tokenizer, spans, separators)
    wordpieces = WordpieceBatch.from_batch_encoding(encoding)
    if offsets is not None:
        align = get_alignment_via_offset_mapping(spans, offsets)
    else:
        align = get_alignment(spans, wordpieces.strings, tokenizer.all_special_tokens)
    return truncate_oversize_splits(wordpieces, align, tokenizer.model_max_length)


def _tokenize_with_pairs(
    tokenizer: Any, spans: List[Span], separators: Sequence[Optional[int]]
) -> Tuple[Dict[str, Any], numpy.ndarray]:
    """Encode pair spans as tokenizer(premise, hypothesis) and the rest as single texts."""
    if not isinstance(tokenizer, PreTrainedTokenizerFast):
        raise ValueError(
            "Sentence-pair docs need a fast tokenizer (offsets tell where the hypothesis "
            "starts): set tokenizer_config = {\"use_fast\": true}."
        )
    rows: List[Tuple[List[int], List[int], List[Tuple[int, int]]]] = []
    for span, sep in zip(spans, separators):
        if sep is None:
            enc = tokenizer(span.text, return_offsets_mapping=True)
            offsets = [tuple(o) for o in enc["offset_mapping"]]
        else:
            enc, offsets = _encode_pair(tokenizer, span, sep)
        type_ids = enc.get("token_type_ids") or [0] * len(enc["input_ids"])
        rows.append((enc["input_ids"], type_ids, offsets))
    width = max(len(ids) for ids, _, _ in rows)
    n = len(rows)
    pad_id = tokenizer.pad_token_id if tokenizer.pad_token_id is not None else 0
    input_ids = numpy.full((n, width), pad_id, dtype="int64")
    type_ids = numpy.full((n, width), tokenizer.pad_token_type_id, dtype="int64")
    mask = numpy.zeros((n, width), dtype="int64")
    offsets = numpy.zeros((n, width, 2), dtype="int64")
    for i, (ids, types, offs) in enumerate(rows):
        input_ids[i, : len(ids)] = ids
        type_ids[i, : len(ids)] = types
        mask[i, : len(ids)] = 1
        offsets[i, : len(ids)] = offs
    encoding: Dict[str, Any] = {
        "input_ids": input_ids,
        "attention_mask": mask,
        "input_texts": [tokenizer.convert_ids_to_tokens(row) for row in input_ids],
        "pad_token": tokenizer.pad_token,
    }
    if "token_type_ids" in tokenizer.model_input_names:
        encoding["token_type_ids"] = type_ids
    return encoding, offsets


def _encode_pair(tokenizer: Any, span: Span, sep: int) -> Tuple[Any, List[Tuple[int, int]]]:
    """Encode one pair span; offsets are made relative to the span's text."""
    text = span.text
    marker = span[sep]
    sep_start = marker.idx - span.start_char
    sep_end = sep_start + len(marker.text)
    first = text[:sep_start].rstrip()
    second_start = len(text) - len(text[sep_end:].lstrip())
    second = text[second_start:]
    # Over-long pairs are cut as the XTREME recipe cuts them (longest text first), so the
    # hypothesis is never lost to the end-truncation of over-long sequences.
    enc = tokenizer(first, second, return_offsets_mapping=True, truncation="longest_first",
                    max_length=tokenizer.model_max_length)
    seq_ids = enc.sequence_ids()
    offsets = [tuple(o) for o in enc["offset_mapping"]]
    last_first = max((j for j, s in enumerate(seq_ids) if s == 0), default=0)
    first_second = min((j for j, s in enumerate(seq_ids) if s == 1), default=len(seq_ids))
    for j, seq in enumerate(seq_ids):
        if seq == 1:
            offsets[j] = (offsets[j][0] + second_start, offsets[j][1] + second_start)
        elif seq is None and last_first < j < first_second:
            # The separator wordpieces between the texts belong to the separator token.
            offsets[j] = (sep_start, sep_end)
    return enc, offsets


def _layer_modules(transformer: torch.nn.Module) -> Optional[Sequence[torch.nn.Module]]:
    """The encoder's layer modules, if a forward hook on them gives hidden_states[k]."""
    path = _LAYER_MODULE_PATHS.get(getattr(transformer.config, "model_type", ""))
    if path is None:
        return None
    node: Any = transformer
    for attr in path.split("."):
        node = getattr(node, attr, None)
        if node is None:
            return None
    return node


def convert_transformer_inputs(model: Model, wps: WordpieceBatch, is_train: bool):
    """Build the HF model's kwargs; arrange for the requested lower layers to be kept."""
    transformer = model.shims[0]._hfmodel.transformer
    device = transformer.device
    kwargs = {
        "input_ids": xp2torch(wps.input_ids, device=device),
        "attention_mask": xp2torch(wps.attention_mask, device=device),
    }
    if wps.token_type_ids is not None:
        kwargs["token_type_ids"] = xp2torch(wps.token_type_ids, device=device)
    _release_hooks(model)
    layers = model.attrs.get("fusion_layers") or []
    if layers:
        modules = _layer_modules(transformer)
        if modules is None:
            # Unknown layout: let HF return all hidden states; the extra ones are
            # dropped again as soon as the output is converted.
            kwargs["output_hidden_states"] = True
        else:
            captured: Dict[int, torch.Tensor] = {}
            handles = [
                modules[layer - 1].register_forward_hook(_capture(captured, layer))
                for layer in layers
            ]
            model.attrs["_capture"] = (captured, handles)
    return ArgsKwargs(args=(), kwargs=kwargs), lambda dX: []


def _capture(store: Dict[int, torch.Tensor], layer: int) -> Callable:
    def hook(module: torch.nn.Module, inputs: Any, output: Any) -> None:
        store[layer] = output[0] if isinstance(output, tuple) else output

    return hook


def _release_hooks(model: Model) -> Dict[int, torch.Tensor]:
    """Remove this call's layer hooks (or a failed call's stale ones); return captures."""
    captured, handles = model.attrs.pop("_capture", ({}, []))
    for handle in handles:
        handle.remove()
    return captured


def convert_transformer_outputs(model: Model, inputs_outputs: Tuple, is_train: bool):
    """Keep the last layer and the requested lower layers; backprop into all of them."""
    _, hf_output = inputs_outputs
    captured = _release_hooks(model)
    layers = model.attrs.get("fusion_layers") or []
    all_hidden = hf_output.get("hidden_states")
    output = ModelOutput()
    for key, value in hf_output.items():
        # All N+1 hidden states would be a large memory cost on every doc.
        if key != "hidden_states":
            output[key] = value
    for layer in layers:
        output[layer_key(layer)] = captured[layer] if layer in captured else all_hidden[layer]

    def backprop(d_output: ModelOutput) -> ArgsKwargs:
        tensors: List[torch.Tensor] = []
        grads: List[torch.Tensor] = []
        for i, (key, d_tensor) in enumerate(d_output.items()):
            if i == 0:
                # spacy-transformers sends the last layer's gradient first, as output_0.
                tensors.append(output.last_hidden_state)
            elif key in output and key.startswith("hidden_layer_"):
                tensors.append(output[key])
            else:
                raise ValueError(
                    f"Unexpected gradient '{key}' for the transformer output; "
                    f"expected the last layer and {[layer_key(k) for k in layers]}"
                )
            grads.append(d_tensor)
        return ArgsKwargs(args=(tuple(tensors),), kwargs={"grad_tensors": grads})

    return output, backprop
