"""Mixing as the layers are made: at prediction, `auto`'s and ScalarMix's weighted sums are built in the encoder.

Kept whole, the 11 candidate layers of `auto` (or the 13 hidden states of the scalar mix)
cost 1.2 to 1.35 times the stock pipeline's peak memory. At prediction no gradient needs
them, so the transformer adds each one, weighted, into a running sum inside the forward
hook that captures it, and drops it: the doc then holds one mixed array per mixing
listener (under that listener's `mix_key`), which the listener hands on as PREMIXED_KEY.
In training the candidates are kept, as the mix weights' gradient needs each of them.
"""
from dataclasses import dataclass
from typing import Dict, List, Optional, Sequence, Tuple

import torch

# The model_output key under which a listener hands its premixed lower layers to the mixer.
PREMIXED_KEY = "premixed_lower"
# The listener's attribute naming the layer that mixes its output ("auto"'s fusion, ScalarMix),
# and that layer's attr: a function of the layer giving (layers, weights), or None before it is initialised.
MIXER_ATTR = "mixer"
PLANNED_MIX_ATTR = "planned_mix"
_MIX_KEY_PREFIX = "mixed_for_listener_"


def premixed_only(rows: Sequence[object], is_train: bool, what: str) -> bool:
    """Whether every doc's data came premixed; an error in training, where the mix needs its layers."""
    found = [PREMIXED_KEY in data.model_output for data in rows]  # type: ignore[attr-defined]
    if not any(found):
        return False
    if is_train or not all(found):
        raise ValueError(
            f"{what} got lower layers that the transformer had already mixed for prediction, in "
            "training: its mix weights learn from each layer, which a prediction run drops as soon as it "
            "has added it in. Train this component together with its transformer (not frozen), so "
            "that the transformer runs in training mode."
        )
    return True


def mix_key(index: int) -> str:
    """The transformer output key of the premixed layers for the transformer's index-th listener."""
    return f"{_MIX_KEY_PREFIX}{index}"


@dataclass(frozen=True)
class MixPlan:
    """One weighted sum the encoder builds: sum_j weights[j] * hidden_states[layers[j]], stored under `key`."""

    key: str
    layers: Tuple[int, ...]
    weights: Tuple[float, ...]


class RunningMixes:
    """The weighted sums of some plans, each built up as the encoder produces its layers."""

    def __init__(self, plans: Sequence[MixPlan]):
        self.by_layer: Dict[int, List[Tuple[str, float]]] = {}
        for plan in plans:
            for layer, weight in zip(plan.layers, plan.weights):
                self.by_layer.setdefault(layer, []).append((plan.key, weight))
        self.sums: Dict[str, torch.Tensor] = {}

    @property
    def layers(self) -> List[int]:
        """Every layer some plan reads."""
        return sorted(self.by_layer)

    def add(self, layer: int, hidden: torch.Tensor) -> None:
        """Add hidden state `layer`, weighted, into every sum that reads it (in float32, however it came)."""
        for key, weight in self.by_layer.get(layer, ()):
            if key in self.sums:
                self.sums[key].add_(hidden.detach(), alpha=weight)
            else:
                self.sums[key] = hidden.detach().float() * weight

    def outputs(self, dtype: torch.dtype, all_hidden: Optional[Sequence[torch.Tensor]] = None) -> Dict[str, torch.Tensor]:
        """{key: the finished sum} in `dtype`; from `all_hidden` for layers no hook saw (unknown layouts)."""
        if all_hidden is not None:
            for layer in self.layers:
                self.add(layer, all_hidden[layer])
        return {key: value.to(dtype) for key, value in self.sums.items()}
