"""Layer sweeps: train and evaluate the baseline and every fusion layer k, for several seeds, as Ray tasks.

A sweep writes one folder per trial, `OUT/trials/{variant}-s{seed}/` (variant "baseline",
"DLFA-k", or "DLFA-auto" for the learned layer mix), holding `training/` (spaCy's output), `train.log` (the training's stdout
and stderr, then any evaluation error) and `metrics.json` (the `evaluate` metrics, with
the English dev scores under "dev", plus an integer "seed"). metrics.json is written
last and atomically, so it marks a finished trial: rerunning a sweep skips those and
runs the rest.

Ray is imported only inside `run_trials`, so that importing this module (and the CLI)
does not start or load it.
"""
import json
import math
import re
import shutil
import subprocess
import sys
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple, Union

from .atomic import write_json_atomic
from .evaluate import PER_EXAMPLE_KEY, evaluate_pipeline, variant_name
from .layers.layer_choice import AUTO, SCALAR_MIX
from .tasks import get_task

TRIALS_DIR = "trials"
METRICS_FILE = "metrics.json"
LOG_FILE = "train.log"
TRAINING_DIR = "training"
DONE, SKIPPED, FAILED = "done", "skipped", "failed"
LAYERS_FORM = "positive integers and ranges, comma-separated, e.g. 1-11 or 2,4,6"
SEEDS_FORM = "non-negative integers and ranges, comma-separated, e.g. 0,1,2 or 0-4"


def _split(text: str) -> List[str]:
    """Items of a comma- or space-separated list (cli._util.split_list, without importing typer)."""
    return [item for item in text.replace(",", " ").split() if item]


def _parse_int_list(text: str, what: str, minimum: int, form: str) -> List[int]:
    """Sorted distinct integers from items 'a' or 'a-b' (inclusive), each >= minimum."""
    values = set()
    for item in _split(text):
        match = re.fullmatch(r"(\d+)(?:-(\d+))?", item)
        start = int(match.group(1)) if match else -1
        end = int(match.group(2) or start) if match else -1
        if not match or start < minimum or end < start:
            raise ValueError(f"Bad {what} {text!r}: item {item!r} is malformed; expected {form}")
        values.update(range(start, end + 1))
    if not values:
        raise ValueError(f"Bad {what} {text!r}: no values; expected {form}")
    return sorted(values)


def parse_layers(text: str) -> List[int]:
    """Fusion layers from '1-11', '2,4,6' or '1-3,8' (sorted, distinct; the range of the encoder is checked by training)."""
    return _parse_int_list(text, "--layers", 1, LAYERS_FORM)


def parse_seeds(text: str) -> List[int]:
    """Seeds from '0,1,2', '0 1 2' or '0-4' (sorted, distinct)."""
    return _parse_int_list(text, "--seeds", 0, SEEDS_FORM)


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
        return f"{self.variant}-s{self.seed}"


def plan_trials(layers: Sequence[int], seeds: Sequence[int], auto: bool = False,
                scalar_mix: bool = False) -> List[Trial]:
    """The baseline, each layer (and "auto", "scalar-mix"), for each seed; seed by seed, so that an early stop still compares every variant."""
    variants: List[Union[int, str, None]] = [None, *layers]
    variants += ([AUTO] if auto else []) + ([SCALAR_MIX] if scalar_mix else [])
    return [Trial(layer, seed) for seed in seeds for layer in variants]


def variant_order(layer: Union[int, str, None]) -> float:
    """Sort key of a variant's layer: the baseline first, then by k, "auto", then "scalar-mix"."""
    # Both after every k: "auto" at the largest float, "scalar-mix" beyond it.
    if layer == SCALAR_MIX:
        return math.inf
    return -1 if layer is None else sys.float_info.max if layer == AUTO else layer


