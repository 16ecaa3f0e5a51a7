"""Markdown tables and PNG plots from the metrics JSON files `evaluate` writes.

`write_report` puts `results.md` and its plots into one folder:

* the main table: one row per model variant (baseline, DLFA-k), the average and the
  average without English of each task, in the paper's column order;
* per task, a per-language table (baseline, each DLFA variant, DLFA - baseline) and a
  per-language bar plot; for XNLI / PAWS-X also a calibration table and reliability
  diagrams; with several fusion layers of one task, the D_k table and a heatmap.
"""
import json
import math
import os
import re
import shutil
import tempfile
from pathlib import Path
from typing import Any, Dict, List, Mapping, Optional, Sequence, Tuple, Union

# Paper order and titles of the tasks.
TASKS = {"xnli": "XNLI", "pawsx": "PAWS-X", "ner": "NER", "pos": "POS"}
TASK_METRIC_NAME = {"xnli": "accuracy", "pawsx": "accuracy", "ner": "entity F1", "pos": "UPOS accuracy"}
CLASSIFICATION_TASKS = ("xnli", "pawsx")
REQUIRED_KEYS = ("task", "languages", "average", "average_without_en")
MISSING = "–"  # shown where a variant has no metrics for a task
SMOKE_NOTE = "numbers are from a smoke run of the machinery, not results"

Metrics = Dict[str, Any]


# ---------------------------------------------------------- loading ----------


def _is_number(value: Any) -> bool:
    """Whether a JSON value is a finite number (bools are not)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _layer_of(data: Mapping[str, Any], path: Path) -> Optional[int]:
    """The fusion layer of a metrics file: its "layer", else the k of a "DLFA-k" variant."""
    layer = data.get("layer")
    if layer is None:
        match = re.fullmatch(r"DLFA-(\d+)", str(data.get("variant", "")))
        return int(match.group(1)) if match else None
    if isinstance(layer, bool) or not isinstance(layer, int):
        raise ValueError(f"{path}: \"layer\" must be an integer or null, got {layer!r}")
    return layer


def _check_reliability(bins: Any, where: str) -> None:
    """Raise ValueError unless `bins` is a list of reliability bins."""
    keys = ("lower", "upper", "count", "accuracy", "confidence")
    if not isinstance(bins, list) or not all(isinstance(b, dict) for b in bins):
        raise ValueError(f"{where}: \"reliability\" must be a list of bins")
    for b in bins:
        missing = [k for k in keys if k not in b]
        if missing:
            raise ValueError(f"{where}: a reliability bin has no {missing}")


def load_metrics(path: Union[str, Path]) -> Metrics:
    """Read and validate one metrics JSON file; raise ValueError naming the file and problem."""
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"Metrics file {path} does not exist")
    try:
        data = json.loads(path.read_text(encoding="utf8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise ValueError(f"Metrics file {path} is not valid JSON: {err}") from err
    if not isinstance(data, dict):
        raise ValueError(f"Metrics file {path} must hold a JSON object")
    missing = [k for k in REQUIRED_KEYS if k not in data]
    if missing:
        raise ValueError(f"Metrics file {path} lacks the required keys {missing}")
    if data["task"] not in TASKS:
        raise ValueError(f"Metrics file {path}: unknown task {data['task']!r}; expected one of {list(TASKS)}")
    languages = data["languages"]
    if not isinstance(languages, dict) or not languages:
        raise ValueError(f"Metrics file {path}: \"languages\" must be a non-empty object")
    for lang, scores in languages.items():
        if not isinstance(scores, dict) or not _is_number(scores.get("score")):
            raise ValueError(f"Metrics file {path}: language {lang!r} has no numeric \"score\"")
        if "reliability" in scores:
            _check_reliability(scores["reliability"], f"Metrics file {path}, language {lang!r}")
    if not _is_number(data["average"]):
        raise ValueError(f"Metrics file {path}: \"average\" must be a number")
    if data["average_without_en"] is not None and not _is_number(data["average_without_en"]):
        raise ValueError(f"Metrics file {path}: \"average_without_en\" must be a number or null")
    layer = _layer_of(data, path)
    variant = data.get("variant") or ("baseline" if layer is None else f"DLFA-{layer}")
    return {**data, "path": path, "layer": layer, "variant": str(variant)}


def load_all(paths: Sequence[Union[str, Path]]) -> List[Metrics]:
    """Load every metrics file; raise ValueError if two describe the same task and variant."""
    if not paths:
        raise ValueError("No metrics files given")
    loaded = [load_metrics(p) for p in paths]
    seen: Dict[Tuple[str, str], Path] = {}
    for m in loaded:
        key = (m["task"], m["variant"])
        if key in seen:
            raise ValueError(
                f"Metrics files {seen[key]} and {m['path']} both hold task {key[0]!r} "
                f"of variant {key[1]!r}"
            )
        seen[key] = m["path"]
    return loaded


# ------------------------------------------------------- formatting ----------


def pct(value: Optional[float]) -> str:
    """A score in [0, 1] as a percentage with 2 decimals, or the missing mark."""
    return MISSING if value is None else f"{100 * value:.2f}"


def pct_diff(value: Optional[float], reference: Optional[float]) -> str:
    """value - reference in percentage points with a sign, or the missing mark."""
    if value is None or reference is None:
        return MISSING
    points = round(100 * (value - reference), 2)
    return f"{points + 0.0:+.2f}"  # + 0.0 turns -0.0 into 0.0


def _variant_key(m: Metrics) -> Tuple[int, float, str]:
    """Sort key: baseline first, then DLFA by layer, then anything else by name."""
    if m["variant"] == "baseline":
        return (0, 0, "")
    if m["layer"] is not None:
        return (1, m["layer"], m["variant"])
    return (2, 0, m["variant"])


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> List[str]:
    """Markdown table lines; the first column left-aligned, the rest right-aligned."""
    lines = ["| " + " | ".join(header) + " |"]
    lines.append("|" + "|".join([":---"] + ["---:"] * (len(header) - 1)) + "|")
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def _by_task(metrics: Sequence[Metrics]) -> Dict[str, List[Metrics]]:
    """Metrics grouped by task in paper order, each group sorted by variant."""
    groups = {task: sorted((m for m in metrics if m["task"] == task), key=_variant_key) for task in TASKS}
    return {task: group for task, group in groups.items() if group}


def main_table(metrics: Sequence[Metrics]) -> List[str]:
    """Rows = variants; columns = each task's average and average without English."""
    variants = []
    for m in sorted(metrics, key=_variant_key):
        if m["variant"] not in variants:
            variants.append(m["variant"])
    cell = {(m["variant"], m["task"]): m for m in metrics}
    header = ["Model"]
    for title in TASKS.values():
        header += [title, f"{title} w/o en"]
    rows = []
    for variant in variants:
        row = [variant]
        for task in TASKS:
            m = cell.get((variant, task))
            row += [pct(m["average"]), pct(m["average_without_en"])] if m else [MISSING, MISSING]
        rows.append(row)
    return _table(header, rows)


