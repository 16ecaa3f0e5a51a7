"""Zero-shot evaluation of a trained pipeline on every `{lang}.spacy` in a folder.

Metrics per task (`score` is the headline number of each language):

* ner   -- entity-level micro precision / recall / F1 from BIO sequences, computed the
           way seqeval's `f1_score` does by default (conlleval chunking); score = f1.
* pos   -- token accuracy. The POS configs train a `tagger` on UPOS labels, so the
           prediction is the tagger's `token.tag_` and the gold label is the gold
           doc's `token.pos_` (UPOS). Gold tokens without a POS are not counted.
           score = accuracy.
* xnli / pawsx -- exclusive text classification with `textcat`: accuracy, macro F1,
           and calibration of `doc.cats` (ECE with 15 equal-width bins, NLL, Brier),
           plus per-bin reliability data for reliability diagrams. score = accuracy.

Predicted docs are built from the gold docs' words and spaces, never by tokenizing the
text again, so gold and predicted tokens align one to one.
"""
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any, Dict, Iterable, List, Mapping, Optional, Sequence, Set, Tuple, Union

import numpy as np
from spacy.language import Language
from spacy.tokens import Doc, DocBin

from .corpora import write_atomic

TASK_COMPONENT = {"ner": "ner", "pos": "tagger", "xnli": "textcat", "pawsx": "textcat"}
TASK_METRIC = {"ner": "f1", "pos": "accuracy", "xnli": "accuracy", "pawsx": "accuracy"}
CLASSIFICATION_TASKS = ("xnli", "pawsx")
N_BINS = 15
# Probabilities are clipped to this before taking the log, so one confident mistake
# gives a large but finite NLL instead of infinity.
MIN_PROB = 1e-12

Entity = Tuple[str, int, int]


# ---------------------------------------------------------------- NER ----------


def bio_tags(doc: Doc) -> List[str]:
    """Return the BIO tag of every token of a doc, from its `doc.ents`."""
    tags = ["O"] * len(doc)
    for ent in doc.ents:
        tags[ent.start] = f"B-{ent.label_}"
        for i in range(ent.start + 1, ent.end):
            tags[i] = f"I-{ent.label_}"
    return tags


def _split_tag(tag: str) -> Tuple[str, str]:
    """Split a tag into (prefix, type) exactly as seqeval does in its default mode."""
    if tag not in ("O", "B", "I", "E", "S") and not tag.startswith(("B-", "I-", "E-", "S-")):
        raise ValueError(f"Not a BIO/IOBES tag: {tag!r}")
    # seqeval gives "O" (and a bare "B") the type "_"; the type matters in the
    # "type changed" rules below, so it is copied rather than simplified.
    return tag[0], tag[1:].split("-", maxsplit=1)[-1] or "_"


def _chunk_ends(prev_tag: str, tag: str, prev_type: str, type_: str) -> bool:
    """Whether a chunk ended before the current token (conlleval rules)."""
    if prev_tag in ("E", "S"):
        return True
    if prev_tag in ("B", "I") and tag in ("B", "S", "O"):
        return True
    return prev_tag not in ("O", ".") and prev_type != type_


def _chunk_starts(prev_tag: str, tag: str, prev_type: str, type_: str) -> bool:
    """Whether a chunk starts at the current token (conlleval rules)."""
    if tag in ("B", "S"):
        return True
    # An I or E tag that does not continue a chunk opens one (lenient, like conlleval).
    if prev_tag in ("E", "S", "O") and tag in ("E", "I"):
        return True
    return tag not in ("O", ".") and prev_type != type_


def tag_entities(tags: Sequence[str]) -> List[Entity]:
    """Return the (type, start, end-inclusive) chunks of one tag sequence, like seqeval."""
    chunks: List[Entity] = []
    prev_tag, prev_type, begin = "O", "", 0
    # A trailing "O" closes an entity that runs to the end of the sequence.
    for i, tag in enumerate(list(tags) + ["O"]):
        prefix, type_ = _split_tag(tag)
        if _chunk_ends(prev_tag, prefix, prev_type, type_):
            chunks.append((prev_type, begin, i - 1))
        if _chunk_starts(prev_tag, prefix, prev_type, type_):
            begin = i
        prev_tag, prev_type = prefix, type_
    return chunks


