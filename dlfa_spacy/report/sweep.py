"""The sweep section of the report: fusion layers k over several seeds, with significance.

A layer sweep writes one folder per trial, `OUT/trials/{variant}-s{seed}/metrics.json`
(variant "baseline" or "DLFA-k"), each an `evaluate` metrics file plus an integer "seed".
`write_sweep_report` writes `sweep.md` and its heatmaps from one or more such OUT folders:

* the D_k table: rows baseline, D_1.., columns each task's average score and the
  average over tasks, as "mean ± std" over seeds (std with ddof=1; "± –" for one seed);
* per task, a heatmap of the mean gain over the baseline per fusion layer and language;
* the English dev table (the same cells for the dev score each trial's evaluation
  records under "dev");
* per task, for the best k (highest mean English dev score: zero-shot, no target-language
  data may choose k; the test oracle is named beside it), the per-language gain with the 95%
  interval of a paired bootstrap over test examples pooled over seeds
  (`metrics.bootstrap`), flagged significant when the interval excludes 0, and how that
  gain and its CI change as target languages are added (`language_count.py`);
* for XNLI / PAWS-X, ECE / NLL / Brier per variant over seeds and ECE against k per
  language family (`sweep_calibration.py`).
"""
import re
from pathlib import Path
from statistics import mean, stdev
from typing import Dict, List, Optional, Sequence, Tuple, Union

from ..atomic import report_files
from ..results import (
    AUTO,
    UNIFORM,
    BASELINE,
    DEV_KEY,
    ITEMS_KEY,
    METRICS_FILE,
    PER_EXAMPLE_KEY,
    SCALAR_MIX,
    SEED_KEY,
    TRIALS_DIR,
    layer_label,
    layer_of_variant,
    is_smoke,
    smoke_lines,
    variant_name,
)
from ..metrics.bootstrap import (
    N_ROUNDS,
    SEED,
    BootstrapResult,
    as_array,
    paired_bootstrap_many,
    per_language_bootstrap,
    score,
)
from ..tasks import TASKS
from .layer_weights import layer_weights_section
from .metrics_files import Metrics, check_same_metric, lacking_languages, layer_weights_by_task, load_metrics
from .language_count import SOURCE_LANGUAGE, family_order, language_count_section, target_languages
from .plots import new_figure
from .sweep_calibration import calibration_section
from .tables import MISSING, markdown_table, pct, pct_diff, variant_key

REPORT_FILE = "sweep.md"
WITHOUT_EN = "w/o en"  # the significance results' key of the average over the target languages
AUTO_VARIANT = variant_name(AUTO)
SCALAR_MIX_VARIANT = variant_name(SCALAR_MIX)
UNIFORM_VARIANT = variant_name(UNIFORM)

# {task: {variant: {seed: metrics}}}, tasks in paper order, variants baseline first then by k.
Groups = Dict[str, Dict[str, Dict[int, Metrics]]]

# A per-example rescore may differ from the stored score by float rounding only.
SCORE_TOLERANCE = 1e-9


# ----------------------------------------------------------------- loading ---


def trial_files(sweep_dir: Union[str, Path]) -> List[Path]:
    """The metrics files of a sweep folder's trials, sorted; ValueError if there are none."""
    trials = Path(sweep_dir) / TRIALS_DIR
    if not trials.is_dir():
        raise ValueError(f"Sweep folder {sweep_dir} has no {TRIALS_DIR}/ folder")
    files = sorted(p / METRICS_FILE for p in trials.iterdir() if (p / METRICS_FILE).is_file())
    if not files:
        raise ValueError(f"Sweep folder {sweep_dir} has no {TRIALS_DIR}/*/{METRICS_FILE}")
    return files


def _seed_of(data: Metrics, path: Path) -> int:
    """The trial's seed: its "seed" key, else the -s{seed} of its folder name."""
    seed = data.get(SEED_KEY)
    if seed is None:
        match = re.search(r"-s(\d+)$", path.parent.name)
        if match is None:
            raise ValueError(f"Trial {path} has no \"seed\" and its folder name does not end in -s<seed>")
        return int(match.group(1))
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise ValueError(f"Trial {path}: \"seed\" must be an integer, got {seed!r}")
    return seed