def language_table(group: Sequence[Metrics]) -> List[str]:
    """Per-language scores of each variant of one task, and each DLFA variant minus baseline."""
    baseline = next((m for m in group if m["variant"] == "baseline"), None)
    others = [m for m in group if m is not baseline]
    langs = sorted({lang for m in group for lang in m["languages"]})
    header = ["Language"] + [m["variant"] for m in group]
    if baseline is not None:
        header += [f"{m['variant']} − baseline" for m in others]

    def score(m: Metrics, lang: str) -> Optional[float]:
        entry = m["languages"].get(lang)
        return None if entry is None else entry["score"]

    def row(name: str, value) -> List[str]:
        cells = [name] + [pct(value(m)) for m in group]
        if baseline is not None:
            cells += [pct_diff(value(m), value(baseline)) for m in others]
        return cells

    rows = [row(lang, lambda m, lang=lang: score(m, lang)) for lang in langs]
    rows.append(row("**average**", lambda m: m["average"]))
    rows.append(row("**w/o en**", lambda m: m["average_without_en"]))
    return _table(header, rows)


def _mean_of(m: Metrics, key: str) -> Optional[float]:
    """Mean of a per-language value over the languages that have it, or None."""
    values = [v[key] for v in m["languages"].values() if _is_number(v.get(key))]
    return sum(values) / len(values) if values else None


def calibration_table(group: Sequence[Metrics]) -> List[str]:
    """Mean over languages of ECE (%), NLL and Brier score of each variant."""
    rows = []
    for m in group:
        ece, nll, brier = (_mean_of(m, k) for k in ("ece", "nll", "brier"))
        rows.append([
            m["variant"], pct(ece),
            MISSING if nll is None else f"{nll:.4f}",
            MISSING if brier is None else f"{brier:.4f}",
        ])
    return _table(["Model", "ECE (%)", "NLL", "Brier"], rows)