@dataclass(frozen=True)
class SweepSpec:
    """What every trial of one sweep shares."""

    config: Path
    train: Path
    dev: Path
    test_dir: Path
    task: str
    output: Path
    overrides: Tuple[Tuple[str, str], ...] = ()  # (dotted key, raw value) passed on to spacy train
    gpu_id: int = -1
    batch_size: Optional[int] = None
    # The driver's working directory: relative paths in overrides (--encoder.name
    # demo/encoder) mean the same in every trial, whatever the Ray worker's own cwd.
    workdir: Optional[Path] = None

    @property
    def component(self) -> str:
        """The pipeline component whose tok2vec layer the sweep varies."""
        return get_task(self.task).component

    def folder(self, trial: Trial) -> Path:
        """OUT/trials/{variant}-s{seed}."""
        return self.output / TRIALS_DIR / trial.name

    def metrics_path(self, trial: Trial) -> Path:
        """The trial's metrics.json, whose presence marks it finished."""
        return self.folder(trial) / METRICS_FILE

    def log_path(self, trial: Trial) -> Path:
        """The trial's train.log."""
        return self.folder(trial) / LOG_FILE


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


def check_overrides(overrides: Iterable[Tuple[str, str]], component: str) -> None:
    """Refuse overrides of what the sweep itself sets for each trial."""
    owned = {"paths.train", "paths.dev", "system.seed", f"components.{component}.model.tok2vec.layer"}
    for key, _ in overrides:
        if key in owned:
            raise ValueError(f"The sweep sets {key} for each trial itself; remove the override --{key}")


def train_command(spec: SweepSpec, trial: Trial) -> List[str]:
    """The `python -m spacy train` command line of one trial."""
    layer = "null" if trial.layer is None else str(trial.layer)
    command = [
        sys.executable, "-m", "spacy", "train", str(spec.config),
        "--output", str(spec.folder(trial) / TRAINING_DIR),
        "--paths.train", str(spec.train), "--paths.dev", str(spec.dev),
        "--system.seed", str(trial.seed),
        f"--components.{spec.component}.model.tok2vec.layer", layer,
    ]
    for key, value in spec.overrides:
        command += [f"--{key}", value]
    return command + ["--gpu-id", str(spec.gpu_id)]


def read_score(path: Path) -> Optional[float]:
    """The "average" score of a metrics file, or None if it has none or cannot be read."""
    try:
        value = json.loads(path.read_text(encoding="utf8")).get("average")
    except (OSError, ValueError, AttributeError):
        return None
    return float(value) if isinstance(value, (int, float)) else None


def split_finished(spec: SweepSpec, trials: Sequence[Trial]) -> Tuple[List[TrialResult], List[Trial]]:
    """(skipped results of the trials whose metrics.json exists, the trials still to run)."""
    skipped, todo = [], []
    for trial in trials:
        path = spec.metrics_path(trial)
        if path.is_file():
            skipped.append(TrialResult(trial, SKIPPED, score=read_score(path), log=spec.log_path(trial)))
        else:
            todo.append(trial)
    return skipped, todo


def train_trial(spec: SweepSpec, trial: Trial) -> int:
    """Run the trial's training as a subprocess, its output in train.log; return its exit status."""
    folder = spec.folder(trial)
    # A trial without metrics.json is rerun from scratch: a model-best left by an
    # interrupted run must not be evaluated as if this run had written it.
    shutil.rmtree(folder / TRAINING_DIR, ignore_errors=True)
    folder.mkdir(parents=True, exist_ok=True)
    command = train_command(spec, trial)
    # On another node of a cluster the driver's folder may not exist: run where Ray put us.
    cwd = spec.workdir if spec.workdir is not None and spec.workdir.is_dir() else None
    with spec.log_path(trial).open("w", encoding="utf8") as log:
        log.write(f"$ cd {cwd or Path.cwd()}\n$ " + " ".join(command) + "\n")
        log.flush()
        # No preexec_fn (unsafe in a threaded Ray worker): Ray itself kills a worker's
        # child processes when the sweep is cancelled and the worker goes.
        return subprocess.run(command, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                              cwd=cwd).returncode


