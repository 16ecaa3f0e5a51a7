"""Markdown tables of metrics: main results, per language, pair sets, calibration and the D_k table."""
from typing import Dict, List, Optional, Sequence, Tuple, Union

from ..results import AUTO, BASELINE, PAIRS_KEY, layer_label, variant_order
from ..tasks import TASKS, is_cross_lingual
from .metrics_files import Metrics, is_number

MISSING = "–"  # shown where a variant has no metrics for a task


def pct(value: Optional[float]) -> str:
    """A score in [0, 1] as a percentage with 2 decimals, or the missing mark."""
    return MISSING if value is None else f"{100 * value:.2f}"


def pct_diff(value: Optional[float], reference: Optional[float]) -> str:
    """value - reference in percentage points with a sign, or the missing mark."""
    if value is None or reference is None:
        return MISSING
    points = round(100 * (value - reference), 2)
    return f"{points + 0.0:+.2f}"  # + 0.0 turns -0.0 into 0.0


def variant_key(m: Metrics) -> Tuple[int, float, str]:
    """Sort key: baseline first, then DLFA by layer, "auto", "scalar-mix", then anything else by name."""
    if m["variant"] == BASELINE:
        return (0, 0, "")
    if m["layer"] is not None:
        return (*variant_order(m["layer"]), m["variant"])
    return (9, 0, m["variant"])


def markdown_table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> List[str]:
    """Markdown table lines; the first column left-aligned, the rest right-aligned."""
    lines = ["| " + " | ".join(header) + " |"]
    lines.append("|" + "|".join([":---"] + ["---:"] * (len(header) - 1)) + "|")
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return lines


def by_task(metrics: Sequence[Metrics]) -> Dict[str, List[Metrics]]:
    """Metrics grouped by task in paper order, each group sorted by variant."""
    groups = {task: sorted((m for m in metrics if m["task"] == task), key=variant_key) for task in TASKS}
    return {task: group for task, group in groups.items() if group}


def task_dlfa(group: Sequence[Metrics]) -> Optional[Metrics]:
    """The one DLFA run of a task the main table shows: its only fused variant, else the one at the paper's k, else
    "auto", else the lowest k (the others are in the task's D_k table)."""
    fused = [m for m in group if isinstance(m["layer"], int) or m["layer"] == AUTO]
    if len(fused) <= 1:
        return fused[0] if fused else None
    paper = TASKS[group[0]["task"]].paper_layer
    for wanted in (paper, AUTO):
        match = next((m for m in fused if m["layer"] == wanted), None)
        if match is not None:
            return match
    return min(fused, key=variant_key)


def main_table(metrics: Sequence[Metrics]) -> List[str]:
    """Rows: the baseline, one DLFA row (each task's DLFA run, its k named), then any other variant (the uniform
    mix, the scalar mix); columns: each task's average and average without English."""
    tasks = by_task(metrics)
    dlfa = {task: task_dlfa(group) for task, group in tasks.items()}
    others: List[str] = []
    for m in sorted(metrics, key=variant_key):
        fused = isinstance(m["layer"], int) or m["layer"] == AUTO
        if m["variant"] != BASELINE and not fused and m["variant"] not in others:
            others.append(m["variant"])
    cell = {(m["variant"], m["task"]): m for m in metrics}
    header = ["Model"]
    for title in (t.title for t in TASKS.values()):
        header += [title, f"{title} w/o en"]

    def cells(m: Optional[Metrics], named: bool = False) -> List[str]:
        if m is None:
            return [MISSING, MISSING]
        k = "auto" if m["layer"] == AUTO else f"k={m['layer']}"
        return [pct(m["average"]) + (f" ({k})" if named else ""), pct(m["average_without_en"])]

    rows = []
    if any(m["variant"] == BASELINE for m in metrics):
        rows.append([BASELINE] + [c for task in TASKS for c in cells(cell.get((BASELINE, task)))])
    if any(dlfa.values()):
        rows.append(["DLFA"] + [c for task in TASKS for c in cells(dlfa.get(task), named=True)])
    for variant in others:
        rows.append([variant] + [c for task in TASKS for c in cells(cell.get((variant, task)))])
    return markdown_table(header, rows)


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
    return markdown_table(header, rows)