def layer_table(group: Sequence[Metrics]) -> List[str]:
    """The D_k table: average score per fusion layer k and its difference to baseline."""
    baseline = next((m for m in group if m["variant"] == "baseline"), None)
    rows = []
    for m in (m for m in group if m["layer"] is not None):
        ref = baseline or {"average": None, "average_without_en": None}
        rows.append([
            f"D_{m['layer']}", pct(m["average"]), pct(m["average_without_en"]),
            pct_diff(m["average"], ref["average"]),
            pct_diff(m["average_without_en"], ref["average_without_en"]),
        ])
    return _table(["k", "average", "w/o en", "Δ average", "Δ w/o en"], rows)


def _layers(group: Sequence[Metrics]) -> List[int]:
    """The distinct fusion layers among one task's variants."""
    return sorted({m["layer"] for m in group if m["layer"] is not None})


# ------------------------------------------------------------ plots ----------


def _figure(width: float, height: float):
    """A matplotlib Figure drawn by the Agg canvas (no pyplot, no global backend change)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=100)
    FigureCanvasAgg(fig)
    return fig


def plot_languages(group: Sequence[Metrics], title: str, path: Path) -> None:
    """Grouped bars: per language, the score of every variant of one task."""
    langs = sorted({lang for m in group for lang in m["languages"]})
    fig = _figure(max(6.0, 0.6 * len(langs) + 2), 3.5)
    ax = fig.add_subplot()
    width = 0.8 / len(group)
    for i, m in enumerate(group):
        xs = [j + (i - (len(group) - 1) / 2) * width for j in range(len(langs))]
        ys = [100 * m["languages"][l]["score"] if l in m["languages"] else 0.0 for l in langs]
        ax.bar(xs, ys, width=width, label=m["variant"])
    ax.set_xticks(range(len(langs)))
    ax.set_xticklabels(langs)
    ax.set_ylabel("score (%)")
    ax.set_title(f"{title}: per-language zero-shot scores")
    ax.legend(fontsize="small")
    fig.tight_layout()
    fig.savefig(path, format="png")


def pooled_reliability(m: Metrics) -> Optional[List[Dict[str, Any]]]:
    """Reliability bins pooled over languages (count-weighted), or None if there are none."""
    pooled: Optional[List[Dict[str, Any]]] = None
    for scores in m["languages"].values():
        bins = scores.get("reliability")
        if not bins:
            continue
        if pooled is None:
            pooled = [{"lower": b["lower"], "upper": b["upper"], "count": 0, "acc": 0.0, "conf": 0.0} for b in bins]
        if len(bins) != len(pooled):
            raise ValueError(f"Metrics file {m['path']}: languages use different reliability bins")
        for p, b in zip(pooled, bins):
            if b["count"]:
                p["count"] += b["count"]
                p["acc"] += b["count"] * b["accuracy"]
                p["conf"] += b["count"] * b["confidence"]
    if pooled is None:
        return None
    return [
        {
            "lower": p["lower"], "upper": p["upper"], "count": p["count"],
            "accuracy": p["acc"] / p["count"] if p["count"] else None,
            "confidence": p["conf"] / p["count"] if p["count"] else None,
        }
        for p in pooled
    ]


def plot_reliability(group: Sequence[Metrics], title: str, path: Path) -> bool:
    """Reliability diagrams (one panel per variant); return False if no data to draw."""
    panels = [(m, pooled_reliability(m)) for m in group]
    panels = [(m, bins) for m, bins in panels if bins]
    if not panels:
        return False
    fig = _figure(3.2 * len(panels), 3.4)
    for i, (m, bins) in enumerate(panels):
        ax = fig.add_subplot(1, len(panels), i + 1)
        full = [b for b in bins if b["count"]]
        centers = [(b["lower"] + b["upper"]) / 2 for b in full]
        widths = [b["upper"] - b["lower"] for b in full]
        ax.bar(centers, [b["accuracy"] for b in full], width=widths, edgecolor="black", label="accuracy")
        ax.plot([b["confidence"] for b in full], [b["accuracy"] for b in full], "o", color="tab:red",
                markersize=3, label="(confidence, accuracy)")
        ax.plot([0, 1], [0, 1], "--", color="gray")
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.set_xlabel("confidence")
        ax.set_ylabel("accuracy")
        ax.set_title(f"{title} {m['variant']}", fontsize="medium")
        if i == 0:
            ax.legend(fontsize="x-small", loc="upper left")
    fig.tight_layout()
    fig.savefig(path, format="png")
    return True


def plot_layer_heatmap(group: Sequence[Metrics], title: str, path: Path) -> None:
    """Heatmap of the scores of the DLFA variants: fusion layers x languages."""
    rows = [m for m in group if m["layer"] is not None]
    langs = sorted({lang for m in rows for lang in m["languages"]})
    values = [[100 * m["languages"][l]["score"] if l in m["languages"] else math.nan for l in langs] for m in rows]
    fig = _figure(max(5.0, 0.7 * len(langs) + 2), max(2.5, 0.45 * len(rows) + 1.5))
    ax = fig.add_subplot()
    image = ax.imshow(values, aspect="auto", cmap="viridis")
    ax.set_xticks(range(len(langs)))
    ax.set_xticklabels(langs)
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([f"k={m['layer']}" for m in rows])
    low, high = image.get_clim()
    for r, row in enumerate(values):
        for c, v in enumerate(row):
            if not math.isnan(v):
                # Dark text on the bright (high) end of viridis, white on the dark end.
                color = "black" if v > (low + high) / 2 else "white"
                ax.text(c, r, f"{v:.1f}", ha="center", va="center", color=color, fontsize="x-small")
    ax.set_title(f"{title}: score (%) by fusion layer k")
    fig.colorbar(image, ax=ax)
    fig.tight_layout()
    fig.savefig(path, format="png")


# ----------------------------------------------------------- report ----------


def render(metrics: Sequence[Metrics], folder: Path) -> str:
    """Draw the plots into `folder` and return the markdown that references them."""
    lines = ["# Zero-shot cross-lingual results", ""]
    if any(m.get("smoke") is True for m in metrics):
        lines += [f"> **Note:** {SMOKE_NOTE}.", ""]
    lines += [
        "Scores in %. \"w/o en\" is the average over languages without English. "
        + "; ".join(f"{TASKS[t]}: {TASK_METRIC_NAME[t]}" for t in TASKS) + ".",
        "",
        "## Main results",
        "",
        *main_table(metrics),
    ]
    for task, group in _by_task(metrics).items():
        title = TASKS[task]
        lines += ["", f"## {title}", "", *language_table(group), ""]
        plot_languages(group, title, folder / f"{task}_languages.png")
        lines += [f"![{title} per-language scores]({task}_languages.png)"]
        if task in CLASSIFICATION_TASKS:
            lines += ["", f"### {title} calibration (mean over languages)", "", *calibration_table(group)]
            if plot_reliability(group, title, folder / f"{task}_reliability.png"):
                lines += ["", f"![{title} reliability diagrams]({task}_reliability.png)"]
        if len(_layers(group)) >= 2:
            lines += ["", f"### {title} by fusion layer (D_k)", "", *layer_table(group), ""]
            plot_layer_heatmap(group, title, folder / f"{task}_layers.png")
            lines += [f"![{title} scores by fusion layer]({task}_layers.png)"]
    lines += ["", "Metrics files:", ""]
    lines += [f"- `{m['path']}` ({TASKS[m['task']]}, {m['variant']})" for m in metrics]
    return "\n".join(lines) + "\n"


def write_report(metrics_paths: Sequence[Union[str, Path]], output_dir: Union[str, Path]) -> Path:
    """Write `output_dir/results.md` and its PNG plots from metrics JSON files; return the path."""
    metrics = load_all(metrics_paths)  # every input is checked before anything is written
    output_dir = Path(output_dir)
    if output_dir.exists() and not output_dir.is_dir():
        raise ValueError(f"Output {output_dir} exists and is not a folder")
    created = not output_dir.exists()
    output_dir.mkdir(parents=True, exist_ok=True)
    # Everything is drawn into a temp folder inside the output folder and only moved
    # into place once all of it succeeded, results.md last.
    tmp = Path(tempfile.mkdtemp(dir=output_dir, prefix=".report-"))
    try:
        (tmp / "results.md").write_text(render(metrics, tmp), encoding="utf8")
        for png in sorted(tmp.glob("*.png")):
            os.replace(png, output_dir / png.name)
        os.replace(tmp / "results.md", output_dir / "results.md")
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        if created:
            shutil.rmtree(output_dir, ignore_errors=True)
        raise
    shutil.rmtree(tmp, ignore_errors=True)
    return output_dir / "results.md"
