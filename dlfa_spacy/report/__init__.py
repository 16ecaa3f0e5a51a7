"""Markdown tables and PNG plots from the metrics JSON files `evaluate` writes.

`write_report` puts `results.md`, its plots and `results.html` (the same as a web page, with a
displaCy page of test sentences per NER / POS variant and language; `report/html.py`) into one folder:

* the main table: one row per model variant (baseline, DLFA-k), the average and the
  average without English of each task, in the paper's column order;
* per task, a per-language table (baseline, each DLFA variant, DLFA - baseline) and a
  per-language bar plot; for XNLI / PAWS-X also a calibration table and reliability
  diagrams; for STS also the table of STS 2017's pair sets (cross-lingual or not);
  with several fusion layers of one task, the D_k table and a heatmap;
* for runs with layer = "auto", the learned layer weights per task and their bar chart.

`write_sweep_report` (`report/sweep.py`) writes `sweep.md` from a layer sweep's trials: the D_k
table over seeds, gain heatmaps and paired-bootstrap intervals of the best k.
"""
from pathlib import Path
from typing import Dict, List, Sequence, Union

from ..atomic import report_files
from ..results import HEADS_KEY, PAIRS_KEY, SMOKE_NOTE, XTREME_HEADS, is_smoke, smoke_lines
from ..tasks import TASKS
from .metrics_files import Metrics, layer_weights_by_task, load_all, load_metrics
from .html import write_html
from .layer_weights import layer_weights_section
from .plots import plot_languages, plot_layer_heatmap, plot_reliability
from .sweep import load_trials, write_sweep_report
from .tables import (
    by_task,
    calibration_table,
    fusion_layers,
    language_table,
    layer_table,
    main_table,
    pair_table,
    pct,
    pct_diff,
    temperature_table,
)

REPORT_FILE = "results.md"
__all__ = [
    "SMOKE_NOTE", "load_all", "load_metrics", "load_trials", "pct", "pct_diff", "render", "write_report", "write_sweep_report",
]


def metric_names(metrics: Sequence[Metrics]) -> Dict[str, str]:
    """Per task, in words, the headline metric its metrics files hold."""
    names = {}
    for task, spec in TASKS.items():
        # load_all has checked that the files of one task agree on "metric".
        used = next((m.get("metric") for m in metrics if m["task"] == task), None)
        # A file from an older evaluate may hold another metric (POS was accuracy).
        same = used in (None, spec.metric)
        names[task] = spec.metric_name if same else f"{used!r} (not {spec.metric_name})"
    return names


def heads_label(m: Metrics) -> str:
    """Which recipe's head a metrics file's numbers come from."""
    factory = m.get(HEADS_KEY)
    if factory is None:
        return "heads not recorded"
    return f"XTREME's head ({factory})" if factory in XTREME_HEADS else f"not XTREME's head ({factory})"


def paper_k_note(metrics: Sequence[Metrics]) -> List[str]:
    """A note on rows at the paper's k, which the paper chose on test data."""
    at_paper_k = sorted({f"{TASKS[m['task']].title} {m['variant']}" for m in metrics
                         if m["layer"] is not None and m["layer"] == TASKS[m["task"]].paper_layer})
    if not at_paper_k:
        return []
    return ["", f"> **k from the paper (chosen on test there):** {', '.join(at_paper_k)}. The paper picked each "
            "task's k by its test score; a claim about a gain needs k chosen on English dev, which the layer "
            "sweep does (sweep.md)."]


def render(metrics: Sequence[Metrics], folder: Path) -> str:
    """Draw the plots into `folder` and return the markdown that references them."""
    names = metric_names(metrics)
    lines = ["# Zero-shot cross-lingual results", ""]
    lines += smoke_lines(any(is_smoke(m) for m in metrics))
    lines += [
        "Scores in %. \"w/o en\" is the average over languages without English. "
        + "; ".join(f"{TASKS[t].title}: {names[t]}" for t in TASKS) + ".",
        "",
        "## Main results",
        "",
        *main_table(metrics),
        *paper_k_note(metrics),
    ]
    for task, group in by_task(metrics).items():
        title = TASKS[task].title
        lines += ["", f"## {title}", "", f"Score: {names[task]}.", "", *language_table(group), ""]
        plot_languages(group, title, folder / f"{task}_languages.png")
        lines += [f"![{title} per-language scores]({task}_languages.png)"]
        if any(m.get(PAIRS_KEY) for m in group):
            lines += ["", f"### {title} pair sets (STS 2017; not in the averages)", "", *pair_table(group)]
        if TASKS[task].is_classification:
            lines += ["", f"### {title} calibration (mean over languages)", "", *calibration_table(group)]
            scaled = temperature_table(group)
            if scaled:
                lines += ["", f"### {title} temperature scaling (fitted on English dev; mean over languages)", "",
                          *scaled]
            if plot_reliability(group, title, folder / f"{task}_reliability.png"):
                lines += ["", f"![{title} reliability diagrams]({task}_reliability.png)"]
        if len(fusion_layers(group)) >= 2:
            lines += ["", f"### {title} by fusion layer (D_k)", "", *layer_table(group), ""]
            plot_layer_heatmap(group, title, folder / f"{task}_layers.png")
            lines += [f"![{title} scores by fusion layer]({task}_layers.png)"]
    lines += layer_weights_section(layer_weights_by_task(metrics), folder, "layer_weights.png")
    lines += ["", "Metrics files:", ""]
    lines += [f"- `{m['path']}` ({TASKS[m['task']].title}, {m['variant']}, {heads_label(m)})" for m in metrics]
    return "\n".join(lines) + "\n"


def write_report(metrics_paths: Sequence[Union[str, Path]], output_dir: Union[str, Path]) -> Path:
    """Write `output_dir/results.md` and its PNG plots from metrics JSON files; return the path."""
    metrics = load_all(metrics_paths)  # every input is checked before anything is written
    with report_files(output_dir, REPORT_FILE) as tmp:
        markdown = render(metrics, tmp)
        write_html(markdown, metrics, tmp)
        (tmp / REPORT_FILE).write_text(markdown, encoding="utf8")
    return Path(output_dir) / REPORT_FILE