def prf(n_correct: int, n_predicted: int, n_gold: int) -> Tuple[float, float, float]:
    """Return (precision, recall, F1); an undefined ratio counts as 0 (seqeval's default)."""
    precision = n_correct / n_predicted if n_predicted else 0.0
    recall = n_correct / n_gold if n_gold else 0.0
    denom = precision + recall
    # Same operation order as seqeval, so the floats are bit-identical.
    f1 = 2.0 * precision * recall / denom if denom else 0.0
    return precision, recall, f1


def ner_scores_from_tags(
    gold_tags: Sequence[Sequence[str]], pred_tags: Sequence[Sequence[str]]
) -> Dict[str, Any]:
    """Entity-level micro and per-label P/R/F1 of predicted vs gold tag sequences."""
    if len(gold_tags) != len(pred_tags):
        raise ValueError(f"{len(gold_tags)} gold sequences but {len(pred_tags)} predicted")
    gold: Dict[str, Set[Tuple[int, int, int]]] = defaultdict(set)
    pred: Dict[str, Set[Tuple[int, int, int]]] = defaultdict(set)
    for i, (g, p) in enumerate(zip(gold_tags, pred_tags)):
        if len(g) != len(p):
            raise ValueError(f"Sequence {i}: {len(g)} gold tags but {len(p)} predicted")
        # Entities never cross sequences, so (sequence, start, end) identifies one.
        for type_, start, end in tag_entities(g):
            gold[type_].add((i, start, end))
        for type_, start, end in tag_entities(p):
            pred[type_].add((i, start, end))
    per_label: Dict[str, Dict[str, Any]] = {}
    totals = Counter()
    for label in sorted(set(gold) | set(pred)):
        n_correct = len(gold[label] & pred[label])
        p, r, f = prf(n_correct, len(pred[label]), len(gold[label]))
        per_label[label] = {
            "precision": p, "recall": r, "f1": f,
            "support": len(gold[label]), "n_predicted": len(pred[label]),
        }
        totals.update(correct=n_correct, predicted=len(pred[label]), gold=len(gold[label]))
    p, r, f = prf(totals["correct"], totals["predicted"], totals["gold"])
    return {
        "precision": p, "recall": r, "f1": f,
        "n_entities": totals["gold"], "n_predicted": totals["predicted"],
        "n_correct": totals["correct"], "per_label": per_label,
    }


def _check_aligned(gold_docs: Sequence[Doc], pred_docs: Sequence[Doc]) -> None:
    """Raise ValueError unless gold and predicted docs pair up token by token."""
    if len(gold_docs) != len(pred_docs):
        raise ValueError(f"{len(gold_docs)} gold docs but {len(pred_docs)} predicted docs")
    for i, (gold, pred) in enumerate(zip(gold_docs, pred_docs)):
        if len(gold) != len(pred):
            raise ValueError(
                f"Doc {i}: {len(gold)} gold tokens but {len(pred)} predicted tokens; "
                "predicted docs must be built from the gold words"
            )


def ner_scores(gold_docs: Sequence[Doc], pred_docs: Sequence[Doc]) -> Dict[str, Any]:
    """Entity-level NER scores of predicted vs gold docs (from their `doc.ents`)."""
    _check_aligned(gold_docs, pred_docs)
    scores = ner_scores_from_tags(
        [bio_tags(d) for d in gold_docs], [bio_tags(d) for d in pred_docs]
    )
    scores["n_tokens"] = sum(len(d) for d in gold_docs)
    return scores


# ---------------------------------------------------------------- POS ----------


def pos_accuracy(gold_docs: Sequence[Doc], pred_docs: Sequence[Doc]) -> Dict[str, Any]:
    """Token accuracy of predicted `token.tag_` against gold `token.pos_` (UPOS)."""
    _check_aligned(gold_docs, pred_docs)
    n_tokens = n_correct = 0
    for gold, pred in zip(gold_docs, pred_docs):
        for g, p in zip(gold, pred):
            if not g.pos_:
                continue  # no gold annotation for this token
            n_tokens += 1
            n_correct += g.pos_ == p.tag_
    return {
        "accuracy": n_correct / n_tokens if n_tokens else 0.0,
        "n_tokens": n_tokens,
        "n_correct": n_correct,
    }


# ------------------------------------------------------ classification ----------


def _bin_index(confidences: np.ndarray, n_bins: int) -> np.ndarray:
    """Bin of each confidence: bin b holds (b/n_bins, (b+1)/n_bins]; 0 goes into bin 0."""
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    # The first upper edge >= c is c's bin, which makes bins closed on the right.
    return np.clip(np.searchsorted(edges[1:], confidences, side="left"), 0, n_bins - 1)


