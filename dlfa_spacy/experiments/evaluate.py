"""Zero-shot evaluation of a trained pipeline on every `{lang}.spacy` in a folder.

Metrics per task (`score` is the headline number of each language; see `tasks/`, whose modules score each task):

* ner   -- entity-level micro precision / recall / F1 from BIO sequences, computed the
           way seqeval's `f1_score` does by default (conlleval chunking); score = f1.
* pos   -- scored as XTREME scores UD-POS: seqeval micro precision / recall / F1 over
           the raw UPOS strings, each doc one sequence, with seqeval 0.0.12's reading
           of a tag (the release current at XTREME's release; runs of one tag merge
           into one chunk, so F1 is not accuracy); also `f1_seqeval_1x` (seqeval 1.x's
           reading) and token `accuracy`. The POS configs train a `tagger` on UPOS
           labels, so the prediction is the tagger's `token.tag_` and the gold label is
           the gold doc's `token.pos_` (UPOS). Gold tokens without a POS are dropped
           from both sequences. score = f1.
* xnli / pawsx -- exclusive text classification with `textcat`: accuracy, macro F1,
           and calibration of `doc.cats` (ECE with 15 equal-width bins, NLL, Brier),
           plus per-bin reliability data for reliability diagrams. score = accuracy.
           With a temperature_scaling component (`dlfa-spacy calibrate`) the metrics are
           those of the calibrated cats, and "calibration" holds the temperature and
           accuracy / ECE / NLL / Brier before and after scaling.
* sts    -- `similarity_regressor` scores in `doc._.sts_score` against the gold ones:
           Spearman's rho (ties share their mean rank) and Pearson's r. score = spearman.
           Test files named `{l1}-{l2}.spacy` (STS 2017's pair sets, cross-lingual when
           l1 != l2) are scored under "pairs", apart from the languages and their
           averages; "average_cross_lingual" is the mean over the cross-lingual ones.

Predicted docs are built from the gold docs' words and spaces, never by tokenizing the
text again, so gold and predicted tokens align one to one. The metrics themselves are
in `metrics/`; this module runs the pipeline.

NER and POS follow XTREME past the wordpiece limit: with a transformer in the pipeline,
a sentence is run as XTREME's segments of at most max length minus the special tokens
wordpieces (`training/segments.py`), and each segment is scored as its own sequence, as
run_tag.py scores XTREME's preprocessed files: every word is scored, and an entity that
crosses a segment boundary is cut there in gold and prediction alike. "n" counts the
sentences, "n_segments" the sequences scored (and "per_example" has one entry each), and
`n_segmented` the sentences that needed more than one segment (per language and in all).
"""
import re
import sys
from pathlib import Path
from typing import Any, Dict, Mapping, Optional, Sequence, Set, Union

from spacy.language import Language
from spacy.tokens import Doc
from tqdm import tqdm

from ..atomic import write_json_atomic
from ..metrics import average_scores
from ..mix_weights import layer_weights
from ..corpora.lines import ITEM_KEY
from ..results import (
    AUTO,
    EXAMPLES_KEY,
    N_EXAMPLES,
    UNIFORM,
    DEV_KEY,
    HEADS_KEY,
    INLINE_KEYS,
    ITEMS_KEY,
    LAYER_WEIGHTS_KEY,
    PAIRS_KEY,
    PER_EXAMPLE_KEY,
    SCALAR_MIX,
    SMOKE_KEY,
    variant_name,
)
from ..tasks import TASKS, Task, get_task, is_cross_lingual, is_pair_set
from .calibrate import temperature_pipe, without_temperature
from .pipeline_io import language_files, load_model, n_truncated_pairs, predict, read_docs, segment_predictions


SCALAR_MIX_ARCHITECTURES = ("dlfa_spacy.ScalarMix.v1", "dlfa_spacy.ScalarMixTransformer.v1")


def fusion_layer(config: Mapping[str, Any], component: Optional[str] = None) -> Union[int, str, None]:
    """Return the DLFA fusion layer from a pipeline config: k, "auto", "uniform", "scalar-mix", or None for a baseline."""
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
        if isinstance(tok2vec, Mapping) and tok2vec.get("@architectures") in SCALAR_MIX_ARCHITECTURES:
            return SCALAR_MIX
        if isinstance(tok2vec, Mapping) and tok2vec.get("layer") is not None:
            layer = tok2vec["layer"]
            if layer == AUTO and tok2vec.get("mix_learn_rate_scale") == 0:
                return UNIFORM  # the candidates mixed with fixed equal weights
            if layer in (AUTO, SCALAR_MIX):
                return layer
            try:
                return int(layer)
            except (TypeError, ValueError):
                raise ValueError(f"Component {name!r} has a non-integer fusion layer {layer!r}")
    return None