def evaluate_trial(spec: SweepSpec, trial: Trial) -> Dict[str, Any]:
    """Evaluate the trial's model-best on the test folder; write metrics.json (with "seed") atomically."""
    model = spec.folder(trial) / TRAINING_DIR / "model-best"
    if not model.is_dir():
        raise ValueError(f"Training wrote no {model}; is eval_frequency larger than the training?")
    if spec.gpu_id >= 0:
        from thinc.api import require_gpu

        require_gpu(spec.gpu_id)
    # Written once, seed included, so that a metrics.json always marks a complete trial.
    # The English dev score too: the report picks the best fusion layer on it alone.
    metrics = evaluate_pipeline(model, spec.test_dir, spec.task, output=None, batch_size=spec.batch_size,
                                dev=spec.dev)
    metrics["seed"] = trial.seed
    write_json_atomic(spec.metrics_path(trial), metrics, inline_key=PER_EXAMPLE_KEY)
    return metrics


def run_trial(spec: SweepSpec, trial: Trial) -> TrialResult:
    """Train and evaluate one trial; never raises, a failure is a result naming the log."""
    start = time.monotonic()
    log = spec.log_path(trial)
    try:
        status = train_trial(spec, trial)
        if status != 0:
            return TrialResult(trial, FAILED, seconds=time.monotonic() - start, log=log,
                               error=f"training exited with status {status}")
        metrics = evaluate_trial(spec, trial)
    except Exception as err:  # any failure of one trial must leave the others running
        log.parent.mkdir(parents=True, exist_ok=True)
        with log.open("a", encoding="utf8") as f:
            f.write("\nEvaluation failed:\n" + traceback.format_exc())
        return TrialResult(trial, FAILED, seconds=time.monotonic() - start, log=log,
                           error=f"{type(err).__name__}: {err}")
    return TrialResult(trial, DONE, score=metrics.get("average"), seconds=time.monotonic() - start, log=log,
                       metrics={k: v for k, v in metrics.items() if k != "languages"})


def run_trials(
    spec: SweepSpec,
    trials: Sequence[Trial],
    on_result: Callable[[TrialResult], None],
    address: Optional[str] = None,
    num_cpus: Optional[int] = None,
    cpus_per_trial: float = 1.0,
    gpus_per_trial: float = 0.0,
) -> List[TrialResult]:
    """Run trials as Ray tasks (a local instance, or the cluster at `address`); call on_result as each ends."""
    if not trials:
        return []
    import ray

    started = not ray.is_initialized()
    if started:
        # num_cpus describes a local instance; a cluster has its own resources.
        init_args: Dict[str, Any] = {"address": address} if address else {"num_cpus": num_cpus}
        ray.init(include_dashboard=False, log_to_driver=False, **init_args)
    try:
        # max_calls=1: a fresh worker per trial, so no trial inherits the memory (GPU memory
        # above all) of the previous one's evaluation. No retries: a failure is reported.
        task = ray.remote(num_cpus=cpus_per_trial, num_gpus=gpus_per_trial, max_calls=1, max_retries=0)(run_trial)
        pending = {task.remote(spec, trial): trial for trial in trials}
        results = []
        while pending:
            ready, _ = ray.wait(list(pending), num_returns=1)
            trial = pending.pop(ready[0])
            results.append(_get_result(ray, ready[0], spec, trial))
            on_result(results[-1])
        return results
    finally:
        if started:
            ray.shutdown()


def _get_result(ray: Any, ref: Any, spec: SweepSpec, trial: Trial) -> TrialResult:
    """The task's result; a crashed worker (run_trial itself never raises) becomes a failed trial."""
    try:
        return ray.get(ref)
    except Exception as err:  # RayTaskError, WorkerCrashedError, ... all mean this trial failed
        return TrialResult(trial, FAILED, log=spec.log_path(trial), error=f"Ray task failed: {type(err).__name__}: {err}")


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
