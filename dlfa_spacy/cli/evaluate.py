"""`evaluate`: a trained pipeline, zero-shot, on every `{lang}.spacy` of a folder."""
from pathlib import Path
from typing import Any, Dict, Optional

from ..results import DEV_KEY, PAIRS_KEY
from ..tasks import TASK_NAMES
from ._util import Arg, Opt, app, input_errors, msg, percent, setup_gpu


@app.command("evaluate")
@input_errors
def evaluate_cli(
    # fmt: off
    model: str = Arg(..., help="Pipeline to evaluate: a path or an installed package name"),
    data_dir: Path = Arg(..., help="Folder of {lang}.spacy test sets (sts: also {l1}-{l2}.spacy pair sets, scored apart)", file_okay=False),
    task: str = Opt(..., "--task", "-t", help=f"Task: {', '.join(TASK_NAMES)}"),
    output: Optional[Path] = Opt(None, "--output", "-o", help="JSON file for the metrics", dir_okay=False),
    gpu_id: int = Opt(-1, "--gpu-id", "-g", help="GPU id, or -1 for the CPU"),
    batch_size: int = Opt(64, "--batch-size", "-b", help="Docs per batch for nlp.pipe", min=1),
    dev: Optional[Path] = Opt(None, "--dev", help="Also score this English dev set (.spacy), outside the averages: the data that may pick a model", exists=True, dir_okay=False),
    smoke: bool = Opt(False, "--smoke", help="Mark the numbers as a smoke run of the machinery, not results"),
    # fmt: on
) -> None:
    """Evaluate a pipeline zero-shot per language; print a per-language table and write JSON."""
    from ..atomic import check_writable, write_json_atomic
    from ..experiments.evaluate import evaluate_pipeline
    from ..results import INLINE_KEYS

    if output is not None:
        check_writable(output)  # before the slow part, not after it
    setup_gpu(gpu_id)
    metrics = evaluate_pipeline(model, data_dir, task=task, output=None, smoke=smoke, batch_size=batch_size, dev=dev)
    # The scores are shown first: if writing fails now, they are not lost.
    print_metrics(metrics)
    if output is not None:
        write_json_atomic(output, metrics, inline_key=INLINE_KEYS)
        msg.good(f"Saved metrics to {output}")


def print_metrics(metrics: Dict[str, Any]) -> None:
    """Per-language scores of one evaluation, with the averages (and the pair sets after them)."""
    name = metrics["metric"]
    rows = [(lang, scores["n"], percent(scores["score"])) for lang, scores in metrics["languages"].items()]
    rows.append(("average", "", percent(metrics["average"])))
    rows.append(("w/o en", "", percent(metrics["average_without_en"])))
    rows += [(name_, scores["n"], percent(scores["score"])) for name_, scores in metrics.get(PAIRS_KEY, {}).items()]
    if PAIRS_KEY in metrics:
        rows.append(("cross-lingual", "", percent(metrics["average_cross_lingual"])))
    if DEV_KEY in metrics:
        rows.append(("en dev", metrics[DEV_KEY]["n"], percent(metrics[DEV_KEY]["score"])))
    msg.divider(f"{metrics['task']} {metrics['variant']}: {name} (%)")
    msg.table(rows, header=("language", "n", name), divider=True, aligns=("l", "r", "r"))