def _check_per_example(m: Metrics) -> None:
    """ValueError naming the file unless every per-example list is valid and reproduces its score."""
    for lang, scores in m["languages"].items():
        if PER_EXAMPLE_KEY not in scores:
            continue
        try:
            data = as_array(scores[PER_EXAMPLE_KEY])
        except ValueError as err:
            raise ValueError(f"Trial {m['path']}, language {lang!r}: {err}") from None
        rescored = score(data)
        if abs(rescored - scores["score"]) > SCORE_TOLERANCE:
            raise ValueError(
                f"Trial {m['path']}, language {lang!r}: \"{PER_EXAMPLE_KEY}\" gives the score {rescored}, "
                f"but \"score\" is {scores['score']}"
            )


def load_trial(path: Union[str, Path]) -> Metrics:
    """Read and validate one trial's metrics file, with "seed" and "folder" set."""
    m = load_metrics(path)
    _check_per_example(m)
    return {**m, SEED_KEY: _seed_of(m, m["path"]), "folder": m["path"].parent}


def _check_duplicates(trials: Sequence[Metrics]) -> None:
    """ValueError naming both folders when two trials hold one task, variant and seed."""
    seen: Dict[Tuple[str, str, int], Path] = {}
    for t in trials:
        key = (t["task"], t["variant"], t["seed"])
        if key in seen:
            raise ValueError(
                f"Trials {seen[key]} and {t['folder']} both hold task {key[0]!r}, variant {key[1]!r}, seed {key[2]}"
            )
        seen[key] = t["folder"]


def _check_comparable(task: str, trials: Sequence[Metrics]) -> None:
    """ValueError naming the trial folders unless one task's trials share languages and metric."""
    lacking = lacking_languages(trials, "folder")
    if lacking:
        raise ValueError(
            f"Trials of task {task!r} cover different languages, so they do not compare: "
            + "; ".join(f"{folder} lacks: {', '.join(langs)}" for folder, langs in lacking)
        )
    check_same_metric(trials, "folder", "Trials")


def load_trials(sweep_dirs: Sequence[Union[str, Path]]) -> List[Metrics]:
    """Load every trial of the sweep folders; ValueError on duplicates or incomparable trials."""
    if not sweep_dirs:
        raise ValueError("No sweep folders given")
    trials = [load_trial(p) for d in sweep_dirs for p in trial_files(d)]
    _check_duplicates(trials)
    for task in TASKS:
        group = [t for t in trials if t["task"] == task]
        if group:
            _check_comparable(task, group)
    return trials


def group_trials(trials: Sequence[Metrics]) -> Groups:
    """Trials by task (paper order), variant (baseline, then by k) and seed (ascending)."""
    groups: Groups = {}
    for task in TASKS:
        ordered = sorted((t for t in trials if t["task"] == task), key=lambda t: (variant_key(t), t["seed"]))
        for t in ordered:
            groups.setdefault(task, {}).setdefault(t["variant"], {})[t["seed"]] = t
    return groups


# ------------------------------------------------------------------ tables ---


def mean_std(values: Sequence[float]) -> Tuple[float, Optional[float]]:
    """(mean, sample std with ddof=1), the std None for fewer than two values."""
    return mean(values), (stdev(values) if len(values) >= 2 else None)


def mean_std_cell(values: Sequence[float]) -> str:
    """Scores in [0, 1] as "mean ± std" in %, "mean ± –" for one value, the missing mark for none."""
    if not values:
        return MISSING
    m, s = mean_std(values)
    return f"{100 * m:.2f} ± {MISSING if s is None else f'{100 * s:.2f}'}"


def row_name(variant: str) -> str:
    """The D_k table's row name of a variant: "baseline", "D_k", "auto", "scalar-mix" (another name as it is)."""
    try:
        return layer_label(layer_of_variant(variant))
    except ValueError:
        return variant


def all_variants(groups: Groups) -> List[str]:
    """Every variant of any task, baseline first, then by k."""
    firsts = {}
    for runs in groups.values():
        for variant, seeds in runs.items():
            firsts.setdefault(variant, next(iter(seeds.values())))
    return sorted(firsts, key=lambda v: variant_key(firsts[v]))


def averaged_tasks(groups: Groups) -> List[str]:
    """The tasks of the cross-task average: accuracy and F1 only (STS's correlation is on another scale)."""
    return [task for task in groups if not TASKS[task].is_regression]


