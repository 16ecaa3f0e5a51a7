"""Reading the metrics JSON files that `evaluate` writes, with checks that name the file.

Variants of one task are compared through averages over languages, so `load_all`
refuses files of one task that cover different languages or use different headline
metrics.
"""
import json
import math
from pathlib import Path
from typing import Any, Dict, List, Mapping, Sequence, Tuple, Union

from ..results import LAYER_WEIGHTS_KEY, PAIRS_KEY, UNIFORM, layer_of_variant, optional_layer, variant_name
from ..tasks import TASKS

REQUIRED_KEYS = ("task", "languages", "average", "average_without_en")


Metrics = Dict[str, Any]


def is_number(value: Any) -> bool:
    """Whether a JSON value is a finite number (bools are not)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value)


def _layer_of(data: Mapping[str, Any], path: Path) -> Union[int, str, None]:
    """The fusion layer of a metrics file: its "layer", else the one its "variant" names."""
    layer = optional_layer(data.get("layer"), f"{path}")
    if layer is not None or "variant" not in data:
        return layer
    try:
        return layer_of_variant(str(data["variant"]))
    except ValueError:
        return None  # a variant of another name (a file written by hand) has no layer


def layer_weights_of(m: Mapping[str, Any]) -> Dict[int, float]:
    """The learned layer mix of an "auto" metrics file ({layer: weight}), or {} if it has none."""
    weights = m.get(LAYER_WEIGHTS_KEY)
    if not isinstance(weights, dict):
        return {}
    return {int(k): float(v) for k, v in weights.items() if str(k).isdigit() and is_number(v)}


def _check_reliability(bins: Any, where: str) -> None:
    """Raise ValueError unless `bins` is a list of reliability bins."""
    keys = ("lower", "upper", "count", "accuracy", "confidence")
    if not isinstance(bins, list) or not all(isinstance(b, dict) for b in bins):
        raise ValueError(f"{where}: \"reliability\" must be a list of bins")
    for b in bins:
        missing = [k for k in keys if k not in b]
        if missing:
            raise ValueError(f"{where}: a reliability bin has no {missing}")


def _language_set(data: Mapping[str, Any], path: Path) -> List[str]:
    """The sorted languages of a metrics file: its "language_set", else the keys of "languages"."""
    languages = sorted(data["languages"])
    if "language_set" not in data:
        return languages  # written before evaluate recorded the set
    given = data["language_set"]
    if not isinstance(given, list) or not all(isinstance(lang, str) for lang in given):
        raise ValueError(f"Metrics file {path}: \"language_set\" must be a list of language codes")
    if sorted(given) != languages:
        raise ValueError(
            f"Metrics file {path}: \"language_set\" {sorted(given)} differs from the languages "
            f"it scores {languages}"
        )
    return languages


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
    spec = TASKS[data["task"]]
    if spec.is_classification and "labels" in data and sorted(map(str, data["labels"])) != sorted(spec.labels):
        raise ValueError(f"Metrics file {path}: its labels {sorted(data['labels'])} are not {spec.title}'s "
                         f"{sorted(spec.labels)}; it holds another task's results")
    languages = data["languages"]
    if not isinstance(languages, dict) or not languages:
        raise ValueError(f"Metrics file {path}: \"languages\" must be a non-empty object")
    for lang, scores in languages.items():
        if not isinstance(scores, dict) or not is_number(scores.get("score")):
            raise ValueError(f"Metrics file {path}: language {lang!r} has no numeric \"score\"")
        if "reliability" in scores:
            _check_reliability(scores["reliability"], f"Metrics file {path}, language {lang!r}")
    pairs = data.get(PAIRS_KEY, {})
    if not isinstance(pairs, dict):
        raise ValueError(f"Metrics file {path}: \"{PAIRS_KEY}\" must be an object of pair sets")
    for name, scores in pairs.items():
        if not isinstance(scores, dict) or not is_number(scores.get("score")):
            raise ValueError(f"Metrics file {path}: pair set {name!r} has no numeric \"score\"")
    cross = data.get("average_cross_lingual")
    if cross is not None and not is_number(cross):
        raise ValueError(f"Metrics file {path}: \"average_cross_lingual\" must be a number or null")
    if not is_number(data["average"]):
        raise ValueError(f"Metrics file {path}: \"average\" must be a number")
    if data["average_without_en"] is not None and not is_number(data["average_without_en"]):
        raise ValueError(f"Metrics file {path}: \"average_without_en\" must be a number or null")
    layer = _layer_of(data, path)
    variant = data.get("variant") or (variant_name(layer))
    return {
        **data, "path": path, "layer": layer, "variant": str(variant),
        "language_set": _language_set(data, path), "pair_set": sorted(pairs),
    }


def lacking_languages(group: Sequence[Metrics], where: str, key: str = "language_set") -> List[Tuple[Any, List[str]]]:
    """(group[i][where], languages it lacks) for each member that lacks some of the group's languages (or `key` sets)."""
    union = set().union(*(m.get(key, []) for m in group))
    lacking = [(m[where], sorted(union - set(m.get(key, [])))) for m in group]
    return [(place, langs) for place, langs in lacking if langs]


