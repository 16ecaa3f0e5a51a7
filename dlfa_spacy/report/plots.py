"""PNG plots of metrics, drawn with matplotlib's Agg canvas (the `report` extra).

matplotlib is imported only when a plot is drawn, so that `import dlfa_spacy` and
loading a pipeline never need it.
"""
import math
from pathlib import Path
from typing import Any, Dict, List, Optional, Sequence

from ..results import PER_EXAMPLE_KEY
from .metrics_files import Metrics


def new_figure(width: float, height: float):
    """A matplotlib Figure drawn by the Agg canvas (no pyplot, no global backend change)."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=100)
    FigureCanvasAgg(fig)
    return fig


def language_errors(m: Metrics, langs: Sequence[str]) -> Optional[List[List[float]]]:
    """[[below], [above]] the score of each language's 95% bootstrap interval, in points; None without per-example data."""
    from ..metrics.bootstrap import score_interval

    below, above = [], []
    for lang in langs:
        scores = m["languages"].get(lang, {})
        if not scores.get(PER_EXAMPLE_KEY):
            return None
        low, high = score_interval(scores[PER_EXAMPLE_KEY])
        below.append(max(0.0, 100 * (scores["score"] - low)))
        above.append(max(0.0, 100 * (high - scores["score"])))
    return [below, above]


def plot_languages(group: Sequence[Metrics], title: str, path: Path) -> List[bool]:
    """Grouped bars: per language, the score of every variant of one task, with 95% bootstrap intervals where
    the metrics hold per-example data; returns, per variant, whether it has them."""
    langs = sorted({lang for m in group for lang in m["languages"]})
    fig = new_figure(max(6.0, 0.6 * len(langs) + 2), 3.5)
    ax = fig.add_subplot()
    width = 0.8 / len(group)
    drawn = []
    for i, m in enumerate(group):
        xs = [j + (i - (len(group) - 1) / 2) * width for j in range(len(langs))]
        ys = [100 * m["languages"][l]["score"] if l in m["languages"] else 0.0 for l in langs]
        errors = language_errors(m, langs)
        ax.bar(xs, ys, width=width, label=m["variant"], yerr=errors, capsize=2 if errors else 0)
        drawn.append(errors is not None)
    ax.set_xticks(range(len(langs)))
    ax.set_xticklabels(langs)
    ax.set_ylabel("score (%)")
    intervals = " (whiskers: 95% bootstrap intervals over test examples)" if any(drawn) else ""
    ax.set_title(f"{title}: per-language zero-shot scores{intervals}", fontsize="medium")
    ax.legend(fontsize="small")
    fig.tight_layout()
    fig.savefig(path, format="png")
    return drawn


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
    fig = new_figure(3.2 * len(panels), 3.4)
    for i, (m, bins) in enumerate(panels):
        ax = fig.add_subplot(1, len(panels), i + 1)
        full = [b for b in bins if b["count"]]
        centers = [(b["lower"] + b["upper"]) / 2 for b in full]
        widths = [b["upper"] - b["lower"] for b in full]
        bars = ax.bar(centers, [b["accuracy"] for b in full], width=widths, edgecolor="black", label="accuracy")
        # How many examples each bar stands on: a full-height bar of one example is no evidence.
        ax.bar_label(bars, labels=[str(b["count"]) for b in full], fontsize="xx-small", padding=1)
        ax.plot([b["confidence"] for b in full], [b["accuracy"] for b in full], "o", color="tab:red",
                markersize=3, label="(confidence, accuracy)")
        ax.plot([0, 1], [0, 1], "--", color="gray")
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.set_xlabel("confidence")
        ax.set_ylabel("accuracy")
        ax.set_title(f"{title} {m['variant']} (n per bar above it)", fontsize="medium")
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
    fig = new_figure(max(5.0, 0.7 * len(langs) + 2), max(2.5, 0.45 * len(rows) + 1.5))
    ax = fig.add_subplot()
    image = ax.imshow(values, aspect="auto", cmap="viridis")
    ax.set_xticks(range(len(langs)))
    ax.set_xticklabels(langs)
    ax.set_yticks(range(len(rows)))
    ax.set_yticklabels([f"k={m['layer']}" if m["layer"] != "auto" else "auto" for m in rows])
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


def plot_layer_weights(
    weights: Dict[str, Dict[int, Sequence[float]]], path: Path
) -> None:
    """Bar charts, one per task, of the weight "auto" gave each lower layer (mean, with the spread over runs)."""
    fig = new_figure(max(4.0, 3.2 * len(weights)), 2.8)
    for i, (title, by_layer) in enumerate(weights.items()):
        ax = fig.add_subplot(1, len(weights), i + 1)
        layers = sorted(by_layer)
        means = [sum(by_layer[k]) / len(by_layer[k]) for k in layers]
        runs = min(len(by_layer[k]) for k in layers)
        # The bars' whiskers span the runs' (seeds') lowest and highest weight; one run has no spread to draw.
        spread = None
        if runs > 1:
            spread = [[m - min(by_layer[k]) for m, k in zip(means, layers)],
                      [max(by_layer[k]) - m for m, k in zip(means, layers)]]
        ax.bar([str(k) for k in layers], means, yerr=spread, color="tab:blue", capsize=2 if spread else 0)
        ax.axhline(1 / len(layers), color="grey", linewidth=0.8, linestyle="--")  # the uniform start
        ax.set_xlabel("lower layer")
        ax.set_ylabel("mix weight" if i == 0 else "")
        ax.set_title(f"{title} ({runs} run{'s' if runs > 1 else ''})", fontsize="medium")
    fig.suptitle("Which layers did the model choose (layer = \"auto\")", fontsize="medium")
    fig.tight_layout()
    fig.savefig(path, format="png")