def task_average_by_seed(groups: Groups, variant: str) -> List[float]:
    """Per seed that has every averaged task of the sweep, the mean over those tasks of the average score."""
    tasks = averaged_tasks(groups)
    seed_sets = [set(groups[task].get(variant, {})) for task in tasks]
    common = sorted(set.intersection(*seed_sets)) if seed_sets else []
    return [mean(groups[task][variant][s]["average"] for task in tasks) for s in common]


def dev_table(groups: Groups) -> List[str]:
    """Mean ± std over seeds of each task's English dev score: the numbers that choose k."""
    header = ["k"] + [f"{TASKS[task].title} (en dev)" for task in groups]
    rows = []
    for variant in all_variants(groups):
        cells = [row_name(variant)]
        for runs in groups.values():
            scores = [dev_score(m) for m in runs.get(variant, {}).values()]
            cells.append(mean_std_cell([v for v in scores if v is not None]))
        rows.append(cells)
    return markdown_table(header, rows)


def dk_table(groups: Groups) -> List[str]:
    """The D_k table: mean ± std over seeds of each task's average score and of the average over tasks."""
    header = ["k"] + [TASKS[task].title for task in groups] + ["Average"]
    rows = []
    for variant in all_variants(groups):
        cells = [row_name(variant)]
        for runs in groups.values():
            cells.append(mean_std_cell([m["average"] for m in runs.get(variant, {}).values()]))
        cells.append(mean_std_cell(task_average_by_seed(groups, variant)))
        rows.append(cells)
    return markdown_table(header, rows)


def seed_notes(groups: Groups) -> List[str]:
    """One line per task whose variants were run with different seeds, listing each variant's seeds."""
    notes = []
    for task, runs in groups.items():
        if len({tuple(seeds) for seeds in runs.values()}) > 1:
            listed = "; ".join(f"{v}: {', '.join(map(str, seeds))}" for v, seeds in runs.items())
            notes.append(f"{TASKS[task].title}: the variants have different seeds ({listed})")
    return notes


def mean_average(seeds: Dict[int, Metrics]) -> float:
    """Mean over seeds of the average score of one variant."""
    return mean(m["average"] for m in seeds.values())


def mean_scores(seeds: Dict[int, Metrics]) -> Dict[str, float]:
    """Per language, the mean over seeds of the score of one variant."""
    langs = next(iter(seeds.values()))["language_set"]
    return {lang: mean(m["languages"][lang]["score"] for m in seeds.values()) for lang in langs}


def fused(runs: Dict[str, Dict[int, Metrics]]) -> Dict[str, Dict[int, Metrics]]:
    """The variants of one task that fuse lower layers (DLFA-k in order of k, then DLFA-auto)."""
    return {v: seeds for v, seeds in runs.items() if next(iter(seeds.values()))["layer"] is not None}


def dev_score(m: Metrics) -> Optional[float]:
    """A trial's English dev score (its "dev" entry, written by evaluate --dev), or None."""
    value = m.get(DEV_KEY, {}).get("score") if isinstance(m.get(DEV_KEY), dict) else None
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def fixed_layers(runs: Dict[str, Dict[int, Metrics]]) -> Dict[str, Dict[int, Metrics]]:
    """The variants of one task that fuse one fixed layer k (not "auto" or "scalar-mix"), in order of k."""
    return {v: seeds for v, seeds in fused(runs).items() if isinstance(next(iter(seeds.values()))["layer"], int)}


def lacking_dev(runs: Dict[str, Dict[int, Metrics]]) -> List[Path]:
    """The trial folders of one task's fixed-layer variants that hold no English dev score."""
    return [m["folder"] for seeds in fixed_layers(runs).values() for m in seeds.values() if dev_score(m) is None]


def mean_dev(seeds: Dict[int, Metrics]) -> float:
    """Mean over seeds of the English dev score of one variant (every trial has one)."""
    return mean(dev_score(m) for m in seeds.values())


def best_variant(runs: Dict[str, Dict[int, Metrics]]) -> Optional[str]:
    """The fused variant with the highest mean English dev score (the lower k on a tie).

    Zero-shot: no target-language data may choose k, so test scores never decide. None
    when there is no fixed-layer variant or one of its trials lacks a dev score.
    """
    candidates = fixed_layers(runs)
    if not candidates or lacking_dev(runs):
        return None
    # max keeps the first of equal values, and candidates are in order of k.
    return max(candidates, key=lambda v: mean_dev(candidates[v]))


