"""Which lower layers a DLFA component reads: none, one layer k, or the candidates of `layer = "auto"`.

A component's *request* is what it asks the transformer to keep: a tuple of layer
numbers, or ALL_LOWER for "auto" without `candidates` (every layer 1..N-1, where N is
only known once the encoder is loaded). `resolve_layers` turns requests into layer
numbers; the transformer model, the listener and the fusion layer all use it, so they
agree on which layers exist.
"""
from typing import Iterable, List, Optional, Sequence, Tuple, Union

# "auto", and "scalar-mix" (the listener setting of ScalarMix.v1: every hidden state, the
# embeddings included), are also variant names of the results: defined there once.
from ..results import AUTO, SCALAR_MIX

__all__ = ["ALL_LOWER", "ALL_STATES", "AUTO", "SCALAR_MIX", "WHOLE_RANGES", "check_layer_setting", "is_auto",
           "requested_layers", "resolve_layers"]
# A request for every lower layer of the encoder, whatever N turns out to be.
ALL_LOWER = "all-lower"
# A request for every hidden state below the last: 0 (the embedding output) .. N-1.
ALL_STATES = "all-states"
# The requests whose layers depend on N.
WHOLE_RANGES = (ALL_LOWER, ALL_STATES)
Request = Union[int, str]
LayerSetting = Union[None, int, str]


def is_auto(layer: LayerSetting) -> bool:
    """True for `layer = "auto"` (a learned mix of the candidate layers)."""
    return isinstance(layer, str) and layer == AUTO


def requested_layers(layer: LayerSetting, candidates: Optional[Sequence[int]]) -> Tuple[Request, ...]:
    """What a component with these settings asks the transformer to keep."""
    if layer is None:
        return ()
    if layer == SCALAR_MIX:
        return (ALL_STATES,)
    if is_auto(layer):
        return tuple(candidates) if candidates else (ALL_LOWER,)
    return (int(layer),)


def resolve_layers(requests: Iterable[Request], n_layers: int) -> List[int]:
    """The sorted distinct layer numbers of some requests, for an encoder with n_layers layers."""
    layers = set()
    for request in requests:
        if request == ALL_LOWER:
            layers.update(range(1, n_layers))
        elif request == ALL_STATES:
            layers.update(range(0, n_layers))
        else:
            layers.add(int(request))
    return sorted(layers)


def check_layer_setting(layer: LayerSetting, candidates: Optional[Sequence[int]], where: str) -> None:
    """Raise a ValueError naming the valid values unless `layer` and `candidates` are usable."""
    if layer is not None and not is_auto(layer) and layer != SCALAR_MIX and (
        isinstance(layer, bool) or not isinstance(layer, int) or layer < 1
    ):
        raise ValueError(
            f"{where}: `layer` must be an integer in 1..N-1 for an encoder with N layers "
            f"(1..11 for mBERT), \"auto\" to learn a mix of lower layers, \"{SCALAR_MIX}\" for the scalar mix "
            f"of every hidden state instead of AIF, or null for no fusion; got {layer!r}"
        )
    if candidates is None:
        return
    if not is_auto(layer):
        raise ValueError(f"{where}: `candidates` is only used with layer = \"auto\"; got layer = {layer!r}")
    bad = [c for c in candidates if isinstance(c, bool) or not isinstance(c, int) or c < 1]
    if not isinstance(candidates, (list, tuple)) or not candidates or bad:
        raise ValueError(
            f"{where}: `candidates` must be a non-empty list of lower layers (integers >= 1), "
            f"or null for every lower layer; got {candidates!r}"
        )
    if len(set(candidates)) != len(candidates):
        raise ValueError(f"{where}: `candidates` lists a layer twice: {list(candidates)!r}")
