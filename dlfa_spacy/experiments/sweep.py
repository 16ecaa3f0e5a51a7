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
import shutil
import socket
import subprocess
import sys
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple

from thinc.api import Config

from ..atomic import write_json_atomic
from ..training.schedules import count_examples
from ..results import AUTO, INLINE_KEYS, LOG_FILE, METRICS_FILE, SEED_KEY, TRAINING_DIR, TRIALS_DIR, UNIFORM
from ..tasks import get_task
from .evaluate import check_test_names, evaluate_pipeline
from .pipeline_io import language_files
from .trials import (
    DONE,
    FAILED,
    LAYERS_FORM,
    SEEDS_FORM,
    SKIPPED,
    Trial,
    TrialResult,
    VariantSummary,
    exit_status,
    parse_layers,
    parse_overrides,
    parse_seeds,
    plan_trials,
    summarize,
)

__all__ = [
    "DONE", "FAILED", "LAYERS_FORM", "LOG_FILE", "METRICS_FILE", "SEEDS_FORM", "SKIPPED", "SweepSpec", "TRAINING_DIR",
    "TRIALS_DIR", "Trial", "TrialResult", "VariantSummary", "check_overrides", "evaluate_trial", "exit_status",
    "parse_layers", "parse_overrides", "parse_seeds", "plan_trials", "read_score", "run_trial", "run_trials",
    "split_finished", "summarize", "train_command", "train_trial",
]
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


def check_overrides(overrides: Iterable[Tuple[str, str]], component: str) -> None:
    """Refuse overrides of what the sweep itself sets for each trial."""
    owned = {"paths.train", "paths.dev", "system.seed", f"components.{component}.model.tok2vec.layer"}
    for key, _ in overrides:
        if key in owned:
            raise ValueError(f"The sweep sets {key} for each trial itself; remove the override --{key}")


def encoder_name(config: Path, overrides: Iterable[Tuple[str, str]]) -> Optional[str]:
    """The encoder a sweep's trials load: --encoder.name, else the config's transformer name."""
    given = dict(overrides)
    if "encoder.name" in given:
        return given["encoder.name"]
    try:
        cfg = Config().from_disk(config)
        return str(cfg["components"]["transformer"]["model"]["name"])
    except Exception:  # a config without a transformer component is the training's to report
        return None


def encoder_depth(name: Optional[str]) -> Optional[int]:
    """The encoder's number of layers from its local config.json, or None where it is not on this machine."""
    if not name:
        return None
    from transformers import AutoConfig

    try:
        return int(AutoConfig.from_pretrained(name, local_files_only=True).num_hidden_layers)
    except Exception:  # not downloaded yet: the trials will fetch it, and their training checks the layer
        return None


def check_layers(layers: Iterable[int], config: Path, overrides: Iterable[Tuple[str, str]]) -> None:
    """ValueError before any trial starts when a fusion layer is not a lower layer of the encoder."""
    name = encoder_name(config, overrides)
    depth = encoder_depth(name)
    too_deep = [k for k in layers if depth is not None and k >= depth]
    if too_deep:
        raise ValueError(f"--layers {','.join(map(str, too_deep))}: the encoder {name!r} has {depth} layers, so a "
                         f"fusion layer k must be in 1..{depth - 1}")


def check_inputs(spec: SweepSpec) -> None:
    """ValueError naming the file before any trial starts: data that cannot be read or is empty, test files not
    named by language, or a config without the task's component."""
    for flag, path in (("--train", spec.train), ("--dev", spec.dev)):
        try:
            n = count_examples(path)
        except ValueError as err:
            raise ValueError(f"{flag}: {err}") from None
        if not n:
            raise ValueError(f"{flag}: the corpus {str(path)!r} holds no docs")
    check_test_names(get_task(spec.task), list(language_files(spec.test_dir)), spec.test_dir)
    try:
        components = Config().from_disk(spec.config, interpolate=False).get("components", {})
    except Exception as err:  # confection reports a bad config in many ways
        raise ValueError(f"Cannot read the config {spec.config}: {err}") from None
    model = components.get(spec.component, {}).get("model", {})
    if "tok2vec" not in model:
        raise ValueError(f"The config {spec.config} has no {spec.component!r} component with a model.tok2vec, "
                         f"which a {spec.task} sweep varies (components: {', '.join(components) or 'none'}); "
                         "is it a config for another task?")