def _as_arrays(confidences: Sequence[float], correct: Sequence[bool]) -> Tuple[np.ndarray, np.ndarray]:
    """Validate and convert confidence / correctness sequences to arrays."""
    conf = np.asarray(confidences, dtype=float).reshape(-1)
    corr = np.asarray(correct, dtype=bool).reshape(-1)
    if conf.shape != corr.shape:
        raise ValueError(f"{conf.size} confidences but {corr.size} correctness values")
    if conf.size == 0:
        raise ValueError("No examples to compute calibration on")
    return conf, corr


def reliability_bins(
    confidences: Sequence[float], correct: Sequence[bool], n_bins: int = N_BINS
) -> List[Dict[str, Any]]:
    """Per equal-width confidence bin: edges, count, accuracy and mean confidence (None if empty)."""
    conf, corr = _as_arrays(confidences, correct)
    index = _bin_index(conf, n_bins)
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    bins = []
    for b in range(n_bins):
        mask = index == b
        count = int(mask.sum())
        bins.append({
            "lower": float(edges[b]),
            "upper": float(edges[b + 1]),
            "count": count,
            "accuracy": float(corr[mask].mean()) if count else None,
            "confidence": float(conf[mask].mean()) if count else None,
        })
    return bins


def expected_calibration_error(
    confidences: Sequence[float], correct: Sequence[bool], n_bins: int = N_BINS
) -> float:
    """ECE = sum over bins of |B|/n * |accuracy(B) - mean confidence(B)|."""
    bins = reliability_bins(confidences, correct, n_bins)
    n = sum(b["count"] for b in bins)
    return float(sum(
        b["count"] / n * abs(b["accuracy"] - b["confidence"]) for b in bins if b["count"]
    ))


def negative_log_likelihood(probs: np.ndarray, gold_index: Sequence[int]) -> float:
    """Mean of -log p(gold) over examples, with p clipped to at least 1e-12."""
    probs = np.asarray(probs, dtype=float)
    p_gold = probs[np.arange(len(probs)), np.asarray(gold_index, dtype=int)]
    return float(np.mean(-np.log(np.clip(p_gold, MIN_PROB, None))))


def brier_score(probs: np.ndarray, gold_index: Sequence[int]) -> float:
    """Mean over examples of the sum over classes of (p_c - y_c)^2."""
    probs = np.asarray(probs, dtype=float)
    onehot = np.zeros_like(probs)
    onehot[np.arange(len(probs)), np.asarray(gold_index, dtype=int)] = 1.0
    return float(np.mean(np.sum((probs - onehot) ** 2, axis=1)))


def classification_scores(
    gold_labels: Sequence[str],
    probs: Sequence[Sequence[float]],
    labels: Sequence[str],
    n_bins: int = N_BINS,
) -> Dict[str, Any]:
    """Accuracy, macro F1, per-label P/R/F1 and calibration of class probabilities.

    `probs[i][j]` is the probability of `labels[j]` for example i; the prediction is the
    argmax (first label wins a tie). Macro F1 averages the labels that occur in the gold
    or the predictions (scikit-learn's default), so an unused model label adds no zero.
    """
    labels = list(labels)
    if not len(gold_labels):
        raise ValueError("No examples to score")
    probs = np.asarray(probs, dtype=float)
    if probs.ndim != 2 or probs.shape != (len(gold_labels), len(labels)):
        raise ValueError(
            f"probs must have shape ({len(gold_labels)}, {len(labels)}), got {probs.shape}"
        )
    unknown = sorted(set(gold_labels) - set(labels))
    if unknown:
        raise ValueError(f"Gold labels {unknown} are not among the labels {labels}")
    gold_index = np.array([labels.index(g) for g in gold_labels], dtype=int)
    pred_index = probs.argmax(axis=1)
    correct = pred_index == gold_index
    per_label = {}
    for j, label in enumerate(labels):
        n_correct = int(np.sum(correct & (gold_index == j)))
        n_pred, n_gold = int(np.sum(pred_index == j)), int(np.sum(gold_index == j))
        p, r, f = prf(n_correct, n_pred, n_gold)
        per_label[label] = {"precision": p, "recall": r, "f1": f, "support": n_gold, "n_predicted": n_pred}
    used = [l for l in labels if per_label[l]["support"] or per_label[l]["n_predicted"]]
    confidences = probs.max(axis=1)
    return {
        "accuracy": float(correct.mean()),
        "macro_f1": float(np.mean([per_label[l]["f1"] for l in used])),
        "ece": expected_calibration_error(confidences, correct, n_bins),
        "nll": negative_log_likelihood(probs, gold_index),
        "brier": brier_score(probs, gold_index),
        "per_label": per_label,
        "reliability": reliability_bins(confidences, correct, n_bins),
    }


