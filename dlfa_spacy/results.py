"""The results contract: what `evaluate` and `sweep` write and `report` reads.

File and folder names of a sweep, the keys of a metrics file, and the names, order and
row labels of model variants are defined here once. It imports only the standard
library, so that reading results never loads spaCy, torch or transformers.

A variant is named from its fusion layer: "baseline" (no fusion, layer None), "DLFA-k"
(a fixed lower layer k), "DLFA-auto" (the learned mix of `layer = "auto"`), "DLFA-uniform"
(`layer = "auto"` with `mix_learn_rate_scale = 0`: the same candidates mixed with fixed equal
weights, which tells what the learning adds) and "scalar-mix" (the ScalarMix.v1 rival).
Variants sort in that order, k ascending.
"""
import re
from pathlib import Path
from typing import Optional, Tuple, Union

# The fusion settings that are not a layer number.
AUTO = "auto"
UNIFORM = "uniform"
SCALAR_MIX = "scalar-mix"
BASELINE = "baseline"
Layer = Union[int, str, None]

# A sweep's layout: OUT/trials/{variant}-s{seed}/ holds training/, train.log and metrics.json,
# which is written last (atomically) and so marks a finished trial.
TRIALS_DIR = "trials"
METRICS_FILE = "metrics.json"
LOG_FILE = "train.log"
TRAINING_DIR = "training"

# Keys of a metrics file beyond the headline ones.
PER_EXAMPLE_KEY = "per_example"  # per test example data, enough to rescore a resample (the bootstrap)
DEV_KEY = "dev"  # the English dev scores; not a language code, so no test file clashes
LAYER_WEIGHTS_KEY = "layer_weights"  # the learned mix of layer = "auto": {"layer": weight}
PAIRS_KEY = "pairs"  # the sentence-pair test sets "l1-l2" (STS 2017), outside the averages
ITEMS_KEY = "item_ids"  # per language, each test example's item id where the data has them (XNLI, PAWS-X)
INLINE_KEYS = (PER_EXAMPLE_KEY, ITEMS_KEY)  # lists written on one line each in a metrics file
SEED_KEY = "seed"  # a sweep trial's seed
HEADS_KEY = "heads"  # the factory of the task component: which recipe's head the numbers come from
# The factories of XTREME's heads (the replication configs); anything else is spaCy's own or this project's.
XTREME_HEADS = ("token_classifier", "xtreme_textcat")
SMOKE_KEY = "smoke"  # true for a smoke run of the machinery (the demo)
# Token tasks, per language: the first N_EXAMPLES test sentences as displaCy input, gold beside predicted.
EXAMPLES_KEY = "examples"
N_EXAMPLES = 20

SMOKE_NOTE = "numbers are from a smoke run of the machinery, not results"
_VARIANT = re.compile(r"DLFA-(\d+|auto|uniform)")


def variant_name(layer: Layer) -> str:
    """The variant of a fusion layer: "baseline", "DLFA-k", "DLFA-auto", "DLFA-uniform" or "scalar-mix"."""
    if layer == SCALAR_MIX:
        return SCALAR_MIX
    return BASELINE if layer is None else f"DLFA-{layer}"


def layer_of_variant(variant: str) -> Layer:
    """The fusion layer a variant name stands for (the inverse of variant_name); ValueError otherwise."""
    if variant == BASELINE:
        return None
    if variant == SCALAR_MIX:
        return SCALAR_MIX
    match = _VARIANT.fullmatch(variant)
    if not match:
        raise ValueError(f"unknown variant {variant!r}; expected {BASELINE!r}, 'DLFA-<k>', 'DLFA-auto', "
                         f"'DLFA-uniform' or {SCALAR_MIX!r}")
    return match.group(1) if match.group(1) in (AUTO, UNIFORM) else int(match.group(1))


def variant_order(layer: Layer) -> Tuple[int, float]:
    """Sort key of a fusion layer: the baseline, each k ascending, "auto", "uniform", then "scalar-mix"."""
    if layer is None:
        return (0, 0)
    if layer == AUTO:
        return (2, 0)
    if layer == UNIFORM:
        return (2, 1)
    if layer == SCALAR_MIX:
        return (3, 0)
    return (1, float(layer))


def layer_label(layer: Layer) -> str:
    """A variant's row label in layer tables: "baseline", "D_k", "auto", "uniform" or "scalar-mix"."""
    if layer is None:
        return BASELINE
    return layer if layer in (AUTO, UNIFORM, SCALAR_MIX) else f"D_{layer}"


def trial_name(layer: Layer, seed: int) -> str:
    """A sweep trial's folder name: "{variant}-s{seed}"."""
    return f"{variant_name(layer)}-s{seed}"


def trial_metrics(sweep: Union[str, Path]) -> list:
    """The metrics files of a sweep folder's trials, sorted by path."""
    return sorted(Path(sweep).glob(f"{TRIALS_DIR}/*/{METRICS_FILE}"))


def is_smoke(metrics: dict) -> bool:
    """Whether a metrics file is marked as a smoke run."""
    return metrics.get(SMOKE_KEY) is True


def smoke_lines(smoke: bool) -> list:
    """The report's smoke note as markdown lines (none for real results)."""
    return [f"> **Note:** {SMOKE_NOTE}.", ""] if smoke else []


def optional_layer(value: object, where: str) -> Optional[Layer]:
    """A metrics file's "layer" value checked: an integer, "auto", "uniform", "scalar-mix" or null."""
    if value is None or value in (AUTO, UNIFORM, SCALAR_MIX):
        return value  # type: ignore[return-value]
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{where}: \"layer\" must be an integer, \"{AUTO}\", \"{UNIFORM}\", \"{SCALAR_MIX}\" "
                         f"or null, got {value!r}")
    return value