def check_address(address: Optional[str], timeout: float = 30.0) -> None:
    """ValueError within about `timeout` seconds when `address` is not a Ray cluster that answers (Ray itself waits minutes)."""
    if not address or address == "auto":
        return
    hostport = address.split("://", 1)[-1]
    host, _, port = hostport.rpartition(":")
    if not host or not port.isdigit():
        raise ValueError(f"--address {address!r}: expected auto, host:port or ray://host:port")
    try:
        socket.create_connection((host, int(port)), timeout=timeout).close()
    except OSError as err:
        raise ValueError(f"--address {address!r}: nothing answers at {host}:{port} within {timeout:g} s ({err}); "
                         "is the Ray head node started (ray start --head)?") from None
    _probe_ray(address, timeout)


# A port can answer without being a Ray head (or a client server): then ray.init retries for
# minutes. So a child process connects first, and SIGALRM's default action ends it at the
# deadline even while Ray's C++ client blocks, so no probe outlives the check.
_PROBE = """
import signal, sys
signal.alarm({seconds})
import ray
ray.init(address={address!r}, include_dashboard=False, log_to_driver=False, logging_level="ERROR")
print("cpus", ray.cluster_resources().get("CPU", 0))
"""


def _probe_ray(address: str, timeout: float) -> None:
    """ValueError unless a Ray driver can connect to `address` within `timeout` seconds."""
    code = _PROBE.format(seconds=max(1, int(timeout)), address=address)
    try:
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=timeout + 30)
    except subprocess.TimeoutExpired:
        done = None
    if done is not None and done.returncode == 0 and "cpus" in done.stdout:
        return
    if done is None or done.returncode == -14:  # -SIGALRM: the deadline passed
        raise ValueError(f"--address {address!r}: something answers there but no Ray cluster connected within "
                         f"{timeout:g} s; is it the head node's GCS port (default 6379), or its client port for ray://?")
    lines = [line for line in (done.stderr or "").strip().splitlines() if line.strip()]
    raise ValueError(f"--address {address!r}: cannot connect to a Ray cluster: {lines[-1] if lines else 'no output'}")


def train_command(spec: SweepSpec, trial: Trial) -> List[str]:
    """The `python -m spacy train` command line of one trial."""
    # "uniform" is layer = "auto" whose mix never learns (mix_learn_rate_scale = 0).
    layer = "null" if trial.layer is None else AUTO if trial.layer == UNIFORM else str(trial.layer)
    command = [
        sys.executable, "-m", "spacy", "train", str(spec.config),
        "--output", str(spec.folder(trial) / TRAINING_DIR),
        "--paths.train", str(spec.train), "--paths.dev", str(spec.dev),
        "--system.seed", str(trial.seed),
        f"--components.{spec.component}.model.tok2vec.layer", layer,
    ]
    if trial.layer == UNIFORM:
        command += [f"--components.{spec.component}.model.tok2vec.mix_learn_rate_scale", "0"]
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
    metrics[SEED_KEY] = trial.seed
    write_json_atomic(spec.metrics_path(trial), metrics, inline_key=INLINE_KEYS)
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


def ray_installed() -> bool:
    """Whether Ray can be imported (the `sweep` and `research` extras install it)."""
    import importlib.util

    try:
        return importlib.util.find_spec("ray") is not None
    except (ImportError, ValueError):  # a broken or blocked install counts as none
        return False


def run_trials_in_turn(
    spec: SweepSpec, trials: Sequence[Trial], on_result: Callable[[TrialResult], None]
) -> List[TrialResult]:
    """Run trials one after another in this process, without Ray; call on_result as each ends."""
    results = []
    for trial in trials:
        results.append(run_trial(spec, trial))
        on_result(results[-1])
    return results


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
