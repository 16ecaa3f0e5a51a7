"""Keep exactly the lower layers the listeners fuse, and backprop into every kept layer.

These are the HFWrapper's input and output converters. Forward hooks on the encoder's
layer modules capture `hidden_states[k]` for each requested k, so the N+1 hidden states
of `output_hidden_states` are never all kept. The output converter's backprop sends the
last layer's and the lower layers' gradients in one `torch.autograd.backward` call: the
stock converter backprops through `last_hidden_state` only and would drop the rest.
"""
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import torch
from spacy_transformers.data_classes import WordpieceBatch
from thinc.api import Model, xp2torch
from thinc.types import ArgsKwargs
from transformers.file_utils import ModelOutput

from .gradients import layer_key
from .inference_mix import RunningMixes

# The wrapper attr holding this call's MixPlans (set by the transformer model's forward).
MIX_PLANS_ATTR = "_mix_plans"

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


def _embeddings_module(transformer: torch.nn.Module) -> Optional[torch.nn.Module]:
    """The module whose output is hidden_states[0] (the embeddings), for the known layouts."""
    if getattr(transformer.config, "model_type", "") not in _LAYER_MODULE_PATHS:
        return None
    return getattr(transformer, "embeddings", None)


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
    mixes = RunningMixes(model.attrs.get(MIX_PLANS_ATTR) or [])
    hooked = sorted(set(layers) | set(mixes.layers))
    if hooked:
        modules = _layer_modules(transformer)
        embeddings = _embeddings_module(transformer) if 0 in hooked else None
        if modules is None or (0 in hooked and embeddings is None):
            # Unknown layout: let HF return all hidden states; the extra ones are
            # dropped again as soon as the output is converted.
            kwargs["output_hidden_states"] = True
            model.attrs["_capture"] = ({}, [], mixes, False)
        else:
            captured: Dict[int, torch.Tensor] = {}
            # hidden_states[k] is the output of layer module k-1, and hidden_states[0] that of the embeddings.
            handles = [
                (modules[layer - 1] if layer > 0 else embeddings).register_forward_hook(
                    _capture(captured if layer in layers else None, mixes, layer))
                for layer in hooked
            ]
            model.attrs["_capture"] = (captured, handles, mixes, True)
    return ArgsKwargs(args=(), kwargs=kwargs), lambda dX: []


def _capture(store: Optional[Dict[int, torch.Tensor]], mixes: RunningMixes, layer: int) -> Callable:
    def hook(module: torch.nn.Module, inputs: Any, output: Any) -> None:
        hidden = output[0] if isinstance(output, tuple) else output
        if store is not None:
            store[layer] = hidden
        mixes.add(layer, hidden)

    return hook


def _release_hooks(model: Model) -> Tuple[Dict[int, torch.Tensor], RunningMixes, bool]:
    """Remove this call's layer hooks (or a failed call's stale ones); return (captures, mixes, whether hooked)."""
    captured, handles, mixes, hooked = model.attrs.pop("_capture", ({}, [], RunningMixes([]), False))
    for handle in handles:
        handle.remove()
    return captured, mixes, hooked


def convert_transformer_outputs(model: Model, inputs_outputs: Tuple, is_train: bool):
    """Keep the last layer and the requested lower layers; backprop into all of them."""
    _, hf_output = inputs_outputs
    captured, mixes, hooked = _release_hooks(model)
    layers = model.attrs.get("fusion_layers") or []
    all_hidden = hf_output.get("hidden_states")
    output = ModelOutput()
    for key, value in hf_output.items():
        # All N+1 hidden states would be a large memory cost on every doc.
        if key != "hidden_states":
            output[key] = value
    for layer in layers:
        output[layer_key(layer)] = captured[layer] if layer in captured else all_hidden[layer]
    dtype = hf_output["last_hidden_state"].dtype
    for key, mixed in mixes.outputs(dtype, None if hooked else all_hidden).items():
        output[key] = mixed

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
