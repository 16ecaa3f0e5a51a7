"""PAWS-X: paraphrase identification on sentence pairs, trained on English PAWS."""
from . import pair_classification as pairs
from .base import CLASSIFICATION, Layout, Task, langs

LABELS = ("paraphrase", "not_paraphrase")

TASK = Task(
    name="pawsx", title="PAWS-X", kind=CLASSIFICATION, format="pawsx", reader="dlfa_spacy.corpora.pawsx:read_pawsx",
    component="textcat", labels=LABELS, metric="accuracy", metric_name="accuracy",
    paper_layer=6, paper_baseline=81.94, paper_dlfa=84.37, epochs=5,
    languages=langs("de en es fr ja ko zh"),
    layout=Layout("en/train.tsv", "en/dev_2k.tsv", "{lang}/test_2k.tsv"),
    label_kind="cats", summary_labels=pairs.positive_cats, check_gold=pairs.check_gold, scorer=pairs.score,
    parallel=True,
    sources="assets/pawsx/x-final.tar.gz", demo_layer=2, demo_langs="en,de,es,ru",
)