TEST_NAME = re.compile(r"[a-z]{2,3}")
PAIR_SET_NAME = re.compile(r"[a-z]{2,3}-[a-z]{2,3}")


def check_test_names(spec: Task, names: Sequence[str], data_dir: Union[str, Path]) -> None:
    """ValueError listing the test files whose names are not language codes (or, for STS, pair sets "l1-l2")."""
    def fits(name: str) -> bool:
        return bool(TEST_NAME.fullmatch(name) or (spec.pair_sets and PAIR_SET_NAME.fullmatch(name)))

    bad = [name for name in names if not fits(name)]
    if bad:
        expected = "{lang}.spacy with a 2- or 3-letter language code" + (
            " or {l1}-{l2}.spacy for a pair set" if spec.pair_sets else "")
        raise ValueError(f"Data folder {str(data_dir)!r} holds test files whose names are not "
                         + ("language codes or pair sets" if spec.pair_sets else "language codes") + ": "
                         + ", ".join(f"'{name}.spacy'" for name in bad) + f"; expected {expected} (every file "
                         "there is scored as a test set, so move the others out)")


def check_task_labels(spec: Task, component: str, labels: Sequence[str]) -> None:
    """ValueError unless a classification pipeline's labels are the task's (an XNLI pipeline is no PAWS-X one)."""
    if spec.is_classification and set(labels) != set(spec.labels):
        raise ValueError(f"The pipeline's {component!r} labels {sorted(labels)} are not {spec.title}'s "
                         f"{sorted(spec.labels)}: is it a pipeline for another task?")


def _pair_set_names(task: str, gold: Mapping[str, Any], data_dir: Union[str, Path]) -> Set[str]:
    """The test sets of `gold` that are pair sets "l1-l2"; ValueError if no language is left."""
    if not get_task(task).pair_sets:
        return set()  # only a task with pair sets reads "l1-l2" file names so
    names = {name for name in gold if is_pair_set(name)}
    if not set(gold) - names - {DEV_KEY}:
        raise ValueError(
            f"Data folder {str(data_dir)!r} holds only pair sets ({', '.join(sorted(names))}); expected at "
            "least one {lang}.spacy as well, whose scores make the averages"
        )
    return names


def average_cross_lingual(pairs: Mapping[str, Mapping[str, Any]]) -> Optional[float]:
    """Mean score over the cross-lingual pair sets (l1 != l2), or None without any."""
    scores = [v["score"] for name, v in pairs.items() if is_cross_lingual(name)]
    return float(sum(scores) / len(scores)) if scores else None


def score_language(
    task: str, gold_docs: Sequence[Doc], pred_docs: Sequence[Doc], labels: Sequence[str],
    temperature: Optional[float] = None, lang: str = "test set",
) -> Dict[str, Any]:
    """All metrics of one language, with "score", "n" and "per_example" added (see the task's scorer).

    per_example, in test-file order: xnli / pawsx 0/1 correctness per example; ner / pos
    [n_correct, n_predicted, n_gold] chunks per doc (the headline F1 is the micro F1 of
    the summed counts); sts [gold, predicted] scores per pair. Enough to rescore a
    resample of the examples (the bootstrap).
    temperature (xnli / pawsx): the pred docs hold the textcat's own cats; score them
    scaled by this temperature, and add "calibration" with the scores before and after.
    lang names the test set in errors.
    """
    return get_task(task).score(gold_docs, pred_docs, labels, temperature, lang)


