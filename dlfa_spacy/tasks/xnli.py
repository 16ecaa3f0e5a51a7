"""XNLI: natural language inference on sentence pairs, trained on English MultiNLI."""
from . import pair_classification as pairs
from .base import CLASSIFICATION, Layout, Task, langs

LABELS = ("entailment", "neutral", "contradiction")

TASK = Task(
    name="xnli", title="XNLI", kind=CLASSIFICATION, format="xnli", reader="dlfa_spacy.corpora.xnli:read_xnli",
    component="textcat", labels=LABELS, metric="accuracy", metric_name="accuracy",
    paper_layer=11, paper_baseline=65.40, paper_dlfa=66.91, epochs=5,
    languages=langs("ar bg de el en es fr hi ru sw th tr ur vi zh"),
    # XTREME trains on XNLI-MT's copy of MultiNLI train; the demo ships the MultiNLI 1.0 file.
    layout=Layout("multinli.train.en.tsv|multinli_1.0_train.txt", "xnli.dev.tsv", "xnli.test.tsv",
                  dev_lang="en", test_lang=True),
    label_kind="cats", summary_labels=pairs.positive_cats, check_gold=pairs.check_gold, scorer=pairs.score,
    parallel=True,
    sources="assets/xnli/XNLI-MT-1.0.zip assets/xnli/XNLI-1.0.zip", demo_layer=3, demo_langs="en,de,es,ru",
)