def _check_same_languages(group: Sequence[Metrics]) -> None:
    """Raise ValueError, naming each file and what it lacks, unless one task's files share languages."""
    for key, what in (("language_set", "languages"), ("pair_set", "pair sets")):
        lacking = lacking_languages(group, "path", key)
        if lacking:
            raise ValueError(
                f"Metrics files of task {group[0]['task']!r} cover different {what}, so their "
                "averages do not compare: "
                + "; ".join(f"{path} lacks: {', '.join(langs)}" for path, langs in lacking)
            )


def check_same_metric(group: Sequence[Metrics], where: str = "path", what: str = "Metrics files") -> None:
    """Raise ValueError naming each file's `where` unless one task's `what` report the same headline metric."""
    metrics = {m.get("metric") for m in group}
    if len(metrics) > 1:
        raise ValueError(
            f"{what} of task {group[0]['task']!r} have different headline metrics: "
            + ", ".join(f"{m[where]} {m.get('metric')!r}" for m in group)
        )


def load_all(paths: Sequence[Union[str, Path]]) -> List[Metrics]:
    """Load every metrics file; raise ValueError on a repeated variant or incomparable variants."""
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
    for task in TASKS:
        group = [m for m in loaded if m["task"] == task]
        if group:
            check_same_metric(group)
            _check_same_languages(group)
    return loaded


def layer_weights_by_task(metrics: Sequence[Metrics]) -> Dict[str, Dict[int, List[float]]]:
    """Per task (paper order) with any "auto" run, each lower layer's learned weight in every such run."""
    out: Dict[str, Dict[int, List[float]]] = {}
    for task in TASKS:
        for m in metrics:
            # A uniform run's weights are fixed at 1/n: nothing was learned.
            if m["task"] == task and m.get("layer") != UNIFORM:
                for layer, weight in layer_weights_of(m).items():
                    out.setdefault(task, {}).setdefault(layer, []).append(weight)
    return out


# A learned mix whose every weight is this close to 1/n did not choose any layer.
NEAR_UNIFORM = 0.02


def near_uniform(by_layer: Mapping[int, Sequence[float]]) -> bool:
    """Whether every mean weight is within NEAR_UNIFORM of 1/n: a mix that stayed where it started."""
    n = len(by_layer)
    return n > 0 and all(abs(sum(v) / len(v) - 1 / n) <= NEAR_UNIFORM for v in by_layer.values())


def weights_line(by_layer: Mapping[int, Sequence[float]]) -> str:
    """'layer 1: 0.210, layer 2: 0.350 (mean of 2 runs)' for one task's learned mixes, flagged when near uniform."""
    runs = max(len(v) for v in by_layer.values())
    cells = ", ".join(f"layer {k}: {sum(v) / len(v):.3f}" for k, v in sorted(by_layer.items()))
    line = cells + (f" (mean of {runs} runs)" if runs > 1 else "")
    if near_uniform(by_layer):
        line += (f". **Stayed near uniform** (every weight within {NEAR_UNIFORM} of 1/{len(by_layer)}): this mix "
                 "chose no layer; it works as a fixed uniform mix of the lower layers")
    return line
