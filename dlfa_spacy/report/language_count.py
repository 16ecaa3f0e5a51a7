"""The report's "gain as target languages are added" section: the mean gain over the first n target languages.

A task's average over languages depends on which languages it tests. The section shows how
the mean gain of a variant over the baseline, and how sure we are of it, move as target
languages are added. Over many random orders: their mean is the full average at every n by
construction (each language is as likely to be among the first n), so what they show is the
spread, how much an average over n languages depends on which n are tested (0 once every
language is in). In one order grouped by language family: the gain over the languages added
so far with its 95% interval (`metrics.bootstrap`, examples and seeds). English is the
training language, never a target: every average here is the report's "w/o en" average, and
the last family-order row is the significance table's "w/o en" row.

This module imports nothing from `report.sweep`, so that the sweep report can import it.
"""
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from statistics import mean
from typing import Dict, List, Mapping, Optional, Sequence, Tuple

import numpy as np

from ..metrics.bootstrap import N_ROUNDS, SEED, BootstrapResult, PerExample, prefix_results
from ..results import BASELINE, PER_EXAMPLE_KEY
from ..tasks import TASKS, language_family
from .metrics_files import Metrics
from .plots import new_figure
from .tables import MISSING, markdown_table, pct_diff

SOURCE_LANGUAGE = "en"  # every model is trained on English only
LOW, HIGH = 2.5, 97.5  # the percentiles bounding the spread over random orders

# Per test language: (baseline seeds' per-example data, variant seeds' per-example data).
Pairs = Mapping[str, Tuple[Sequence[PerExample], Sequence[PerExample]]]


@dataclass(frozen=True)
class CurvePoint:
    """The mean gain over the first n languages, averaged over orders, and its spread over orders."""

    n: int
    mean: float
    low: float  # 2.5th percentile over orders
    high: float  # 97.5th percentile over orders


@dataclass(frozen=True)
class FamilyPoint:
    """The family order at n: the language added, the gain over the first n languages and its 95% CI."""

    lang: str
    gain: float
    ci: Optional[Tuple[float, float]]  # None without per-example data


# ---------------------------------------------------------------- orders ---


def target_languages(langs: Sequence[str]) -> List[str]:
    """The target languages of a test set list: without English, each once, sorted by code."""
    return sorted(set(langs) - {SOURCE_LANGUAGE})


def family_order(langs: Sequence[str]) -> List[str]:
    """Target languages grouped by family: sorted by (family label, code), English excluded.

    Alphabetical families rather than, say, "closest to English first" keep the rule free
    of judgement; a ValueError names a language without a family.
    """
    return sorted(target_languages(langs), key=lambda lang: (language_family(lang), lang))


def random_orders(langs: Sequence[str], n_orders: int, seed: int) -> List[List[str]]:
    """`n_orders` random permutations of the target languages, drawn with numpy's default_rng(seed)."""
    if n_orders < 1:
        raise ValueError(f"n_orders must be at least 1, got {n_orders}")
    rng = np.random.default_rng(seed)
    # Permuting the sorted list makes the orders independent of the input order.
    targets = target_languages(langs)
    return [[str(lang) for lang in rng.permutation(targets)] for _ in range(n_orders)]


def _check_orders(orders: Sequence[Sequence[str]], scored: Sequence[Mapping[str, float]]) -> None:
    """ValueError unless the orders are permutations of one set of scored target languages."""
    if not orders or not orders[0]:
        raise ValueError("No orders of target languages given")
    langs = sorted(orders[0])
    if SOURCE_LANGUAGE in langs:
        raise ValueError(f"{SOURCE_LANGUAGE!r} is the training language, not a target language")
    if len(set(langs)) != len(langs) or any(sorted(order) != langs for order in orders):
        raise ValueError(f"Every order must be a permutation of the same languages; the first has {langs}")
    for scores in scored:
        missing = [lang for lang in langs if lang not in scores]
        if missing:
            raise ValueError(f"No score for languages {', '.join(missing)}")


# ---------------------------------------------------------------- curves ---


def _prefix_means(gains: Sequence[float]) -> List[float]:
    """The mean of the first n gains for every n, each rounded once from the exact sum.

    Exact sums make a prefix mean independent of the order of its languages, so every
    order gives one and the same mean once all languages are in.
    """
    total, means = Fraction(0), []
    for n, gain in enumerate(gains, start=1):
        total += Fraction(gain)
        means.append(float(total / n))
    return means


