"""The plan of a layer sweep and its outcome, without running anything: trials, their results and the summary.

Light on purpose (no spaCy, no Ray): the command line builds its help and checks its
arguments from here before any trial starts.
"""
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple, Union

from ..results import AUTO, SCALAR_MIX, UNIFORM, trial_name, variant_name, variant_order

DONE, SKIPPED, FAILED = "done", "skipped", "failed"
LAYERS_FORM = "positive integers and ranges, comma-separated, e.g. 1-11 or 2,4,6"
SEEDS_FORM = "non-negative integers and ranges, comma-separated, e.g. 0,1,2 or 0-4"


# No encoder has this many layers, and no sweep this many seeds: beyond them a range is a typo.
MAX_LAYER = 256
MAX_SEED = 100_000


def _split(text: str) -> List[str]:
    """Items of a comma- or space-separated list (cli._util.split_list, without importing typer)."""
    return [item for item in text.replace(",", " ").split() if item]


def _parse_int_list(text: str, what: str, minimum: int, form: str, maximum: int) -> List[int]:
    """Sorted distinct integers from items 'a' or 'a-b' (inclusive), each in minimum..maximum."""
    values = set()
    for item in _split(text):
        match = re.fullmatch(r"(\d+)(?:-(\d+))?", item)
        start = int(match.group(1)) if match else -1
        end = int(match.group(2) or start) if match else -1
        if not match or start < minimum or end < start:
            raise ValueError(f"Bad {what} {text!r}: item {item!r} is malformed; expected {form}")
        if end > maximum:
            # Checked before the range is built: 1-100000000 would fill the memory first.
            raise ValueError(f"Bad {what} {text!r}: item {item!r} goes beyond {maximum}; expected {form}")
        values.update(range(start, end + 1))
    if not values:
        raise ValueError(f"Bad {what} {text!r}: no values; expected {form}")
    return sorted(values)


def parse_layers(text: str) -> List[int]:
    """Fusion layers from '1-11', '2,4,6' or '1-3,8' (sorted, distinct; the range of the encoder is checked by training)."""
    return _parse_int_list(text, "--layers", 1, LAYERS_FORM, MAX_LAYER)


def parse_seeds(text: str) -> List[int]:
    """Seeds from '0,1,2', '0 1 2' or '0-4' (sorted, distinct)."""
    return _parse_int_list(text, "--seeds", 0, SEEDS_FORM, MAX_SEED)


@dataclass(frozen=True)
class Trial:
    """One training run: a fusion layer (None for the baseline, "auto" for the learned mix) and a seed."""

    layer: Union[int, str, None]
    seed: int

    @property
    def variant(self) -> str:
        """The variant name: "baseline" or "DLFA-k"."""
        return variant_name(self.layer)

    @property
    def name(self) -> str:
        """The trial's folder name, "{variant}-s{seed}"."""
        return trial_name(self.layer, self.seed)


def plan_trials(layers: Sequence[int], seeds: Sequence[int], auto: bool = False,
                scalar_mix: bool = False, uniform: bool = False) -> List[Trial]:
    """The baseline, each layer (and "auto", "uniform", "scalar-mix"), for each seed; seed by seed, so that an early stop still compares every variant."""
    variants: List[Union[int, str, None]] = [None, *layers]
    variants += ([AUTO] if auto else []) + ([UNIFORM] if uniform else []) + ([SCALAR_MIX] if scalar_mix else [])
    return [Trial(layer, seed) for seed in seeds for layer in variants]


@dataclass
class TrialResult:
    """How one trial ended: done, skipped (finished before) or failed."""

    trial: Trial
    status: str
    score: Optional[float] = None  # the metrics' "average" over languages, in [0, 1]
    seconds: float = 0.0
    log: Optional[Path] = None
    error: str = ""
    metrics: Dict[str, Any] = field(default_factory=dict, repr=False)


def parse_overrides(extra_args: Sequence[str], pairs: Sequence[str]) -> List[Tuple[str, str]]:
    """(key, value) config overrides from spaCy-style '--key value' / '--key=value' args and 'key=value' pairs."""
    result: List[Tuple[str, str]] = []
    args = list(extra_args)
    while args:
        arg = args.pop(0)
        if not arg.startswith("--") or len(arg) == 2:
            raise ValueError(f"Bad config override {arg!r}: expected --section.key VALUE or --section.key=VALUE")
        key, sep, value = arg[2:].partition("=")
        if not sep:
            # A flag without a value means true, as for spacy train.
            value = args.pop(0) if args and not args[0].startswith("--") else "true"
        result.append((key, value))
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ValueError(f"Bad --override {pair!r}: expected section.key=VALUE, e.g. training.max_epochs=2")
        result.append((key[2:] if key.startswith("--") else key, value))
    for key, _ in result:
        if "." not in key:
            raise ValueError(f"Bad config override {key!r}: expected a dotted section.key, e.g. encoder.name")
    return result


def exit_status(results: Iterable[TrialResult]) -> int:
    """The number of failed trials, capped at 255 (an exit status has 8 bits); 0 if none."""
    return min(sum(r.status == FAILED for r in results), 255)


@dataclass
class VariantSummary:
    """One variant's scores over seeds."""

    variant: str
    scores: Dict[int, Optional[float]]  # seed -> score, None for a failed trial
    mean: Optional[float]
    std: Optional[float]  # sample standard deviation (ddof=1, as the sweep report), None below two scores


def summarize(results: Iterable[TrialResult]) -> List[VariantSummary]:
    """Mean and std over seeds of each variant's score: the baseline first, then by layer."""
    scores: Dict[Union[int, str, None], Dict[int, Optional[float]]] = {}
    for r in results:
        scores.setdefault(r.trial.layer, {})[r.trial.seed] = r.score
    summaries = []
    for layer in sorted(scores, key=variant_order):
        values = [v for v in scores[layer].values() if v is not None]
        mean = sum(values) / len(values) if values else None
        std = None
        if mean is not None and len(values) > 1:
            std = (sum((v - mean) ** 2 for v in values) / (len(values) - 1)) ** 0.5
        summaries.append(VariantSummary(variant_name(layer), dict(sorted(scores[layer].items())), mean, std))
    return summaries