def best_on_test(runs: Dict[str, Dict[int, Metrics]]) -> Optional[str]:
    """The fixed-layer variant with the highest mean test average: an oracle, reported, never used to choose."""
    candidates = fixed_layers(runs)
    return max(candidates, key=lambda v: mean_average(candidates[v])) if candidates else None


def gain_matrix(runs: Dict[str, Dict[int, Metrics]]) -> Tuple[List[str], List[str], List[List[float]]]:
    """(fused variants, languages, rows of mean gain over the baseline in points) of one task."""
    base = mean_scores(runs[BASELINE])
    langs = list(base)
    variants = list(fused(runs))
    values = [[100 * (mean_scores(runs[v])[lang] - base[lang]) for lang in langs] for v in variants]
    return variants, langs, values


def missing_per_example(seeds: Dict[int, Metrics]) -> List[Path]:
    """The trial folders of one variant that lack per-example data for some language."""
    return [m["folder"] for m in seeds.values() if any(PER_EXAMPLE_KEY not in s for s in m["languages"].values())]


def _check_same_examples(runs: Sequence[Metrics], lang: str) -> None:
    """ValueError naming the trial folders unless they scored the same number of examples in `lang`."""
    sizes = {m["folder"]: len(m["languages"][lang][PER_EXAMPLE_KEY]) for m in runs}
    if len(set(sizes.values())) > 1:
        raise ValueError(
            f"Trials differ in the number of {lang!r} test examples, so they do not pair: "
            + ", ".join(f"{folder}: {n}" for folder, n in sizes.items())
        )


def item_lists(baseline: Dict[int, Metrics]) -> List[Optional[Tuple[str, ...]]]:
    """Per language, the item ids of its test examples (None where the data gave none)."""
    m = next(iter(baseline.values()))
    return [tuple(s[ITEMS_KEY]) if ITEMS_KEY in s else None for s in m["languages"].values()]


def resampled_jointly(baseline: Dict[int, Metrics]) -> bool:
    """Whether a task's languages are resampled together: parallel test sets of one size, the same items in order.

    Item ids are compared where every language has them; files without ids (XTREME's) are
    taken in the order the benchmark lists its items, which is the same in every language.
    """
    m = next(iter(baseline.values()))
    sizes = {len(scores.get(PER_EXAMPLE_KEY, ())) for scores in m["languages"].values()}
    items = item_lists(baseline)
    same_items = None in items or len(set(items)) == 1
    return TASKS[m["task"]].parallel and len(sizes) == 1 and same_items


def significance(
    baseline: Dict[int, Metrics], variant: Dict[int, Metrics], n_rounds: int, seed: int
) -> Dict[str, BootstrapResult]:
    """Per language (Holm-adjusted flags) and for the average: variant - baseline with its 95% interval."""
    runs = [*baseline.values(), *variant.values()]
    langs = runs[0]["language_set"]
    for lang in langs:
        _check_same_examples(runs, lang)
    per_seed = lambda seeds, lang: [m["languages"][lang][PER_EXAMPLE_KEY] for m in seeds.values()]  # noqa: E731
    parallel = resampled_jointly(baseline)
    results = per_language_bootstrap(
        {lang: per_seed(baseline, lang) for lang in langs},
        {lang: per_seed(variant, lang) for lang in langs},
        n_rounds, seed, parallel=parallel,
    )
    targets = family_order(target_languages(langs))
    if len(targets) < len(langs) and targets:
        # The target languages in the family order, drawn as the language-count section draws them.
        pairs = [(per_seed(baseline, lang), per_seed(variant, lang)) for lang in targets]
        results[WITHOUT_EN] = paired_bootstrap_many(pairs, n_rounds, seed, parallel)
    return results


def ci_cells(result: Optional[BootstrapResult]) -> List[str]:
    """The 95% CI (points) and significance cells of one result."""
    if result is None:
        return [MISSING, MISSING]
    interval = f"[{pct_diff(result.ci_low, 0.0)}, {pct_diff(result.ci_high, 0.0)}]"
    return [interval, "**yes**" if result.significant else "no"]


def seed_sd_cell(result: Optional[BootstrapResult]) -> str:
    """The seed standard deviation of a gain in points, or the missing mark (fewer than two seeds)."""
    return MISSING if result is None or result.seed_sd is None else f"{100 * result.seed_sd:.2f}"


