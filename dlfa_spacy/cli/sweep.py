"""`sweep`: train and evaluate the baseline and each fusion layer k, for several seeds, as Ray tasks."""
import sys
from pathlib import Path
from typing import List, Optional, Sequence

import typer

from ..experiments.trials import (
    DONE,
    FAILED,
    LAYERS_FORM,
    SEEDS_FORM,
    TrialResult,
    exit_status,
    parse_layers,
    parse_overrides,
    parse_seeds,
    plan_trials,
    summarize,
)
from ..tasks import TASK_NAMES, get_task
from ._util import Arg, Opt, app, input_errors, msg, percent

# spacy train's convention: unknown --section.key VALUE options are config overrides.
EXTRA_ARGS = {"allow_extra_args": True, "ignore_unknown_options": True}


@app.command("sweep", context_settings=EXTRA_ARGS)
@input_errors
def sweep_cli(
    # fmt: off
    ctx: typer.Context,
    config: Path = Arg(..., help="Training config of the task (configs/{task}.cfg)", exists=True, dir_okay=False),
    train: Path = Opt(..., "--train", help="Training data (.spacy), passed as --paths.train", exists=True),
    dev: Path = Opt(..., "--dev", help="Development data (.spacy), passed as --paths.dev", exists=True),
    test_dir: Path = Opt(..., "--test-dir", help="Folder of {lang}.spacy test sets for the zero-shot evaluation", exists=True, file_okay=False),
    task: str = Opt(..., "--task", "-t", help=f"Task: {', '.join(TASK_NAMES)}"),
    layers: Optional[str] = Opt(None, "--layers", "-l", help=f"Fusion layers k besides the baseline: {LAYERS_FORM}"),
    auto: bool = Opt(False, "--auto", help="Also train layer = \"auto\" (a learned mix of every lower layer) as variant DLFA-auto"),
    uniform: bool = Opt(False, "--uniform", help="Also train layer = \"auto\" with mix_learn_rate_scale = 0 (every lower layer, fixed equal weights) as variant DLFA-uniform, to tell what auto's learning adds"),
    scalar_mix: bool = Opt(False, "--scalar-mix", help="Also train the rival layer = \"scalar-mix\" (ScalarMix.v1: softmax-weighted sum of every hidden state x a scale, no AIF) as variant scalar-mix"),
    seeds: str = Opt("0", "--seeds", "-s", help=f"Seeds of every variant: {SEEDS_FORM}"),
    output: Path = Opt(..., "--output", "-o", help="Sweep folder; each trial in trials/{variant}-s{seed}/", file_okay=False),
    overrides: List[str] = Opt([], "--override", help="Config override section.key=VALUE for every trial; repeat for several. Unknown options such as --training.max_epochs 2 (also after --) are overrides too"),
    gpu_id: int = Opt(-1, "--gpu-id", "-g", help="GPU id of each trial, or -1 for the CPU (Ray makes a trial's GPU device 0)"),
    cpus_per_trial: float = Opt(1.0, "--cpus-per-trial", help="CPUs Ray reserves per trial (fractions allowed)", min=0),
    gpus_per_trial: float = Opt(0.0, "--gpus-per-trial", help="GPUs Ray reserves per trial (fractions such as 0.5 share one)", min=0),
    num_cpus: Optional[int] = Opt(None, "--num-cpus", help="CPUs of the local Ray instance (default: all); ignored with --address", min=1),
    address: Optional[str] = Opt(None, "--address", help="Join this Ray cluster (auto, host:6379 or ray://host:10001) instead of starting a local instance"),
    batch_size: Optional[int] = Opt(None, "--batch-size", "-b", help="Docs per batch for the evaluation (default: the pipeline's)", min=1),
    # fmt: on
) -> None:
    """Train and evaluate the baseline, every fusion layer k (and --auto, --scalar-mix) for every seed; print a summary.

    Each trial runs `spacy train` as a subprocess inside a Ray task (log in
    trials/{variant}-s{seed}/train.log), then evaluates model-best zero-shot into
    metrics.json. Without Ray installed, the trials run one after another in this process.
    Trials with a metrics.json are skipped, so rerunning finishes an interrupted sweep. The exit status is the number of failed trials (at most 255).
    """
    from tqdm import tqdm

    from ..experiments.sweep import (
        SweepSpec,
        check_address,
        check_inputs,
        check_layers,
        check_overrides,
        ray_installed,
        run_trials,
        run_trials_in_turn,
        split_finished,
    )

    # Absolute paths: a Ray worker need not share the driver's working directory.
    spec = SweepSpec(config=config.resolve(), train=train.resolve(), dev=dev.resolve(), test_dir=test_dir.resolve(),
                     task=get_task(task).name, output=output.resolve(), gpu_id=gpu_id, batch_size=batch_size,
                     overrides=tuple(parse_overrides(ctx.args, overrides)), workdir=Path.cwd())
    check_overrides(spec.overrides, spec.component)
    # Without Ray the trials run one after another in this process (no --address, no Ray resources).
    in_turn = not ray_installed()
    if in_turn and address:
        raise ValueError(f"--address {address} needs Ray, which is not installed: pip install \"dlfa-spacy[sweep]\"")
    if gpu_id >= 0 and gpus_per_trial <= 0 and not in_turn:
        raise ValueError("--gpu-id needs --gpus-per-trial > 0, so that Ray gives each trial a GPU")
    if layers is None and not auto and not uniform and not scalar_mix:
        raise ValueError(f"Nothing to compare with the baseline: give --layers ({LAYERS_FORM}), --auto, --uniform "
                         "or --scalar-mix")
    seed_list = parse_seeds(seeds)
    layer_list = parse_layers(layers) if layers is not None else []
    check_layers(layer_list, spec.config, spec.overrides)
    trials = plan_trials(layer_list, seed_list, auto=auto, scalar_mix=scalar_mix, uniform=uniform)
    skipped, todo = split_finished(spec, trials)
    if todo:
        # Everything a trial would fail on minutes later, inside its train.log, fails here first.
        check_inputs(spec)
        if address:
            msg.text(f"Connecting to the Ray cluster at {address} ...")
            check_address(address)
    where = f"on the Ray cluster at {address}" if address else "on a local Ray instance"
    if in_turn:
        where = ("in this process, one after another (Ray is not installed; pip install \"dlfa-spacy[sweep]\" "
                 "runs trials in parallel)")
    msg.info(f"Sweep of {task}: {len(trials)} trials, {len(skipped)} finished before, "
             f"{len(todo)} to run {where}")

    with tqdm(total=len(trials), initial=len(skipped), file=sys.stderr, unit="trial", desc="sweep") as bar:
        for result in skipped:
            print_result(result)

        def on_result(result: TrialResult) -> None:
            print_result(result)
            bar.update(1)

        if in_turn:
            results = skipped + run_trials_in_turn(spec, todo, on_result)
        else:
            results = skipped + run_trials(spec, todo, on_result, address=address, num_cpus=num_cpus,
                                           cpus_per_trial=cpus_per_trial, gpus_per_trial=gpus_per_trial)
    print_summary(results, seed_list, get_task(task).metric_name)
    failed = [r for r in results if r.status == FAILED]
    if failed:
        msg.fail(f"{len(failed)} of {len(trials)} trials failed; their logs:")
        for r in failed:
            msg.text(f"  {r.log}")
        raise typer.Exit(exit_status(results))
    msg.good(f"All {len(trials)} trials finished; metrics in {output / 'trials'}")