def gold_category(doc: Doc) -> str:
    """Return the one gold label of an exclusive-classes doc (the cat with value >= 0.5)."""
    positive = [label for label, value in doc.cats.items() if value >= 0.5]
    if len(positive) != 1:
        raise ValueError(
            f"Doc {doc.text[:60]!r} has {len(positive)} positive categories in {doc.cats}; "
            "exclusive classification needs exactly one"
        )
    return positive[0]


# --------------------------------------------------------- aggregation ----------


def average_scores(languages: Mapping[str, Mapping[str, Any]]) -> Tuple[Optional[float], Optional[float]]:
    """Return (mean score over languages, mean score without "en"); None when there is none."""
    scores = [v["score"] for v in languages.values()]
    without_en = [v["score"] for k, v in languages.items() if k != "en"]
    mean = lambda xs: float(sum(xs) / len(xs)) if xs else None  # noqa: E731
    return mean(scores), mean(without_en)


def fusion_layer(config: Mapping[str, Any], component: Optional[str] = None) -> Optional[int]:
    """Return the DLFA fusion layer from a pipeline config, or None for a baseline."""
    components = config.get("components", {}) if isinstance(config, Mapping) else {}
    names = list(components)
    # The task component is the one that owns the encoder in the task configs,
    # so look there first and only then anywhere else.
    if component in components:
        names.remove(component)
        names.insert(0, component)
    for name in names:
        model = components[name].get("model") if isinstance(components[name], Mapping) else None
        tok2vec = model.get("tok2vec") if isinstance(model, Mapping) else None
        if isinstance(tok2vec, Mapping) and tok2vec.get("layer") is not None:
            layer = tok2vec["layer"]
            try:
                return int(layer)
            except (TypeError, ValueError):
                raise ValueError(f"Component {name!r} has a non-integer fusion layer {layer!r}")
    return None


def variant_name(layer: Optional[int]) -> str:
    """Name of a model variant: "baseline" without a fusion layer, else "DLFA-<layer>"."""
    return "baseline" if layer is None else f"DLFA-{layer}"


# ----------------------------------------------------------- pipeline ----------


def _load_model(model: Union[str, Path, Language]) -> Language:
    """Load a pipeline from a path or package name (or pass a loaded one through)."""
    if isinstance(model, Language):
        return model
    import spacy

    try:
        return spacy.load(model)
    except OSError as err:
        raise ValueError(f"Cannot load the model {str(model)!r}: {err}") from err


def _language_files(data_dir: Path) -> Dict[str, Path]:
    """Return {lang: path} of the `.spacy` files in a folder, sorted by language."""
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise ValueError(f"Data folder {str(data_dir)!r} does not exist or is not a folder")
    files = {p.stem: p for p in sorted(data_dir.glob("*.spacy")) if p.is_file()}
    if not files:
        raise ValueError(f"Data folder {str(data_dir)!r} holds no {{lang}}.spacy files")
    return dict(sorted(files.items()))


def _read_docs(path: Path, nlp: Language) -> List[Doc]:
    """Read the gold docs of one DocBin; raise ValueError if unreadable or empty."""
    try:
        docs = list(DocBin().from_disk(path).get_docs(nlp.vocab))
    except Exception as err:  # a truncated or foreign file fails in many ways
        raise ValueError(f"Cannot read DocBin {str(path)!r}: {err}") from err
    if not docs:
        raise ValueError(f"DocBin {str(path)!r} holds no docs")
    return docs


def _gold_labels(task: str, docs: Iterable[Doc]) -> Set[str]:
    """The label set a task's gold docs use."""
    if task == "ner":
        return {ent.label_ for doc in docs for ent in doc.ents}
    if task == "pos":
        return {t.pos_ for doc in docs for t in doc if t.pos_}
    return {label for doc in docs for label in doc.cats}