def interval_note(baseline: Dict[int, Metrics], variant: Dict[int, Metrics]) -> str:
    """What the intervals of one comparison account for: seeds or not, languages resampled jointly or not."""
    seeds = "" if min(len(baseline), len(variant)) >= 2 else (
        " With one seed of a variant the intervals ignore seed variance: they cover the test examples only.")
    if resampled_jointly(baseline):
        return "The languages hold the same items (parallel test sets) and are resampled together." + seeds
    if TASKS[next(iter(baseline.values()))["task"]].parallel:
        return ("The languages' test sets differ in size or in their item ids, so each is resampled on its own "
                "although the task's test sets are parallel." + seeds)
    return "Each language's test set is resampled on its own." + seeds


def significance_table(
    baseline: Dict[int, Metrics], variant: Dict[int, Metrics], results: Optional[Dict[str, BootstrapResult]]
) -> List[str]:
    """Per language and on average: baseline and variant (mean over seeds), gain, 95% CI, significant."""
    name = next(iter(variant.values()))["variant"]
    base, var = mean_scores(baseline), mean_scores(variant)
    rows = []
    average = results["average"] if results else None
    rows.append([
        "**average**", pct(mean(base.values())), pct(mean(var.values())),
        pct_diff(mean(var.values()), mean(base.values())), seed_sd_cell(average), *ci_cells(average),
    ])
    targets = [lang for lang in base if lang != SOURCE_LANGUAGE]
    if len(targets) < len(base) and targets:
        without = results.get(WITHOUT_EN) if results else None
        b, v = mean(base[lang] for lang in targets), mean(var[lang] for lang in targets)
        rows.append(["**w/o en**", pct(b), pct(v), pct_diff(v, b), seed_sd_cell(without), *ci_cells(without)])
    for lang in base:
        result = results[lang] if results else None
        rows.append([lang, pct(base[lang]), pct(var[lang]), pct_diff(var[lang], base[lang]), seed_sd_cell(result),
                     *ci_cells(result)])
    header = ["Language", "baseline", name, "gain", "seed sd", "95% CI", "significant (languages: Holm)"]
    return markdown_table(header, rows) + ["", interval_note(baseline, variant)]


# ------------------------------------------------------------------- plots ---


def plot_gain_heatmap(variants: Sequence[str], langs: Sequence[str], values: Sequence[Sequence[float]],
                      title: str, path: Path) -> None:
    """Heatmap of the mean gain over the baseline (points): fusion layers x languages."""
    fig = new_figure(max(5.0, 0.7 * len(langs) + 2), max(2.5, 0.45 * len(variants) + 1.5))
    ax = fig.add_subplot()
    # A diverging map centred on 0: gains green, losses red, whatever their size.
    bound = max((abs(v) for row in values for v in row), default=0.0) or 1.0
    image = ax.imshow(values, aspect="auto", cmap="RdYlGn", vmin=-bound, vmax=bound)
    ax.set_xticks(range(len(langs)))
    ax.set_xticklabels(langs)
    ax.set_yticks(range(len(variants)))
    ax.set_yticklabels([row_name(v) for v in variants])
    for r, row in enumerate(values):
        for c, v in enumerate(row):
            ax.text(c, r, f"{v:+.1f}", ha="center", va="center", color="black", fontsize="x-small")
    ax.set_title(f"{title}: gain over baseline (points)", fontsize="medium")
    fig.colorbar(image, ax=ax)
    fig.tight_layout()
    fig.savefig(path, format="png")


# ------------------------------------------------------------------ render ---


def _task_section(task: str, runs: Dict[str, Dict[int, Metrics]], folder: Path,
                  n_rounds: int, seed: int) -> List[str]:
    """The heatmap and the best-k significance table of one task (nothing without a baseline)."""
    title = TASKS[task].title
    if BASELINE not in runs or not fused(runs):
        return ["", f"### {title}", "", "No baseline and DLFA trials to compare."]
    lines = ["", f"### {title}", ""]
    png = f"sweep_{task}_gain.png"
    plot_gain_heatmap(*gain_matrix(runs), title, folder / png)
    lines += [f"![{title} gain over the baseline by fusion layer]({png})", ""]
    lines += _best_k_lines(runs, n_rounds, seed)
    best = best_variant(runs)
    if best is not None:
        lines += language_count_section(task, runs, best, folder, f"sweep_{task}_language_count.png",
                                        n_rounds=n_rounds, seed=seed)
    if AUTO_VARIANT in runs:
        lines += _auto_lines(task, runs, folder, n_rounds, seed)
    if UNIFORM_VARIANT in runs:
        lines += _uniform_lines(task, runs, n_rounds, seed)
    if SCALAR_MIX_VARIANT in runs:
        lines += scalar_mix_lines(task, runs, n_rounds, seed)
    return lines


