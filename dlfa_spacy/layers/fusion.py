"""AIFFusion: the Thinc layer that replaces each doc's last layer by its AIF fusion with a lower layer
(or, with layer = "auto", with a learned convex mix of candidate lower layers).

The weights are thinc params (so the lazily inferred width is saved with the pipeline);
the maths is `aif.aif` in torch. This module pads the docs' wordpiece arrays into one
batch (in training, and at prediction on a GPU; on CPU prediction fuses doc by doc), moves
them between thinc and torch, and routes the gradients.
"""
from typing import Callable, Dict, List, Optional, Sequence, Tuple

import torch
from spacy_transformers.data_classes import TransformerData
from thinc.api import (
    Model,
    Ops,
    get_torch_default_device,
    glorot_uniform_init,
    torch2xp,
    xp2torch,
)
from thinc.types import Ints2d
from transformers.file_utils import ModelOutput

from .aif import PARAM_NAMES, SHAPES, STAT_NAMES, aif
from .gradients import LayeredData, layer_key, layer_of_key
from .inference_mix import PLANNED_MIX_ATTR, PREMIXED_KEY, premixed_only
from .layer_choice import LayerSetting, is_auto
from .layer_mix import DEFAULT_MIX_LEARN_RATE_SCALE, mix_layers, mix_logits_gradient, mix_weights_of
from .trained_settings import SETTINGS_ATTR, TrainedSettings

# The logits a of "auto"'s mix softmax(a) over the candidate layers.
MIX_PARAM = "mix_logits"


def AIFFusion(
    layer: LayerSetting,
    reduction: int = 4,
    grad_factor: float = 1.0,
    candidates: Optional[Sequence[int]] = None,
    mix_learn_rate_scale: float = DEFAULT_MIX_LEARN_RATE_SCALE,
) -> Model[List[TransformerData], List[TransformerData]]:
    """Replace each doc's last layer by its AIF fusion with lower layer `layer`, or with a learned mix ("auto")."""
    auto = is_auto(layer)
    dims: Dict[str, Optional[int]] = {"nO": None, "nH": None}
    params: Dict[str, None] = {name: None for name in PARAM_NAMES}
    if auto:
        dims["nC"] = None
        params[MIX_PARAM] = None
    return Model(
        "aif-fusion",
        forward,
        init=init,
        dims=dims,
        params=params,
        attrs={
            "layer": layer,
            # "auto" without candidates: every lower layer, filled in at initialisation
            # from the transformer output and saved with the pipeline from then on.
            "candidates": list(candidates) if candidates else None,
            "reduction": reduction,
            "grad_factor": grad_factor,
            # "auto" only: how much faster than the optimizer's rate the mix logits move (layer_mix.py).
            "mix_learn_rate_scale": float(mix_learn_rate_scale),
            SETTINGS_ATTR: TrainedSettings(layer, tuple(candidates) if candidates else None, reduction,
                                           float(mix_learn_rate_scale) if auto else None),
            PLANNED_MIX_ATTR: planned_mix,
        },
    )


def fused_layers(model: Model) -> List[int]:
    """The lower layers this fusion layer reads: [k], or the candidates of "auto"."""
    if is_auto(model.attrs["layer"]):
        candidates = model.attrs["candidates"]
        if not candidates:
            raise ValueError("The DLFA fusion layer with layer = \"auto\" is not initialised: run nlp.initialize()")
        return list(candidates)
    return [model.attrs["layer"]]


def planned_mix(model: Model) -> Optional[Tuple[List[int], List[float]]]:
    """(candidates, weights) of an initialised "auto" fusion, for the encoder to mix at prediction; else None."""
    if not is_auto(model.attrs["layer"]) or not model.has_param(MIX_PARAM) or not model.attrs["candidates"]:
        return None
    return list(model.attrs["candidates"]), _mix(model)


def mix_weights(model: Model) -> Dict[int, float]:
    """{layer: weight} of an initialised "auto" fusion layer's learned mix (the softmax of its logits)."""
    return dict(zip(fused_layers(model), _mix(model)))


def _mix(model: Model) -> List[float]:
    """The mix weights softmax(scale * theta) of an initialised "auto" fusion."""
    return mix_weights_of(model.ops, model.get_param(MIX_PARAM), _scale(model))


