"""ScalarMix: every hidden state of the encoder mixed with learned softmax weights and a scale (ELMo, UDify).

    M = gamma * sum_{j=0..N} softmax(s)_j * h_j

h_0 is the embedding output, h_N the last layer. Unlike AIF there is no per-token gate:
one weight per layer for the whole corpus. The weights `s` start at 0 (the plain mean of
the layers) and gamma at 1. Each doc is mixed on its own arrays (no padding needed, as
nothing mixes across docs); the lower layers' gradients go to the batch's gradient sink
(`gradients.py`), the last layer's back through the listener as usual.
"""
from typing import Callable, Dict, List, Optional, Tuple

from spacy_transformers.data_classes import TransformerData
from thinc.api import Model
from transformers.file_utils import ModelOutput

from .gradients import LayeredData, layer_key, layer_of_key
from .inference_mix import PLANNED_MIX_ATTR, PREMIXED_KEY, premixed_only
from .layer_mix import DEFAULT_MIX_LEARN_RATE_SCALE, mix_weights_of

WEIGHTS_PARAM = "scalar_logits"
SCALE_PARAM = "scalar_gamma"


def ScalarMix(
    grad_factor: float = 1.0, mix_learn_rate_scale: float = DEFAULT_MIX_LEARN_RATE_SCALE
) -> Model[List[TransformerData], List[TransformerData]]:
    """Replace each doc's last layer by gamma times the softmax-weighted sum of all its hidden states."""
    return Model(
        "scalar-mix",
        forward,
        init=init,
        dims={"nS": None},
        params={WEIGHTS_PARAM: None, SCALE_PARAM: None},
        # The lower states mixed (0..N-1), set at initialisation and saved with the pipeline.
        attrs={"states": None, "grad_factor": grad_factor, PLANNED_MIX_ATTR: planned_mix,
               # How much faster than the optimizer's rate the layer logits move (layer_mix.py).
               "mix_learn_rate_scale": float(mix_learn_rate_scale)},
    )


def planned_mix(model: Model) -> Optional[Tuple[List[int], List[float]]]:
    """(lower states, their weights) of an initialised mix, for the encoder to sum at prediction; else None."""
    if not model.attrs["states"] or not model.has_param(WEIGHTS_PARAM):
        return None
    return lower_states(model), _weights(model)[:-1]


def lower_states(model: Model) -> List[int]:
    """The hidden states below the last one that the mix reads: 0 (embeddings) .. N-1."""
    states = model.attrs["states"]
    if not states:
        raise ValueError("The ScalarMix layer is not initialised: run nlp.initialize()")
    return list(states)


def scalar_mix_weights(model: Model) -> Dict[int, float]:
    """{hidden state: weight} of the learned mix, the last layer as N (gamma not included)."""
    states = lower_states(model) + [max(lower_states(model)) + 1]
    return dict(zip(states, _weights(model)))


def _scale(model: Model) -> float:
    # Pipelines saved before the scale existed have no such attr; they were trained at scale 1.
    return float(model.attrs.get("mix_learn_rate_scale", 1.0))


def _weights(model: Model) -> List[float]:
    """softmax(scale * s): the weights of every hidden state, the last one's last."""
    return mix_weights_of(model.ops, model.get_param(WEIGHTS_PARAM), _scale(model))


def init(model: Model, X: Optional[List[TransformerData]] = None, Y: Optional[object] = None) -> None:
    """Find the hidden states the transformer keeps (0..N-1); zero weights, gamma 1."""
    if not model.attrs["states"]:
        found = sorted({layer_of_key(k) for d in X or [] for k in d.model_output} - {None})
        if not found or found != list(range(len(found))):
            raise ValueError(
                "Cannot initialise ScalarMix: the transformer output must hold every hidden state "
                f"0..N-1 (embeddings and lower layers), found {found}; the upstream transformer must "
                "use @architectures = \"dlfa_spacy.TransformerModel.v1\""
            )
        model.attrs["states"] = found
    model.set_dim("nS", len(model.attrs["states"]) + 1)
    model.set_param(WEIGHTS_PARAM, model.ops.alloc((model.get_dim("nS"),), dtype="f"))
    model.set_param(SCALE_PARAM, model.ops.xp.ones((1,), dtype="f"))