def scalar_mix_lines(task: str, runs: Dict[str, Dict[int, Metrics]], n_rounds: int, seed: int) -> List[str]:
    """The scalar-mix rival of one task: its scores and CIs against the baseline, beside best k and auto."""
    seeds = runs[SCALAR_MIX_VARIANT]
    others = [(row_name(v), runs[v]) for v in (best_variant(runs), AUTO_VARIANT) if v in runs]
    beside = "".join(f"; {name} {pct(mean_average(r))}" for name, r in others)
    lines = ["", f"#### {TASKS[task].title}: scalar mix of every layer (the rival)", "",
             "ScalarMix.v1: softmax-weighted sum of every hidden state times a learned scale, no gate, on the "
             f"same seeds. Test average {pct(mean_average(seeds))} against the baseline's "
             f"{pct(mean_average(runs['baseline']))}{beside}.", ""]
    return lines + _comparison(runs, SCALAR_MIX_VARIANT, n_rounds, seed)


def _comparison(runs: Dict[str, Dict[int, Metrics]], variant: str, n_rounds: int, seed: int) -> List[str]:
    """The per-language significance table of one variant against the baseline, or why it has no CIs."""
    missing = missing_per_example(runs[BASELINE]) + missing_per_example(runs[variant])
    results = None if missing else significance(runs[BASELINE], runs[variant], n_rounds, seed)
    lines = significance_table(runs[BASELINE], runs[variant], results)
    if missing:
        lines += ["", "No confidence intervals: no per-example data in "
                  + ", ".join(f"`{f}`" for f in missing) + "."]
    return lines


def _auto_lines(task: str, runs: Dict[str, Dict[int, Metrics]], folder: Path, n_rounds: int, seed: int) -> List[str]:
    """The learned layer choice of one task: its scores and CIs against the baseline, and its weights."""
    seeds = runs[AUTO_VARIANT]
    devs = [dev_score(m) for m in seeds.values()]
    dev = f"English dev {pct(mean(devs))}; " if all(d is not None for d in devs) else ""
    lines = ["", f"#### {TASKS[task].title}: learned layer choice (auto)", "",
             f"One run per seed instead of one per layer: {dev}test average {pct(mean_average(seeds))} against "
             f"the baseline's {pct(mean_average(runs['baseline']))}.", ""]
    lines += _comparison(runs, AUTO_VARIANT, n_rounds, seed)
    weights = layer_weights_by_task(list(seeds.values()))
    return lines + layer_weights_section(weights, folder, f"sweep_{task}_layer_weights.png", heading="#####")


def _uniform_lines(task: str, runs: Dict[str, Dict[int, Metrics]], n_rounds: int, seed: int) -> List[str]:
    """The fixed uniform mix of one task (auto that never learns), beside auto: what auto's learning adds."""
    seeds = runs[UNIFORM_VARIANT]
    lines = ["", f"#### {TASKS[task].title}: fixed uniform mix (uniform)", "",
             "layer = \"auto\" with mix_learn_rate_scale = 0: the same candidate layers at fixed equal weights, "
             f"on the same seeds. Test average {pct(mean_average(seeds))} against the baseline's "
             f"{pct(mean_average(runs['baseline']))}."]
    if AUTO_VARIANT in runs:
        shared = sorted(set(seeds) & set(runs[AUTO_VARIANT]))
        if shared:
            gap = mean([runs[AUTO_VARIANT][s]["average"] - seeds[s]["average"] for s in shared])
            lines[-1] += (f" The learned mix (auto) minus this uniform one, seed by seed: {100 * gap:+.2f} points "
                          f"(mean of {len(shared)} seeds); that difference, not auto's gain over the baseline, is "
                          "what learning the weights adds.")
    return lines + [""] + _comparison(runs, UNIFORM_VARIANT, n_rounds, seed)