def gain_curve(
    baseline_scores: Mapping[str, float], variant_scores: Mapping[str, float], orders: Sequence[Sequence[str]]
) -> List[CurvePoint]:
    """Per n = 1..L: the mean over orders of the mean gain over an order's first n languages, and its spread.

    Scores are {lang: mean score over seeds}; gains are in score units (0.01 = 1 point).
    """
    _check_orders(orders, [baseline_scores, variant_scores])
    gain = {lang: variant_scores[lang] - baseline_scores[lang] for lang in orders[0]}
    by_order = np.array([_prefix_means([gain[lang] for lang in order]) for order in orders])
    points = []
    for n, column in enumerate(by_order.T, start=1):
        low, high = (float(x) for x in np.percentile(column, [LOW, HIGH]))
        # statistics.mean is exact before its one rounding: equal values give that value back.
        points.append(CurvePoint(n, mean(column.tolist()), low, high))
    return points


def family_curve(
    pairs: Pairs, order: Sequence[str], n_rounds: int = N_ROUNDS, seed: int = SEED, parallel: bool = False
) -> List[BootstrapResult]:
    """Per n = 1..L: the gain averaged over the first n languages of `order`, with its 95% interval.

    Each result is `paired_bootstrap_many` of the first n languages (`prefix_results`:
    one set of draws serves every n).
    """
    missing = [lang for lang in order if lang not in pairs]
    if missing:
        raise ValueError(f"No per-example data for languages {', '.join(missing)}")
    return prefix_results([pairs[lang] for lang in order], n_rounds, seed, parallel)


# ------------------------------------------------------------ trial data ---


def mean_scores(seeds: Dict[int, Metrics], langs: Sequence[str]) -> Dict[str, float]:
    """Per language, the mean over seeds of one variant's score."""
    return {lang: mean(m["languages"][lang]["score"] for m in seeds.values()) for lang in langs}


def lacking_per_example(seeds: Dict[int, Metrics], langs: Sequence[str]) -> List[Path]:
    """The trial folders of one variant without per-example data for some of `langs`."""
    return [m["folder"] for m in seeds.values() if any(PER_EXAMPLE_KEY not in m["languages"][lang] for lang in langs)]


def per_example_pairs(
    baseline: Dict[int, Metrics], variant: Dict[int, Metrics], langs: Sequence[str]
) -> Dict[str, tuple]:
    """Per language, both variants' per-seed per-example data; ValueError naming folders if the sizes differ."""
    pairs = {}
    for lang in langs:
        runs = [*baseline.values(), *variant.values()]
        sizes = {m["folder"]: len(m["languages"][lang][PER_EXAMPLE_KEY]) for m in runs}
        if len(set(sizes.values())) > 1:
            # A paired bootstrap resamples one set of examples shared by every trial.
            raise ValueError(
                f"Trials differ in the number of {lang!r} test examples, so they do not pair: "
                + ", ".join(f"{folder}: {n}" for folder, n in sizes.items())
            )
        per_seed = lambda seeds: [m["languages"][lang][PER_EXAMPLE_KEY] for m in seeds.values()]  # noqa: E731
        pairs[lang] = (per_seed(baseline), per_seed(variant))
    return pairs


# ----------------------------------------------------------------- table ---


def interval(low: float, high: float) -> str:
    """An interval in points, as the sweep report's CI cells: "[-0.50, +1.20]"."""
    return f"[{pct_diff(low, 0.0)}, {pct_diff(high, 0.0)}]"


def family_points(order: Sequence[str], baseline_scores: Mapping[str, float], variant_scores: Mapping[str, float],
                  results: Optional[Sequence[BootstrapResult]]) -> List[FamilyPoint]:
    """The family order's rows: the bootstrap's gain and CI, or without one the gain of the mean scores."""
    if results is not None:
        return [FamilyPoint(lang, r.difference, (r.ci_low, r.ci_high)) for lang, r in zip(order, results)]
    gains = _prefix_means([variant_scores[lang] - baseline_scores[lang] for lang in order])
    return [FamilyPoint(lang, gain, None) for lang, gain in zip(order, gains)]


def language_count_table(curve: Sequence[CurvePoint], family: Sequence[FamilyPoint]) -> List[str]:
    """One row per n: the random orders' mean and spread, the family order's added language, gain and CI."""
    rows = []
    for point, f in zip(curve, family):
        rows.append([
            str(point.n), pct_diff(point.mean, 0.0), interval(point.low, point.high),
            f"{f.lang} ({language_family(f.lang)})", pct_diff(f.gain, 0.0),
            MISSING if f.ci is None else interval(*f.ci),
        ])
    header = ["n", "random orders: mean gain", "2.5–97.5% over orders", "family order: languages added",
              "gain", "95% CI"]
    return markdown_table(header, rows)