def _scale(model: Model) -> float:
    # Pipelines saved before the scale existed have no such attr; they were trained at scale 1.
    return float(model.attrs.get("mix_learn_rate_scale", 1.0))


def init(
    model: Model, X: Optional[List[TransformerData]] = None, Y: Optional[object] = None
) -> None:
    """Infer the width (and the candidates of "auto") from the transformer output; allocate the weights."""
    if not model.has_dim("nO"):
        widths = [d.width for d in X or [] if "last_hidden_state" in d.model_output]
        if not widths:
            raise ValueError(
                "Cannot initialise the DLFA fusion layer: no transformer output to infer "
                "the encoder width from."
            )
        model.set_dim("nO", widths[0])
    width = model.get_dim("nO")
    model.set_dim("nH", max(1, width // model.attrs["reduction"]))
    dims = {"nO": width, "nH": model.get_dim("nH")}
    for name in PARAM_NAMES:
        shape = tuple(dims[d] for d in SHAPES[name.split("_", 1)[1]])
        if name.endswith(("_W1", "_W2")):
            value = glorot_uniform_init(model.ops, shape)
        elif name.endswith(("_gamma", "_var")):
            value = model.ops.xp.ones(shape, dtype="f")
        else:
            value = model.ops.alloc(shape, dtype="f")
        model.set_param(name, value)
    if is_auto(model.attrs["layer"]):
        if not model.attrs["candidates"]:
            # Every lower layer the transformer kept for this component: 1..N-1.
            found = {layer_of_key(key) for d in X or [] for key in d.model_output}
            found.discard(None)
            if not found:
                raise ValueError(
                    "Cannot initialise the DLFA fusion layer with layer = \"auto\": the transformer "
                    "output holds no lower layers to mix."
                )
            model.attrs["candidates"] = sorted(found)
        model.set_dim("nC", len(model.attrs["candidates"]))
        # Zero logits: the mix starts as the plain mean of the candidates.
        model.set_param(MIX_PARAM, model.ops.alloc((model.get_dim("nC"),), dtype="f"))


def forward(
    model: Model, datas: List[TransformerData], is_train: bool
) -> Tuple[List[TransformerData], Callable]:
    """Fuse every doc with transformer output; pass empty docs through."""
    layers = fused_layers(model)
    rows = [i for i, d in enumerate(datas) if _has_output(d)]
    if not rows:
        return datas, lambda d_datas: d_datas
    premixed = premixed_only([datas[i] for i in rows], is_train, "The DLFA fusion with layer = \"auto\"")
    for i in rows if not premixed else []:
        for layer in layers:
            _check_has_layer(datas[i], layer)
    if not is_train and predicts_each_doc(model.ops):
        return _predict_each(model, datas, rows, layers, premixed), lambda d_datas: d_datas
    lasts = [datas[i].model_output["last_hidden_state"] for i in rows]
    masks = [datas[i].wordpieces.attention_mask for i in rows]
    length = max(x.shape[1] for x in lasts)
    # Computed in the encoder's precision (float32 normally; float64 in exactness tests).
    dtype = lasts[0].dtype
    device = get_torch_default_device()
    last = xp2torch(_pad_concat(model.ops, lasts, length, dtype), requires_grad=is_train, device=device)
    # Each candidate's padded batch array, built when needed and dropped after use.
    candidates = [_padded_layer(model.ops, [datas[i] for i in rows], layer, length, dtype) for layer in layers]
    mix = _mix(model) if model.has_param(MIX_PARAM) else [1.0]
    if premixed:
        # The encoder summed the candidates as it made them (inference_mix.py).
        lower_xp = _pad_concat(model.ops, [datas[i].model_output[PREMIXED_KEY] for i in rows], length, dtype)
    else:
        lower_xp = mix_layers(model.ops, candidates, mix) if model.has_param(MIX_PARAM) else candidates[0]()
    lower = xp2torch(lower_xp, requires_grad=is_train, device=device)
    mask = xp2torch(_pad_concat_mask(model.ops, masks, length), device=device)
    weights = {
        name: xp2torch(model.get_param(name), device=device, requires_grad=is_train and name not in STAT_NAMES)
        for name in PARAM_NAMES
    }
    params = {name: value.to(last.dtype) for name, value in weights.items()}
    with torch.set_grad_enabled(is_train):
        fused = aif(lower, last, mask, params, training=is_train)
    if is_train:
        for name in STAT_NAMES:
            stats = torch2xp(params[name].detach(), ops=model.ops)
            model.set_param(name, model.ops.xp.ascontiguousarray(stats, dtype="f"))
    fused_xp = torch2xp(fused.detach(), ops=model.ops)
    outputs = list(datas)
    bounds = _row_bounds(lasts)
    for i, (start, end), x in zip(rows, bounds, lasts):
        outputs[i] = TransformerData(
            wordpieces=datas[i].wordpieces,
            model_output=ModelOutput(last_hidden_state=fused_xp[start:end, : x.shape[1]]),
            align=datas[i].align,
        )

    def backprop(d_outputs: List[TransformerData]) -> List[TransformerData]:
        # trfs2arrays returns gradients only for docs with a last layer, in order.
        with_output = [i for i, o in enumerate(outputs) if "last_hidden_state" in o.model_output]
        d_by_doc = dict(zip(with_output, d_outputs))
        d_fused = model.ops.alloc(tuple(fused.shape), dtype=dtype)
        for i, (start, end) in zip(rows, bounds):
            d = d_by_doc[i].model_output["last_hidden_state"]
            d_fused[start:end, : d.shape[1]] = d
        torch.autograd.backward(fused, grad_tensors=xp2torch(d_fused, device=device))
        for name in PARAM_NAMES:
            if weights[name].grad is not None:
                model.inc_grad(name, torch2xp(weights[name].grad, ops=model.ops))
        d_lower = torch2xp(lower.grad, ops=model.ops)
        if model.has_param(MIX_PARAM):
            # a = scale * theta: the chain rule scales theta's gradient by the same factor.
            model.inc_grad(MIX_PARAM, mix_logits_gradient(model.ops, candidates, mix, d_lower) * _scale(model))
        factor = model.attrs["grad_factor"]
        d_last = torch2xp(last.grad, ops=model.ops) * factor
        results = dict(d_by_doc)
        for i, (start, end), x in zip(rows, bounds, lasts):
            # Only data from a training batch of dlfa_spacy.TransformerModel.v1 carries a
            # sink; with a frozen transformer the lower layers' gradients have nowhere to go.
            if isinstance(datas[i], LayeredData) and datas[i].grad_sink is not None:
                grads, first, _ = datas[i].grad_sink
                d_doc = d_lower[start:end, : x.shape[1]]
                # dL_j = softmax(a)_j * dM: each candidate gets its share of the mix's gradient.
                for layer, weight in zip(layers, mix):
                    grads.add(layer, first, first + (end - start), d_doc * (weight * factor))
            results[i] = TransformerData(
                wordpieces=datas[i].wordpieces,
                model_output=ModelOutput(last_hidden_state=d_last[start:end, : x.shape[1]]),
                align=datas[i].align,
            )
        return [results[i] for i in with_output]

    return outputs, backprop


def predicts_each_doc(ops: Ops) -> bool:
    """Whether prediction fuses doc by doc (on CPU) rather than as one padded batch (on a GPU)."""
    # Prediction needs no batch statistics (BatchNorm uses its running ones) and no gradients,
    # so a doc can be fused on its own arrays. On CPU that saves the padded copy of the batch
    # and the work on padding. On a GPU each doc would cost a round of kernel launches and a
    # device sync (the mask's nonzero): on an H100 that made prediction 2.3 times slower.
    return ops.device_type == "cpu"


def _predict_each(
    model: Model, datas: List[TransformerData], rows: List[int], layers: List[int], premixed: bool
) -> List[TransformerData]:
    """Each doc's fusion at prediction, computed on its own (unpadded across docs) arrays."""
    device = get_torch_default_device()
    mix = _mix(model) if model.has_param(MIX_PARAM) else None
    params_by_dtype: Dict[torch.dtype, Dict[str, torch.Tensor]] = {}
    outputs = list(datas)
    for i in rows:
        data = datas[i]
        last_xp = data.model_output["last_hidden_state"]
        if premixed:
            lower_xp = data.model_output[PREMIXED_KEY]
        elif mix is not None:
            lower_xp = mix_layers(model.ops, [lambda k=k: data.model_output[layer_key(k)] for k in layers], mix)
        else:
            lower_xp = data.model_output[layer_key(layers[0])]
        last = xp2torch(last_xp, device=device)
        lower = xp2torch(model.ops.xp.ascontiguousarray(lower_xp, dtype=last_xp.dtype), device=device)
        mask = xp2torch(_pad_concat_mask(model.ops, [data.wordpieces.attention_mask], last_xp.shape[1]), device=device)
        if last.dtype not in params_by_dtype:
            # Converted once per batch, not once per doc: every doc of a batch shares the encoder's dtype.
            params_by_dtype[last.dtype] = {name: xp2torch(model.get_param(name), device=device).to(last.dtype)
                                           for name in PARAM_NAMES}
        params = params_by_dtype[last.dtype]
        with torch.no_grad():
            fused = aif(lower, last, mask, params, training=False)
        outputs[i] = TransformerData(wordpieces=data.wordpieces, align=data.align,
                                     model_output=ModelOutput(last_hidden_state=torch2xp(fused, ops=model.ops)))
    return outputs


def _check_has_layer(data: TransformerData, layer: int) -> None:
    """Raise a ValueError saying why a doc's transformer output lacks lower layer `layer`."""
    if layer_key(layer) in data.model_output:
        return
    if layer in getattr(data, "dropped_layers", ()):
        raise ValueError(
            f"Layer {layer} is no longer in this doc's doc._.trf_data: the pipeline dropped "
            "it after the last component that fuses it had read it, so that processed docs "
            "hold no more than a stock spacy-transformers pipeline keeps. To run a DLFA "
            "component again, run the transformer again too: nlp(doc.text), or "
            "nlp.get_pipe(\"transformer\")(doc) before the component."
        )
    raise ValueError(
        f"The transformer output has no layer {layer} to fuse. The upstream "
        "transformer component must use @architectures = "
        "\"dlfa_spacy.TransformerModel.v1\" (it keeps the layers its DLFA "
        "listeners ask for)."
    )


def _padded_layer(ops: Ops, datas: List[TransformerData], layer: int, length: int, dtype) -> Callable:
    """A function building lower layer `layer` of the docs as one zero-padded batch array."""
    return lambda: _pad_concat(ops, [d.model_output[layer_key(layer)] for d in datas], length, dtype)


def _has_output(data: TransformerData) -> bool:
    last = data.model_output.get("last_hidden_state") if data.model_output else None
    return last is not None and last.size > 0


def _row_bounds(arrays: List) -> List[Tuple[int, int]]:
    bounds = []
    start = 0
    for x in arrays:
        bounds.append((start, start + x.shape[0]))
        start += x.shape[0]
    return bounds


def _pad_concat(ops, arrays: List, length: int, dtype):
    """Concatenate (n_i, T_i, E) arrays into one (sum n_i, length, E) array, zero padded."""
    if all(x.shape[1] == length for x in arrays):
        return ops.xp.ascontiguousarray(ops.xp.concatenate(arrays, axis=0), dtype=dtype)
    out = ops.alloc((sum(x.shape[0] for x in arrays), length, arrays[0].shape[2]), dtype=dtype)
    for (start, end), x in zip(_row_bounds(arrays), arrays):
        out[start:end, : x.shape[1]] = x
    return out


def _pad_concat_mask(ops: Ops, masks: List, length: int) -> Ints2d:
    """The (sum n_i, length) 0/1 mask of real wordpieces, on the model's device."""
    out = ops.xp.zeros((sum(m.shape[0] for m in masks), length), dtype="int32")
    start = 0
    for m in masks:
        # Tokenizer masks are host arrays, those of TransformerData.zeros device arrays:
        # ops.asarray puts either where the model's arrays are, with no implicit copy.
        m = ops.asarray(m)
        out[start : start + m.shape[0], : m.shape[1]] = m > 0
        start += m.shape[0]
    return out