def _best_k_lines(runs: Dict[str, Dict[int, Metrics]], n_rounds: int, seed: int) -> List[str]:
    """The best fixed layer k on English dev, its test scores and CIs against the baseline."""
    if not fixed_layers(runs):
        return []
    best = best_variant(runs)
    if best is None:
        return ["No best fusion layer: it is chosen on English dev only, and these trials hold no "
                "English dev score (rerun the sweep, or `evaluate --dev`): "
                + ", ".join(f"`{f}`" for f in lacking_dev(runs)) + "."]
    oracle = best_on_test(runs)
    lines = [
        f"Best fusion layer: {row_name(best)}, chosen on English dev (mean {pct(mean_dev(runs[best]))} over "
        f"seeds). On test its average is {pct(mean_average(runs[best]))} against the baseline's "
        f"{pct(mean_average(runs['baseline']))}. "
        + ("It also has the highest test average." if oracle == best else
           f"The highest test average is {row_name(oracle)}'s ({pct(mean_average(runs[oracle]))}), "
           "which test data may not choose."),
        "",
    ]
    return lines + _comparison(runs, best, n_rounds, seed)


def render_sweep(trials: Sequence[Metrics], folder: Path, n_rounds: int = N_ROUNDS, seed: int = SEED) -> str:
    """Draw the sweep heatmaps into `folder` and return the markdown of the sweep section."""
    groups = group_trials(trials)
    lines = ["# Layer sweep", ""]
    lines += smoke_lines(any(is_smoke(t) for t in trials))
    lines += [f"> **Note:** {note}." for note in seed_notes(groups)]
    lines += [""] if seed_notes(groups) else []
    lines += [
        "Average score over languages in %, mean ± std over seeds (std with ddof=1; \"± –\": one seed). "
        "Average: per seed with every task, the mean over the tasks scored by accuracy or F1 (STS's "
        "Spearman correlation is on another scale and is left out of it).",
        "",
        "## D_k",
        "",
        *dk_table(groups),
        "",
        "## English dev (model selection)",
        "",
        "The best fusion layer of each task is the one with the highest mean English dev score: "
        "zero-shot, no target-language data may choose it.",
        "",
        *dev_table(groups),
        "",
        "## Gain over the baseline and its significance",
        "",
        *interval_paragraph(n_rounds, seed),
    ]
    for task, runs in groups.items():
        lines += _task_section(task, runs, folder, n_rounds, seed)
    lines += calibration_section(groups, folder, row_name)
    # A heading of its own, so that a section taken from this report (research.md) ends before it.
    lines += ["", "## Trials", ""]
    lines += [f"- `{t['folder']}` ({TASKS[t['task']].title}, {t['variant']}, seed {t['seed']})" for t in trials]
    return "\n".join(lines) + "\n"


def interval_paragraph(n_rounds: int, seed: int) -> List[str]:
    """How to read the gain tables: what the interval covers, and what "significant" means."""
    return [
        "Gain in points of the mean over seeds; the average over languages (English included, as the D_k "
        "table) is the primary test. The 95% interval accounts for two sources of variance, added: the test "
        f"examples (a paired bootstrap, {n_rounds} rounds, seed {seed}: each round resamples the examples once "
        "for every seed of both variants, and resamples parallel test sets such as XNLI's languages together, "
        "so that shared items are not counted as independent evidence) and the training seeds (each variant's "
        "variance over seeds divided by its number of seeds). It is the gain ± Student's t quantile (Welch's "
        "degrees of freedom of the seed part) times the standard error, so three seeds give a wide interval, "
        "as they should. \"seed sd\" is the standard deviation of a single run's gain over seeds. The average "
        "is significant when its interval excludes 0; a language is significant only after the Holm–Bonferroni "
        "correction over the task's languages (familywise error 5%), so its own interval may exclude 0 while "
        "the flag says no.",
    ]


def write_sweep_report(
    sweep_dirs: Sequence[Union[str, Path]],
    output_dir: Union[str, Path],
    n_rounds: int = N_ROUNDS,
    seed: int = SEED,
) -> Path:
    """Write `output_dir/sweep.md` and its heatmaps from the sweep folders' trials; return its path."""
    trials = load_trials(sweep_dirs)  # every trial is checked before anything is written
    with report_files(output_dir, REPORT_FILE) as tmp:
        (tmp / REPORT_FILE).write_text(render_sweep(trials, tmp, n_rounds, seed), encoding="utf8")
    return Path(output_dir) / REPORT_FILE