# ------------------------------------------------------------------ plot ---


def plot_gain_curve(curve: Sequence[CurvePoint], family: Sequence[FamilyPoint], title: str, path: Path) -> None:
    """Line plot in points against n: the random orders' mean with its band, the family order with its CI."""
    ns = [p.n for p in curve]
    fig = new_figure(max(6.0, 0.3 * len(ns) + 2), 3.8)
    ax = fig.add_subplot()
    ax.plot(ns, [100 * p.mean for p in curve], color="tab:blue", label="random orders: mean")
    ax.fill_between(ns, [100 * p.low for p in curve], [100 * p.high for p in curve], color="tab:blue",
                    alpha=0.2, label="2.5–97.5% over orders")
    ax.plot(ns, [100 * f.gain for f in family], "o-", color="tab:orange", markersize=3, label="family order")
    if all(f.ci is not None for f in family):
        ax.fill_between(ns, [100 * f.ci[0] for f in family], [100 * f.ci[1] for f in family],
                        color="tab:orange", alpha=0.2, label="family order: 95% CI")
    order = [f.lang for f in family]
    # Dotted lines where the family order moves on to the next family.
    for n in range(1, len(order)):
        if language_family(order[n]) != language_family(order[n - 1]):
            ax.axvline(n + 0.5, color="grey", linewidth=0.6, linestyle=":")
    ax.axhline(0.0, color="grey", linewidth=0.8)
    ax.set_xticks(ns)
    # Under each n, the language the family order adds there.
    ax.set_xticklabels([f"{n}\n{lang}" for n, lang in zip(ns, order)], fontsize="x-small")
    ax.set_xlabel("number of target languages (family order's language below n)")
    ax.set_ylabel("gain over baseline (points)")
    ax.set_title(f"{title}: gain as target languages are added", fontsize="medium")
    ax.legend(fontsize="x-small")
    fig.tight_layout()
    fig.savefig(path, format="png")


# --------------------------------------------------------------- section ---


def language_count_section(task: str, runs: Dict[str, Dict[int, Metrics]], variant: str, folder: Path, png: str,
                           n_orders: int = 200, n_rounds: int = N_ROUNDS, seed: int = SEED) -> List[str]:
    """Markdown lines and a line plot of the variant's gain as target languages are added; [] without both variants."""
    if BASELINE not in runs or variant not in runs:
        return []
    title = TASKS[task].title
    baseline, var = runs[BASELINE], runs[variant]
    langs = target_languages(next(iter(baseline.values()))["language_set"])
    if len(langs) < 2:
        count = f"{len(langs)} target language" + ("" if len(langs) == 1 else "s")
        return ["", f"{title}: no curve of the gain against the number of target languages: only {count} "
                "besides English."]
    order = family_order(langs)
    base_scores, var_scores = mean_scores(baseline, langs), mean_scores(var, langs)
    curve = gain_curve(base_scores, var_scores, random_orders(langs, n_orders, seed))
    # Without per-example data there is no bootstrap: the family order keeps its gains, not its CIs.
    missing = lacking_per_example(baseline, langs) + lacking_per_example(var, langs)
    pairs = None if missing else per_example_pairs(baseline, var, langs)
    # As the significance table: parallel test sets of one size are resampled together.
    parallel = pairs is not None and TASKS[task].parallel and len({len(p[0][0]) for p in pairs.values()}) == 1
    results = None if pairs is None else family_curve(pairs, order, n_rounds, seed, parallel)
    family = family_points(order, base_scores, var_scores, results)
    plot_gain_curve(curve, family, title, folder / png)
    lines = [
        "", f"#### {title}: gain as target languages are added ({variant})", "",
        f"Gain in points of the mean over seeds, averaged over the first n target languages (English "
        f"excluded: the \"w/o en\" average). Over {n_orders} random orders of the languages (seed {seed}): "
        "the mean is the full w/o-en average at every n by construction, and the 2.5–97.5 percentile range "
        "over orders shows how much an average over n languages depends on which n are tested. In one order "
        "grouped by family (families and, within a family, languages alphabetically): the gain over the "
        "languages added so far with its 95% interval, computed as in the significance table (test "
        f"examples and seeds; {n_rounds} rounds, seed {seed}); its last row is that table's w/o en row.",
        "",
        *language_count_table(curve, family),
    ]
    if missing:
        lines += ["", "No family-order confidence intervals: no per-example data in "
                  + ", ".join(f"`{f}`" for f in missing) + "."]
    return lines + ["", f"![{title} gain as target languages are added]({png})"]
