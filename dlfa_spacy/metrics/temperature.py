"""Temperature scaling of class probabilities (Guo et al., 2017): one temperature T > 0, fitted by NLL.

A softmax classifier's probabilities p = softmax(z) give back its logits up to a constant
per example (log p = z - logsumexp z), so scaling the logits by 1/T is the same as
p_j^(1/T) / sum_k p_k^(1/T). That is what lets a temperature be fitted and applied on
`doc.cats` alone, without the model's logits. Dividing by T > 0 never changes the
argmax, so accuracy stays the same.

The log-probabilities are used as they are (a probability of 0 is a logit of -inf and stays
0 at any temperature): clipping them would bend the recovered logits of confident
predictions. Only the NLL that the fit minimises is floored, at -log(MIN_PROB) per example.
"""
from typing import Sequence

import numpy as np

# The NLL of one example is at most -log(MIN_PROB), as in classification.negative_log_likelihood.
MIN_PROB = 1e-12
# The inverse temperature beta = 1/T is searched in [MIN_BETA, MAX_BETA] (T from 0.001 to 1000).
MIN_BETA, MAX_BETA = 1e-3, 1e3
N_BISECTIONS = 200


def _log_probs(probs: Sequence[Sequence[float]]) -> np.ndarray:
    """log p of an (n, k) array of class probabilities, each row a distribution."""
    p = np.asarray(probs, dtype="float64")
    if p.ndim != 2 or p.shape[0] == 0 or p.shape[1] < 2:
        raise ValueError(f"Probabilities must be an (n, k) array with n >= 1 and k >= 2, got shape {p.shape}")
    if not np.isfinite(p).all() or (p < 0).any() or (p.sum(axis=1) <= 0).any():
        raise ValueError("Probabilities must be finite and non-negative, with a positive one in every row")
    with np.errstate(divide="ignore"):
        return np.log(p)


def _softmax(z: np.ndarray) -> np.ndarray:
    """Row-wise softmax of logits that may hold -inf (probability 0), never a whole row of them."""
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def scale_probabilities(probs: Sequence[Sequence[float]], temperature: float) -> np.ndarray:
    """The probabilities as the logits divided by `temperature` would give them."""
    check_temperature(temperature)
    return _softmax(_log_probs(probs) / temperature)


def check_temperature(temperature: float) -> None:
    """ValueError unless the temperature is a finite number > 0."""
    if isinstance(temperature, bool) or not isinstance(temperature, (int, float)) or not np.isfinite(temperature) \
            or temperature <= 0:
        raise ValueError(f"The temperature must be a finite number > 0, got {temperature!r}")


def _nll_slope(z: np.ndarray, gold: np.ndarray, beta: float) -> float:
    """d NLL / d beta at beta: the mean of E_p[z] - z_gold, 0 for an example whose NLL is at its floor."""
    p = _softmax(beta * z)
    finite = np.isfinite(z)
    expected = np.where(finite, p * np.where(finite, z, 0.0), 0.0).sum(axis=1)  # p is 0 where z is -inf
    rows = np.arange(len(gold))
    live = p[rows, gold] >= MIN_PROB
    z_gold = np.where(live, z[rows, gold], 0.0)
    return float(np.mean(np.where(live, expected - z_gold, 0.0)))


def fit_temperature(probs: Sequence[Sequence[float]], gold_index: Sequence[int]) -> float:
    """The temperature T that minimises the mean NLL of the scaled probabilities on these examples.

    NLL is convex in beta = 1/T, so its slope is monotone and bisection finds the minimum;
    when it lies beyond the searched range (e.g. all predictions right), the bound is returned.
    """
    z = _log_probs(probs)
    gold = np.asarray(gold_index, dtype=int)
    if gold.shape != (z.shape[0],) or (gold < 0).any() or (gold >= z.shape[1]).any():
        raise ValueError(f"gold_index must hold one class index in 0..{z.shape[1] - 1} per example")
    low, high = np.log(MIN_BETA), np.log(MAX_BETA)
    if _nll_slope(z, gold, MIN_BETA) >= 0:
        return 1.0 / MIN_BETA
    if _nll_slope(z, gold, MAX_BETA) <= 0:
        return 1.0 / MAX_BETA
    for _ in range(N_BISECTIONS):  # on log beta: the range spans six orders of magnitude
        middle = (low + high) / 2
        if _nll_slope(z, gold, float(np.exp(middle))) > 0:
            high = middle
        else:
            low = middle
    return float(1.0 / np.exp((low + high) / 2))
