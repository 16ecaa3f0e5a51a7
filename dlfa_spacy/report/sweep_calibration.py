"""The sweep report's calibration section: ECE, NLL and Brier of every variant over seeds, and ECE against k.

Does fusing a lower layer change how trustworthy the confidences are abroad? For each
classification task (XNLI, PAWS-X) the table gives, per variant (baseline, each k, auto),
the mean ± std over seeds of each trial's mean over test languages; the plot draws the
mean ECE of each variant per language family (`tasks.language_family`), English apart.
"""
from pathlib import Path
from statistics import mean, stdev
from typing import Callable, Dict, List, Optional, Sequence

from ..tasks import TASKS, language_family
from .metrics_files import Metrics, is_number
from .plots import new_figure
from .tables import MISSING, markdown_table

CALIBRATION_METRICS = ("ece", "nll", "brier")
Runs = Dict[str, Dict[int, Metrics]]  # {variant: {seed: metrics}} of one task


def trial_mean(m: Metrics, key: str, langs: Optional[Sequence[str]] = None) -> Optional[float]:
    """Mean over a trial's languages (or the given ones) of one calibration metric, or None if none has it."""
    names = m["languages"] if langs is None else langs
    values = [m["languages"][lang].get(key) for lang in names if lang in m["languages"]]
    values = [v for v in values if is_number(v)]
    return mean(values) if values else None


def mean_std_text(values: Sequence[float], percent: bool) -> str:
    """ "mean ± std" over seeds (ddof=1, "± –" for one seed): ECE in %, NLL and Brier as they are."""
    if not values:
        return MISSING
    scale, digits = (100.0, 2) if percent else (1.0, 4)
    spread = MISSING if len(values) < 2 else f"{scale * stdev(values):.{digits}f}"
    return f"{scale * mean(values):.{digits}f} ± {spread}"


def calibration_table(runs: Runs, row_name: Callable[[str], str]) -> List[str]:
    """Rows = variants; ECE (%), NLL and Brier, each the mean ± std over seeds of the mean over languages."""
    rows = []
    for variant, seeds in runs.items():
        cells = [row_name(variant)]
        for key in CALIBRATION_METRICS:
            values = [trial_mean(m, key) for m in seeds.values()]
            cells.append(mean_std_text([v for v in values if v is not None], percent=key == "ece"))
        rows.append(cells)
    return markdown_table(["k", "ECE (%)", "NLL", "Brier"], rows)


def language_groups(langs: Sequence[str]) -> Dict[str, List[str]]:
    """The test languages by group: "English" alone, the others by language family, families sorted."""
    groups: Dict[str, List[str]] = {}
    for lang in sorted(langs):
        groups.setdefault("English" if lang == "en" else language_family(lang), []).append(lang)
    return dict(sorted(groups.items(), key=lambda item: (item[0] != "English", item[0])))


def ece_by_group(runs: Runs) -> Dict[str, List[Optional[float]]]:
    """Per language group, the mean ECE over seeds of each variant (in the order of `runs`)."""
    langs = next(iter(next(iter(runs.values())).values()))["language_set"]
    out = {}
    for group, members in language_groups(langs).items():
        row = []
        for seeds in runs.values():
            values = [trial_mean(m, "ece", members) for m in seeds.values()]
            values = [v for v in values if v is not None]
            row.append(mean(values) if values else None)
        out[group] = row
    return out


def plot_ece_by_layer(runs: Runs, row_name: Callable[[str], str], title: str, path: Path) -> None:
    """Line plot: ECE (%) of each variant, one line per language group."""
    names = [row_name(v) for v in runs]
    fig = new_figure(max(5.0, 0.5 * len(names) + 3), 3.5)
    ax = fig.add_subplot()
    for group, values in ece_by_group(runs).items():
        points = [(i, 100 * v) for i, v in enumerate(values) if v is not None]
        ax.plot([p[0] for p in points], [p[1] for p in points], marker="o", label=group)
    ax.set_xticks(range(len(names)))
    ax.set_xticklabels(names)
    ax.set_ylabel("ECE (%)")
    ax.set_title(f"{title}: calibration error by fusion layer", fontsize="medium")
    ax.legend(fontsize="x-small", ncol=2)
    fig.tight_layout()
    fig.savefig(path, format="png")


def calibration_section(groups: Dict[str, Runs], folder: Path, row_name: Callable[[str], str]) -> List[str]:
    """The markdown of the section, with a plot per classification task; [] if the sweep has none."""
    tasks = [t for t in groups if TASKS[t].is_classification]
    if not tasks:
        return []
    lines = ["", "## Calibration by fusion layer", "",
             "ECE (15 equal-width bins, %), NLL and Brier score of `doc.cats` on the test languages: per trial the "
             "mean over languages, then mean ± std over seeds. The plot shows each variant's mean ECE per language "
             "family (English apart). Lower is better for all three."]
    for task in tasks:
        title = TASKS[task].title
        png = f"sweep_{task}_calibration.png"
        plot_ece_by_layer(groups[task], row_name, title, folder / png)
        lines += ["", f"### {title} calibration", "", *calibration_table(groups[task], row_name), "",
                  f"![{title} ECE by fusion layer and language family]({png})"]
    return lines
