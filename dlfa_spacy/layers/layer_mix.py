"""The learned mix of layer = "auto", M = sum_j softmax(a)_j * L_j, and its gradients, one candidate in memory at a time.

Each candidate is given as a function that builds its padded (S, T, E) batch array, so
that neither the forward nor the backward pass holds more than the running sum and one
candidate copy: with every lower layer of mBERT as candidates, autograd over the
candidates would keep eleven padded copies per batch. The equation itself is
`aif.convex_mix`; this computes the same on the model's arrays.
"""
from typing import Callable, List, Sequence

from thinc.api import Ops
from thinc.types import Floats1d, Floats3d

Candidate = Callable[[], Floats3d]

# The mix logits are a = scale * theta, theta being the stored parameter. Adam moves theta by
# about the learning rate per step whatever the gradient's size, so the logits move `scale`
# times faster than the encoder's weights: at the encoder's rate (2e-5 to 5e-5) and scale 1
# they moved by 0.1 at most in a training run, which left the mix uniform to 2%.
# 0 keeps the mix uniform (the sweep's "uniform" variant). The default is measured: see README.
DEFAULT_MIX_LEARN_RATE_SCALE = 100.0


def check_mix_scale(scale: float, where: str) -> None:
    """Raise a ValueError unless `scale` is a number >= 0."""
    if isinstance(scale, bool) or not isinstance(scale, (int, float)) or scale < 0:
        raise ValueError(f"{where}: `mix_learn_rate_scale` must be a number >= 0 (0: a fixed uniform mix), got {scale!r}")


def mix_weights_of(ops: Ops, logits: Floats1d, scale: float = 1.0) -> List[float]:
    """softmax(scale * logits) as host floats (the logits may live on a GPU)."""
    return ops.to_numpy(ops.softmax(logits.astype("float32") * float(scale))).tolist()


def mix_layers(ops: Ops, candidates: Sequence[Candidate], weights: Sequence[float]) -> Floats3d:
    """sum_j weights[j] * candidates[j](), building one candidate at a time."""
    mixed = candidates[0]() * weights[0]
    for candidate, weight in zip(candidates[1:], weights[1:]):
        mixed += candidate() * weight
    return mixed


def mix_logits_gradient(
    ops: Ops, candidates: Sequence[Candidate], weights: Sequence[float], d_mixed: Floats3d
) -> Floats1d:
    """dLoss/da from dLoss/dM: the softmax Jacobian applied to g_j = <dM, L_j>."""
    # One transfer for all the sums (a float() each would wait for a GPU once per candidate).
    sums = ops.xp.stack([(d_mixed * candidate()).sum() for candidate in candidates])
    dots = [float(x) for x in ops.to_numpy(sums)]
    mean = sum(w * g for w, g in zip(weights, dots))
    return ops.asarray1f([w * (g - mean) for w, g in zip(weights, dots)])
