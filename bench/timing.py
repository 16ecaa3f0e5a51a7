"""Timing that does not move with the machine's load: CPU time of the measuring thread, rounds, intervals.

Wall-clock time on a shared 2-core machine moved by up to 2x between rounds. The CPU time of
the one thread that does the work (torch at one thread, so no work leaves it) only counts
cycles this thread ran, so another process's load changes it little. Variants are still
interleaved in a rotating order, so that what drifts (caches, the clock) drifts for all.
"""
import os
import random
import statistics
import time
from typing import Callable, Dict, List, Sequence, Tuple


def single_thread() -> None:
    """Run torch's and the tokenizers' work on the calling thread only, so that thread_time sees all of it."""
    import torch

    torch.set_num_threads(1)
    # HF's fast tokenizers encode a batch on a thread pool of their own, unseen by thread_time.
    os.environ["TOKENIZERS_PARALLELISM"] = "false"


def cpu_seconds(work: Callable[[], object]) -> float:
    """CPU seconds of the calling thread spent in `work()`."""
    start = time.thread_time()
    work()
    return time.thread_time() - start


def wall_seconds(work: Callable[[], object]) -> float:
    """Wall-clock seconds of `work()` (labelled as such wherever it is reported)."""
    start = time.perf_counter()
    work()
    return time.perf_counter() - start


def rotated(names: Sequence[str], turn: int) -> Tuple[str, ...]:
    """The names in a different order each turn, so that no variant always runs first."""
    k = turn % len(names)
    return tuple(names[k:]) + tuple(names[:k])


def interleaved_rounds(
    work: Dict[str, Sequence[Callable[[], object]]], rounds: int, clock: Callable[[Callable[[], object]], float] = cpu_seconds
) -> Dict[str, List[float]]:
    """Seconds per round of each variant; work[name][i] is its i-th batch, run beside the others' i-th."""
    names = list(work)
    n_batches = len(next(iter(work.values())))
    if any(len(batches) != n_batches for batches in work.values()):
        raise ValueError("every variant needs the same number of batches, to be interleaved batch by batch")
    out: Dict[str, List[float]] = {name: [] for name in names}
    for round_i in range(rounds):
        spent = dict.fromkeys(names, 0.0)
        for batch_i in range(n_batches):
            for name in rotated(names, round_i + batch_i):
                spent[name] += clock(work[name][batch_i])
        for name in names:
            out[name].append(spent[name])
    return out


def median_ratio(numerator: Sequence[float], denominator: Sequence[float], n_boot: int = 4000,
                 seed: int = 0) -> Dict[str, float]:
    """Median of the per-round ratios with a 95% percentile-bootstrap interval (rounds resampled)."""
    ratios = [x / a for x, a in zip(numerator, denominator)]
    if not ratios:
        raise ValueError("no rounds to take a ratio of")
    rng = random.Random(seed)
    medians = sorted(statistics.median(rng.choices(ratios, k=len(ratios))) for _ in range(n_boot))
    low, high = medians[int(0.025 * n_boot)], medians[min(n_boot - 1, int(0.975 * n_boot))]
    return {"median": statistics.median(ratios), "ci_low": low, "ci_high": high,
            "half_width": (high - low) / 2, "rounds": len(ratios)}
