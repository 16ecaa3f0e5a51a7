"""The AIF equation (DLFA's attentional information fusion) on torch tensors.

For one sequence, with L_k the lower layer and L_N the last one (T x E):

    W   = (L_k + L_N) / 2
    G   = BN(Conv(ReLU(BN(Conv(mean_T(W))))))     global branch, broadcast over T
    Lo  = BN(Conv(ReLU(BN(Conv(W)))))             local branch, per token
    g   = sigmoid(G + Lo)
    out = L_k * g + L_N * (1 - g)

Conv is a kernel-1 Conv1d over the channels (E -> E/r -> E), i.e. a per-token linear map.

With `layer = "auto"`, L_k is a learned convex mix of the candidate layers L_j,

    M   = sum_j softmax(a)_j * L_j                (`convex_mix`; a are fusion parameters)

and M takes L_k's place everywhere above: in W, and as the gated input of `out`.
"""
from typing import Dict, Sequence

import torch
import torch.nn.functional as F

BN_MOMENTUM = 0.1
BN_EPS = 1e-5
BRANCHES = ("local", "global")
# Per branch: conv1 (E -> E/r), BN, ReLU, conv2 (E/r -> E), BN. A kernel-1 Conv1d over
# the channels is a per-token linear map, so W1/W2 are plain matrices.
SHAPES = {
    "W1": ("nH", "nO"),
    "b1": ("nH",),
    "bn1_gamma": ("nH",),
    "bn1_beta": ("nH",),
    "bn1_mean": ("nH",),
    "bn1_var": ("nH",),
    "W2": ("nO", "nH"),
    "b2": ("nO",),
    "bn2_gamma": ("nO",),
    "bn2_beta": ("nO",),
    "bn2_mean": ("nO",),
    "bn2_var": ("nO",),
}
PARAM_NAMES = [f"{branch}_{name}" for branch in BRANCHES for name in SHAPES]
# BatchNorm running statistics are saved with the pipeline but never optimised.
STAT_NAMES = [name for name in PARAM_NAMES if name.endswith(("_mean", "_var"))]


def convex_mix(layers: Sequence[torch.Tensor], logits: torch.Tensor) -> torch.Tensor:
    """sum_j softmax(logits)_j * layers[j] over equally shaped layers."""
    weights = torch.softmax(logits, dim=0)
    mixed = layers[0] * weights[0]
    for weight, layer in zip(weights[1:], layers[1:]):
        mixed = mixed + layer * weight
    return mixed


def aif(
    lower: torch.Tensor,
    last: torch.Tensor,
    mask: torch.Tensor,
    params: Dict[str, torch.Tensor],
    training: bool,
) -> torch.Tensor:
    """Fuse (S, T, E) lower and last layers over the real tokens given by the (S, T) mask."""
    rows, cols = mask.nonzero(as_tuple=True)
    mixed = (lower + last) / 2
    tokens = mixed[rows, cols]
    # The global context is the mean over one sequence's real tokens only, so padding
    # never changes it.
    lengths = mask.sum(dim=1, keepdim=True).clamp(min=1).to(mixed.dtype)
    pooled = (mixed * mask.unsqueeze(-1).to(mixed.dtype)).sum(dim=1) / lengths
    global_ctx = _branch(pooled, params, "global", training)
    local_ctx = _branch(tokens, params, "local", training)
    gate = torch.sigmoid(global_ctx[rows] + local_ctx)
    fused = lower[rows, cols] * gate + last[rows, cols] * (1 - gate)
    out = torch.zeros_like(last)
    out[rows, cols] = fused
    return out


def _branch(
    x: torch.Tensor, params: Dict[str, torch.Tensor], branch: str, training: bool
) -> torch.Tensor:
    p = {name: params[f"{branch}_{name}"] for name in SHAPES}
    h = _batch_norm(F.linear(x, p["W1"], p["b1"]), p, "bn1", training)
    return _batch_norm(F.linear(F.relu(h), p["W2"], p["b2"]), p, "bn2", training)


def _batch_norm(
    x: torch.Tensor, p: Dict[str, torch.Tensor], bn: str, training: bool
) -> torch.Tensor:
    # Batch statistics need two or more rows: a single sequence in a training batch
    # is normalised with the running statistics instead (and does not update them).
    use_batch = training and x.shape[0] > 1
    return F.batch_norm(
        x,
        p[f"{bn}_mean"],
        p[f"{bn}_var"],
        p[f"{bn}_gamma"],
        p[f"{bn}_beta"],
        training=use_batch,
        momentum=BN_MOMENTUM,
        eps=BN_EPS,
    )
