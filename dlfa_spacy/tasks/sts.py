"""STS: the similarity of sentence pairs (0-5), this project's fifth task; not in the paper.

Trained on English STS Benchmark (stsb-multi-mt's en files), tested on its 10 machine
translations and on STS 2017's pair sets. 4 epochs is sentence-transformers' STS
Benchmark recipe, not an XTREME setting. The gold score of a gold doc, and the predicted
one after `similarity_regressor` has run, are in `Doc._.sts_score`.
"""
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Sequence, Tuple

from ..metrics import correlation_scores
from ..metrics.tagging import check_aligned
from .base import REGRESSION, Layout, Task, langs

if TYPE_CHECKING:
    from spacy.tokens import Doc

STS_SCORE = "sts_score"  # the Doc extension of the score
MIN_SCORE, MAX_SCORE = 0.0, 5.0
# STS 2017 (SemEval-2017 task 1) tracks 1-6, without track 4b (its es-en pairs are
# machine-translation output), then the cross-lingual pairs STS2017-extended adds.
STS2017_SETS = ("ar-ar", "ar-en", "es-es", "es-en", "en-en", "tr-en")
STS2017_EXTENDED_SETS = ("en-de", "fr-en", "it-en", "nl-en")


def gold_similarity(doc: "Doc", lang: str, index: int) -> float:
    """A gold doc's Doc._.sts_score; ValueError naming the test set and doc unless it is a number in 0..5."""
    value = getattr(doc._, STS_SCORE, None) if doc.has_extension(STS_SCORE) else None
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not MIN_SCORE <= value <= MAX_SCORE:
        raise ValueError(
            f"{lang}: gold doc {index + 1} ({doc.text[:60]!r}) has doc._.{STS_SCORE} = {value!r}; expected a "
            f"number in 0..{MAX_SCORE:g} (convert STS data with `dlfa-spacy convert sts`)"
        )
    return float(value)


def score_bucket(doc: "Doc") -> List[str]:
    """The unit interval of the gold similarity score: 0-1, 1-2, ..., 4-5 (5 itself is in 4-5)."""
    low = min(int(getattr(doc._, STS_SCORE)), 4)
    return [f"{low}-{low + 1}"]


def check_gold(component: str, model_labels: Sequence[str], lang: str, docs: Sequence["Doc"]) -> None:
    """ValueError naming the test set and doc unless every gold doc has a score in 0..5."""
    for i, doc in enumerate(docs):
        gold_similarity(doc, lang, i)


def score(gold_docs: Sequence["Doc"], pred_docs: Sequence["Doc"], labels: Sequence[str],
          temperature: Optional[float], lang: str) -> Tuple[Dict[str, Any], List[Any]]:
    """Spearman's rho and Pearson's r; per example, [gold, predicted] scores."""
    check_aligned(gold_docs, pred_docs)
    gold = [gold_similarity(d, lang, i) for i, d in enumerate(gold_docs)]
    pred = [float(getattr(d._, STS_SCORE)) for d in pred_docs]
    return correlation_scores(gold, pred), [[g, p] for g, p in zip(gold, pred)]


TASK = Task(
    name="sts", title="STS", kind=REGRESSION, format="sts", reader="dlfa_spacy.corpora.sts:read_sts",
    component="similarity_regressor", labels=(), metric="spearman", metric_name="Spearman correlation",
    paper_layer=None, paper_baseline=None, paper_dlfa=None, epochs=4,
    languages=langs("de en es fr it ja nl pl pt ru zh"),
    # stsb-multi-mt's English train/dev and its test per language; a pair set "l1-l2" is an
    # STS 2017 track input (track4a for es-en: track 4b is machine-translation output), else
    # STS2017-extended's file. A track's STS.gs file may be in another source (its own zip).
    layout=Layout("stsb-en-train.csv", "stsb-en-dev.csv", "stsb-{lang}-test.csv",
                  pair_test="STS.input.track?.{lang}.txt|STS.input.track4a.{lang}.txt|STS.{lang}.txt"),
    label_kind="scores", summary_labels=score_bucket, check_gold=check_gold, scorer=score,
    sources="assets/stsb assets/sts2017/sts2017.eval.v1.1.zip assets/sts2017/sts2017.gs.zip "
            "assets/sts2017/STS2017-extended.zip",
    # No paper layer: the demo, as the full run, learns the mix ("auto").
    demo_layer="auto", demo_langs="en,de,es,ru,es-en,en-de",
    pair_sets=STS2017_SETS + STS2017_EXTENDED_SETS, reader_options=("gold_dirs",),
    # stsb-multi-mt translates the STS Benchmark row by row.
    parallel=True,
)