def evaluate_pipeline(
    model: Union[str, Path, Language],
    data_dir: Union[str, Path],
    task: str,
    output: Optional[Union[str, Path]] = None,
    smoke: bool = False,
    batch_size: Optional[int] = None,
    dev: Optional[Union[str, Path]] = None,
) -> Dict[str, Any]:
    """Evaluate a pipeline zero-shot on every `{lang}.spacy` in data_dir; write and return the metrics.

    smoke: mark the metrics as a smoke run of the machinery (the demo), not results.
    batch_size: docs per batch for nlp.pipe (None: the pipeline's own batch size).
    dev: also score this English dev set (the model selection data) under "dev", with the
        same metrics as a language but outside the averages, so that a sweep can pick
        the fusion layer without looking at any test language.
    """
    if task not in TASKS:
        raise ValueError(f"Unknown task {task!r}; choose one of {sorted(TASKS)}")
    spec = TASKS[task]
    files = language_files(Path(data_dir))
    check_test_names(spec, list(files), data_dir)
    nlp = load_model(model)
    component = spec.component
    if component not in nlp.pipe_names:
        raise ValueError(
            f"Task {task!r} needs a {component!r} component, but the model has only "
            f"{list(nlp.pipe_names)}"
        )
    labels = list(nlp.get_pipe(component).labels)
    check_task_labels(spec, component, labels)
    scaling = temperature_pipe(nlp) if spec.is_classification else None
    temperature = nlp.get_pipe(scaling).temperature if scaling else None
    # Read and check every language before the slow part, so bad data fails fast.
    gold = {lang: read_docs(path, nlp) for lang, path in files.items()}
    if dev is not None:
        if DEV_KEY in gold:
            raise ValueError(f"Data folder {str(data_dir)!r} holds {DEV_KEY}.spacy, which would clash with "
                             f"the English dev scores of {str(dev)!r}; rename it or leave out the dev set")
        gold[DEV_KEY] = read_docs(Path(dev), nlp)
    for lang, docs in gold.items():
        spec.check_gold(component, labels, lang, docs)
    pair_names = _pair_set_names(spec.name, gold, data_dir)

    languages = {}
    total = sum(len(d) for d in gold.values())
    with tqdm(total=total, file=sys.stderr, unit="doc", desc=f"{task}") as progress:
        for lang, docs in gold.items():
            progress.set_description(f"{task} {lang}")
            # A calibrated pipeline runs without its scaling, which is applied in the
            # scoring: so one pass gives the scores before and after it.
            with without_temperature(nlp):
                if spec.is_token_task:
                    units, preds, split = segment_predictions(nlp, docs, progress, batch_size)
                else:
                    units, preds, split = docs, predict(nlp, docs, progress, batch_size), 0
            languages[lang] = score_language(task, units, preds, labels, temperature, lang=lang)
            languages[lang]["n"] = len(docs)
            items = [doc.user_data.get(ITEM_KEY) for doc in docs]
            if all(item is not None for item in items):
                # Which item each example is: the bootstrap pairs parallel languages on them.
                languages[lang][ITEMS_KEY] = items
            if not spec.is_token_task:
                # A pair longer than the encoder takes is cut longest-first, as XTREME's tokenizer cuts it.
                languages[lang]["n_truncated"] = n_truncated_pairs(nlp, docs)
            if spec.display is not None:
                languages[lang][EXAMPLES_KEY] = [{"gold": spec.display(g), "pred": spec.display(p)}
                                                 for g, p in zip(units[:N_EXAMPLES], preds[:N_EXAMPLES])]
            if spec.is_token_task:
                # Sentences longer than the encoder takes ran, and are scored, as several XTREME segments.
                languages[lang]["n_segmented"] = split
                languages[lang]["n_segments"] = len(units)
    dev_scores = languages.pop(DEV_KEY, None)
    pairs = {name: languages.pop(name) for name in list(languages) if name in pair_names}
    average, average_without_en = average_scores(languages)
    layer = fusion_layer(nlp.config, component)
    metrics = {
        "task": task,
        "model": str(model) if not isinstance(model, Language) else nlp.meta.get("name", "pipeline"),
        "component": component,
        "labels": labels,
        "metric": spec.metric,
        "layer": layer,
        "variant": variant_name(layer),
        HEADS_KEY: nlp.get_pipe_meta(component).factory,
        "languages": languages,
        # The averages are over exactly these; the report refuses to compare variants
        # of a task whose language sets differ.
        "language_set": sorted(languages),
        "average": average,
        "average_without_en": average_without_en,
        SMOKE_KEY: smoke,
    }
    if temperature is not None:
        metrics["temperature"] = temperature
    if pairs:
        metrics[PAIRS_KEY] = pairs
        metrics["pair_set"] = sorted(pairs)
        metrics["average_cross_lingual"] = average_cross_lingual(pairs)
    if spec.is_token_task:
        metrics["n_segmented"] = sum(scores["n_segmented"] for scores in languages.values())
    weights = layer_weights(nlp).get(component)
    if weights is not None:
        # Which lower layers "auto" chose; JSON keys are strings.
        metrics[LAYER_WEIGHTS_KEY] = {str(k): w for k, w in weights.items()}
    if dev_scores is not None:
        # Model selection data, never part of the averages; per-example data is for tests.
        dev_scores.pop(PER_EXAMPLE_KEY)
        dev_scores.pop(ITEMS_KEY, None)
        metrics[DEV_KEY] = {"path": str(dev), **dev_scores}
    if output is not None:
        # One line per language's per-example list: indented, it would take a line per int.
        write_json_atomic(Path(output), metrics, inline_key=INLINE_KEYS)
    return metrics