def _check_labels(task: str, component: str, model_labels: Sequence[str], lang: str, docs: List[Doc]) -> None:
    """Raise ValueError when gold labels do not fit the model's component labels."""
    gold = _gold_labels(task, docs)
    model = set(model_labels)
    if task in CLASSIFICATION_TASKS:
        if gold != model:
            raise ValueError(
                f"{lang}: gold categories {sorted(gold)} differ from the labels of "
                f"{component!r} {sorted(model)}"
            )
        for doc in docs:
            gold_category(doc)
    elif task == "pos" and not gold:
        raise ValueError(f"{lang}: the gold docs have no token.pos_ (UPOS) annotation")
    elif not gold <= model:
        raise ValueError(
            f"{lang}: gold labels {sorted(gold - model)} are not labels of {component!r}; "
            f"gold labels {sorted(gold)}, model labels {sorted(model)}"
        )


def predict(nlp: Language, gold_docs: Sequence[Doc], progress: Any = None) -> List[Doc]:
    """Run the pipeline on fresh docs with the gold docs' words and spaces."""
    # Building the input from gold tokens (not the text) keeps tokens aligned 1:1
    # and leaves no gold annotation on the docs the model sees.
    inputs = (
        Doc(nlp.vocab, words=[t.text for t in g], spaces=[bool(t.whitespace_) for t in g])
        for g in gold_docs
    )
    preds = []
    for doc in nlp.pipe(inputs):
        preds.append(doc)
        if progress is not None:
            progress.update(1)
    return preds


def score_language(
    task: str, gold_docs: Sequence[Doc], pred_docs: Sequence[Doc], labels: Sequence[str]
) -> Dict[str, Any]:
    """All metrics of one language, with "score" and "n" added."""
    if task == "ner":
        result = ner_scores(gold_docs, pred_docs)
    elif task == "pos":
        result = pos_accuracy(gold_docs, pred_docs)
    else:
        _check_aligned(gold_docs, pred_docs)
        probs = [[d.cats.get(label, 0.0) for label in labels] for d in pred_docs]
        result = classification_scores([gold_category(d) for d in gold_docs], probs, labels)
    return {"score": result[TASK_METRIC[task]], "n": len(gold_docs), **result}


def _write_json_atomic(path: Path, data: Mapping[str, Any]) -> None:
    """Write JSON so that `path` holds either its old content or all of the new one."""
    # allow_nan=False: a NaN would make the file unreadable for strict parsers.
    text = json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
    write_atomic(Path(path), text.encode("utf8"))


def evaluate_pipeline(
    model: Union[str, Path, Language],
    data_dir: Union[str, Path],
    task: str,
    output: Optional[Union[str, Path]] = None,
    smoke: bool = False,
) -> Dict[str, Any]:
    """Evaluate a pipeline zero-shot on every `{lang}.spacy` in data_dir; write and return the metrics.

    smoke: mark the metrics as a smoke run of the machinery (the demo), not results.
    """
    if task not in TASK_COMPONENT:
        raise ValueError(f"Unknown task {task!r}; choose one of {sorted(TASK_COMPONENT)}")
    files = _language_files(Path(data_dir))
    nlp = _load_model(model)
    component = TASK_COMPONENT[task]
    if component not in nlp.pipe_names:
        raise ValueError(
            f"Task {task!r} needs a {component!r} component, but the model has only "
            f"{list(nlp.pipe_names)}"
        )
    labels = list(nlp.get_pipe(component).labels)
    # Read and check every language before the slow part, so bad data fails fast.
    gold = {lang: _read_docs(path, nlp) for lang, path in files.items()}
    for lang, docs in gold.items():
        _check_labels(task, component, labels, lang, docs)

    from tqdm import tqdm

    languages = {}
    total = sum(len(d) for d in gold.values())
    with tqdm(total=total, file=sys.stderr, unit="doc", desc=f"{task}") as progress:
        for lang, docs in gold.items():
            progress.set_description(f"{task} {lang}")
            languages[lang] = score_language(task, docs, predict(nlp, docs, progress), labels)
    average, average_without_en = average_scores(languages)
    layer = fusion_layer(nlp.config, component)
    metrics = {
        "task": task,
        "model": str(model) if not isinstance(model, Language) else nlp.meta.get("name", "pipeline"),
        "component": component,
        "labels": labels,
        "metric": TASK_METRIC[task],
        "layer": layer,
        "variant": variant_name(layer),
        "languages": languages,
        "average": average,
        "average_without_en": average_without_en,
        "smoke": smoke,
    }
    if output is not None:
        _write_json_atomic(Path(output), metrics)
    return metrics