def pair_table(group: Sequence[Metrics]) -> List[str]:
    """Per pair set "l1-l2" (STS 2017), each variant's score and DLFA - baseline; the cross-lingual mean last."""
    baseline = next((m for m in group if m["variant"] == "baseline"), None)
    others = [m for m in group if m is not baseline]
    names = sorted({name for m in group for name in m.get(PAIRS_KEY, {})})
    header = ["Pair set", "cross-lingual"] + [m["variant"] for m in group]
    if baseline is not None:
        header += [f"{m['variant']} − baseline" for m in others]

    def row(name: str, kind: str, value) -> List[str]:
        cells = [name, kind] + [pct(value(m)) for m in group]
        if baseline is not None:
            cells += [pct_diff(value(m), value(baseline)) for m in others]
        return cells

    def score(m: Metrics, name: str) -> Optional[float]:
        entry = m.get(PAIRS_KEY, {}).get(name)
        return None if entry is None else entry["score"]

    rows = [row(n, "yes" if is_cross_lingual(n) else "no", lambda m, n=n: score(m, n)) for n in names]
    rows.append(row("**cross-lingual average**", "", lambda m: m.get("average_cross_lingual")))
    return markdown_table(header, rows)


def _mean_of(m: Metrics, key: str) -> Optional[float]:
    """Mean of a per-language value over the languages that have it, or None."""
    values = [v[key] for v in m["languages"].values() if is_number(v.get(key))]
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
    return markdown_table(["Model", "ECE (%)", "NLL", "Brier"], rows)


def _mean_calibration(m: Metrics, when: str, key: str) -> Optional[float]:
    """Mean over languages of a calibration score "before" or "after" temperature scaling."""
    values = [v["calibration"][when][key] for v in m["languages"].values()
              if isinstance(v.get("calibration"), dict) and is_number(v["calibration"].get(when, {}).get(key))]
    return sum(values) / len(values) if values else None


def temperature_table(group: Sequence[Metrics]) -> List[str]:
    """Per calibrated variant: its temperature and mean ECE (%), NLL, Brier before and after scaling."""
    rows = []
    for m in (m for m in group if is_number(m.get("temperature"))):
        cells = [m["variant"], f"{m['temperature']:.3f}"]
        for key in ("ece", "nll", "brier"):
            before, after = (_mean_calibration(m, when, key) for when in ("before", "after"))
            show = pct if key == "ece" else (lambda v: MISSING if v is None else f"{v:.4f}")
            cells += [show(before), show(after)]
        rows.append(cells)
    header = ["Model", "T", "ECE before", "ECE after", "NLL before", "NLL after", "Brier before", "Brier after"]
    return markdown_table(header, rows) if rows else []


def layer_table(group: Sequence[Metrics]) -> List[str]:
    """The D_k table: average score per fusion layer k and its difference to baseline."""
    baseline = next((m for m in group if m["variant"] == "baseline"), None)
    rows = []
    for m in (m for m in group if m["layer"] is not None):
        ref = baseline or {"average": None, "average_without_en": None}
        rows.append([
            layer_label(m["layer"]), pct(m["average"]), pct(m["average_without_en"]),
            pct_diff(m["average"], ref["average"]),
            pct_diff(m["average_without_en"], ref["average_without_en"]),
        ])
    return markdown_table(["k", "average", "w/o en", "Δ average", "Δ w/o en"], rows)


def fusion_layers(group: Sequence[Metrics]) -> List[Union[int, str]]:
    """The distinct fusion layers among one task's variants, "auto" and "scalar-mix" last."""
    return sorted({m["layer"] for m in group if m["layer"] is not None}, key=variant_order)