def _states_of(data: TransformerData, lower: List[int]) -> List:
    """The doc's hidden states 0..N: each lower layer, then the last."""
    missing = [k for k in lower if layer_key(k) not in data.model_output]
    if missing:
        raise ValueError(
            f"The transformer output has no hidden states {missing} to mix: ScalarMix needs the "
            "upstream transformer component to use @architectures = \"dlfa_spacy.TransformerModel.v1\""
        )
    return [data.model_output[layer_key(k)] for k in lower] + [data.model_output["last_hidden_state"]]


def forward(model: Model, datas: List[TransformerData], is_train: bool) -> Tuple[List[TransformerData], Callable]:
    """Mix every doc with transformer output; pass empty docs through."""
    lower = lower_states(model)
    weights = _weights(model)
    gamma = float(model.ops.to_numpy(model.get_param(SCALE_PARAM))[0])
    rows = [i for i, d in enumerate(datas) if _has_output(d)]
    outputs = list(datas)
    unscaled = {}
    premixed = premixed_only([datas[i] for i in rows], is_train, "ScalarMix")
    for i in rows:
        if premixed:
            # The encoder summed the lower states as it made them (inference_mix.py).
            last = datas[i].model_output["last_hidden_state"]
            mixed = datas[i].model_output[PREMIXED_KEY] + last * weights[-1]
        else:
            states = _states_of(datas[i], lower)
            mixed = states[0] * weights[0]
            for state, weight in zip(states[1:], weights[1:]):
                mixed = mixed + state * weight
        unscaled[i] = mixed
        outputs[i] = TransformerData(wordpieces=datas[i].wordpieces, align=datas[i].align,
                                     model_output=ModelOutput(last_hidden_state=mixed * gamma))

    def backprop(d_outputs: List[TransformerData]) -> List[TransformerData]:
        # trfs2arrays returns gradients only for docs with a last layer, in order.
        with_output = [i for i, o in enumerate(outputs) if "last_hidden_state" in o.model_output]
        d_by_doc = dict(zip(with_output, d_outputs))
        factor = model.attrs["grad_factor"]
        # Sums stay on the model's device until one transfer at the end: a float() per doc
        # and state would wait for the GPU 13 times a doc.
        xp = model.ops.xp
        dots = [xp.zeros((), dtype="f") for _ in weights]
        d_gamma = xp.zeros((), dtype="f")
        results = dict(d_by_doc)
        for i in rows:
            d_mixed = d_by_doc[i].model_output["last_hidden_state"]
            states = _states_of(datas[i], lower)
            # dM/dgamma = the unscaled mix; dM/dh_j = gamma * w_j; dM/dw_j = gamma * h_j.
            d_gamma = d_gamma + (d_mixed * unscaled[i]).sum()
            for j, state in enumerate(states):
                dots[j] = dots[j] + (d_mixed * state).sum()
            if isinstance(datas[i], LayeredData) and datas[i].grad_sink is not None:
                grads, first, end = datas[i].grad_sink
                for layer, weight in zip(lower, weights):
                    grads.add(layer, first, end, d_mixed * (gamma * weight * factor))
            results[i] = TransformerData(
                wordpieces=datas[i].wordpieces, align=datas[i].align,
                model_output=ModelOutput(last_hidden_state=d_mixed * (gamma * weights[-1] * factor)),
            )
        totals = [float(x) for x in model.ops.to_numpy(xp.stack([d_gamma, *dots]))]
        d_gamma, dots = totals[0], [gamma * dot for dot in totals[1:]]
        mean = sum(w * g for w, g in zip(weights, dots))
        # The softmax Jacobian, as layer_mix.mix_logits_gradient.
        scale = _scale(model)  # the logits are scale * s: the chain rule scales s's gradient
        model.inc_grad(WEIGHTS_PARAM, model.ops.asarray1f([scale * w * (g - mean) for w, g in zip(weights, dots)]))
        model.inc_grad(SCALE_PARAM, model.ops.asarray1f([d_gamma]))
        return [results[i] for i in with_output]

    return outputs, backprop


def _has_output(data: TransformerData) -> bool:
    last = data.model_output.get("last_hidden_state") if data.model_output else None
    return last is not None and last.size > 0