def print_result(result: TrialResult) -> None:
    """One line for one trial: its variant, seed, score and time, or why it failed."""
    name = f"{result.trial.variant} seed {result.trial.seed}"
    if result.status == DONE:
        msg.good(f"{name}: {percent(result.score)}% in {format_seconds(result.seconds)}")
    elif result.status == FAILED:
        msg.fail(f"{name} failed after {format_seconds(result.seconds)} ({result.error}); log: {result.log}")
    else:
        msg.info(f"{name}: skipped, metrics.json exists ({percent(result.score)}%)")


def print_summary(results: Sequence[TrialResult], seeds: Sequence[int], metric_name: str) -> None:
    """The variant x seed table: mean and std over seeds of the average score, then each seed's."""
    rows = [(s.variant, len([v for v in s.scores.values() if v is not None]), percent(s.mean), percent(s.std),
             *(percent(s.scores.get(seed)) for seed in seeds)) for s in summarize(results)]
    header = ("variant", "n", "mean", "std", *(f"s{seed}" for seed in seeds))
    msg.divider(f"Average {metric_name} over languages (%), per seed")
    msg.table(rows, header=header, divider=True, aligns=("l", *("r",) * (len(header) - 1)))


def format_seconds(seconds: float) -> str:
    """A duration as '42s', '3m 05s' or '2h 03m'."""
    minutes, secs = divmod(int(round(seconds)), 60)
    if minutes == 0:
        return f"{secs}s"
    hours, minutes = divmod(minutes, 60)
    return f"{minutes}m {secs:02d}s" if hours == 0 else f"{hours}h {minutes:02d}m"
