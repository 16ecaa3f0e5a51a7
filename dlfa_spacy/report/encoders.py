"""The encoder comparison: the same variants (baseline, DLFA k, auto, ...) swept on several encoders.

Each encoder's sweep folder holds the usual trials (`trials/{variant}-s{seed}/`); the
report names each folder by its encoder (`report encoders mBERT=sweeps/encoders/mbert/xnli`).
`encoders.md` gives, per task, one row per encoder: the baseline's average and each fused
variant's average and gain over that encoder's own baseline, mean ± std over seeds, with
the paired-bootstrap 95% CI of the gain on the average over languages.
"""
from pathlib import Path
from typing import Dict, List, Sequence, Tuple, Union

from ..atomic import write_atomic
from ..metrics.bootstrap import N_ROUNDS, SEED
from ..results import BASELINE, SMOKE_NOTE, is_smoke
from ..tasks import TASKS
from .sweep import (
    Groups,
    ci_cells,
    missing_per_example,
    group_trials,
    load_trials,
    mean_average,
    mean_std_cell,
    row_name,
    significance,
)
from .tables import markdown_table, pct_diff

REPORT_FILE = "encoders.md"
Named = Sequence[Tuple[str, Union[str, Path]]]  # (encoder name, sweep folder)


def parse_named(items: Sequence[str]) -> List[Tuple[str, Path]]:
    """NAME=FOLDER items as (name, folder); ValueError naming a bad item or a repeated name."""
    out: List[Tuple[str, Path]] = []
    for item in items:
        name, sep, folder = item.partition("=")
        if not sep or not name.strip() or not folder.strip():
            raise ValueError(f"Bad --encoder {item!r}: expected NAME=SWEEP_FOLDER, e.g. mBERT=sweeps/encoders/mbert/xnli")
        pair = (name.strip(), Path(folder.strip()))
        if pair in out:
            raise ValueError(f"--encoder {item!r} is given twice")
        out.append(pair)
    return out


def load_encoders(named: Named) -> Dict[str, Groups]:
    """{encoder: its trials grouped by task, variant and seed}; an encoder may name one folder per task."""
    if not named:
        raise ValueError("No encoder sweeps given")
    folders: Dict[str, List[Path]] = {}
    for name, folder in named:
        folders.setdefault(name, []).append(Path(folder))
    # load_trials checks each encoder's trials as `report sweep` does (one variant and seed once per task).
    return {name: group_trials(load_trials(paths)) for name, paths in folders.items()}


def variants_of(encoders: Dict[str, Groups], task: str) -> List[str]:
    """The fused variants any encoder has for a task, in the sweep's order (k, auto, scalar-mix)."""
    seen: List[str] = []
    for groups in encoders.values():
        for variant in groups.get(task, {}):
            if variant != BASELINE and variant not in seen:
                seen.append(variant)
    return seen


def encoder_table(encoders: Dict[str, Groups], task: str, n_rounds: int, seed: int) -> List[str]:
    """Rows = encoders; the baseline, then per fused variant its average, gain and 95% CI of the gain."""
    variants = variants_of(encoders, task)
    header = ["Encoder", "baseline"]
    for variant in variants:
        name = row_name(variant)
        header += [name, f"{name} gain", f"{name} 95% CI"]
    rows = []
    for encoder, groups in encoders.items():
        runs = groups.get(task, {})
        base = runs.get(BASELINE)
        cells = [encoder, mean_std_cell([m["average"] for m in base.values()]) if base else "–"]
        for variant in variants:
            seeds = runs.get(variant)
            if not seeds:
                cells += ["–", "–", "–"]
                continue
            cells.append(mean_std_cell([m["average"] for m in seeds.values()]))
            if base is None:
                cells += ["–", "–"]
                continue
            cells.append(pct_diff(mean_average(seeds), mean_average(base)))
            paired = not (missing_per_example(base) or missing_per_example(seeds))
            cells.append(ci_cells(significance(base, seeds, n_rounds, seed)["average"])[0] if paired else "–")
        rows.append(cells)
    return markdown_table(header, rows)


def render_encoders(encoders: Dict[str, Groups], n_rounds: int = N_ROUNDS, seed: int = SEED) -> str:
    """The markdown of encoders.md."""
    lines = ["# Encoders compared", "",
             "Average score over languages in %, mean ± std over seeds; gain in points over the same encoder's "
             f"baseline, with the 95% CI of a paired bootstrap over test examples ({n_rounds} rounds, seed {seed}).",
             "Encoders: " + ", ".join(encoders) + "."]
    if any(is_smoke(m) for g in encoders.values() for runs in g.values() for s in runs.values() for m in s.values()):
        lines += ["", f"> **Note:** {SMOKE_NOTE}."]
    for task in TASKS:
        if any(task in groups for groups in encoders.values()):
            lines += ["", f"## {TASKS[task].title}", "", *encoder_table(encoders, task, n_rounds, seed)]
    return "\n".join(lines) + "\n"


def write_encoder_report(named: Named, output_dir: Union[str, Path], n_rounds: int = N_ROUNDS, seed: int = SEED) -> Path:
    """Write `output_dir/encoders.md` from named encoder sweeps; return its path."""
    encoders = load_encoders(named)  # everything is checked before anything is written
    path = Path(output_dir) / REPORT_FILE
    write_atomic(path, render_encoders(encoders, n_rounds, seed).encode("utf8"))
    return path
