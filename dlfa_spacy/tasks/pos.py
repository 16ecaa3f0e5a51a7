"""UD POS: a UPOS tag per token, scored as XTREME scores it (seqeval's F1 over UPOS strings).

XTREME scores UD-POS with seqeval's F1, not token accuracy (run_tag.py evaluate,
evaluate.py METRIC_FUNCTION); see metrics/tagging.py. The POS configs train a `tagger` on
UPOS labels, so the prediction is the tagger's `token.tag_` and the gold label the gold
doc's `token.pos_`.
"""
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Sequence, Tuple

from ..metrics import pos_scores, seqeval_doc_counts, upos_sequences
from .base import TOKENS, Layout, Task, check_label_subset, langs

if TYPE_CHECKING:
    from spacy.tokens import Doc

LABELS = (
    "ADJ", "ADP", "ADV", "AUX", "CCONJ", "DET", "INTJ", "NOUN", "NUM",
    "PART", "PRON", "PROPN", "PUNCT", "SCONJ", "SYM", "VERB", "X",
)


def upos_labels(doc: "Doc") -> List[str]:
    """The UPOS of each tagged token."""
    return [token.pos_ for token in doc if token.pos_]


def display(doc: "Doc") -> Dict[str, Any]:
    """The doc's UPOS as displaCy's manual "dep" input (words with their tags, no arcs)."""
    return {"words": [{"text": t.text, "tag": t.pos_} for t in doc], "arcs": []}


def check_gold(component: str, model_labels: Sequence[str], lang: str, docs: Sequence["Doc"]) -> None:
    """ValueError unless the gold docs have UPOS and every one is a label of the model."""
    gold = {pos for doc in docs for pos in upos_labels(doc)}
    if not gold:
        raise ValueError(f"{lang}: the gold docs have no token.pos_ (UPOS) annotation")
    check_label_subset(gold, component, model_labels, lang)


def score(gold_docs: Sequence["Doc"], pred_docs: Sequence["Doc"], labels: Sequence[str],
          temperature: Optional[float], lang: str) -> Tuple[Dict[str, Any], List[Any]]:
    """UPOS F1 (seqeval 0.0.12 and 1.x) and accuracy; per example, the headline's chunk counts of each doc."""
    # The headline chunks: seqeval 0.0.12's reading, as pos_scores' "f1".
    per_example = seqeval_doc_counts(*upos_sequences(gold_docs, pred_docs), "0.0.12")
    return pos_scores(gold_docs, pred_docs), per_example


TASK = Task(
    name="pos", title="POS", kind=TOKENS, format="ud", reader="dlfa_spacy.corpora.ud:read_ud",
    component="tagger", labels=LABELS, metric="f1", metric_name="UPOS F1 (seqeval 0.0.12, as XTREME)",
    paper_layer=10, paper_baseline=70.28, paper_dlfa=71.81, epochs=10,
    languages=langs("af ar bg de el en es et eu fa fi fr he hi hu id it ja kk ko mr nl pt ru ta "
                    "te th tl tr ur vi yo zh"),
    # As XTREME, every treebank of a language is merged, English train and dev included
    # ({train_treebank} is "en_*" unless one treebank is asked for).
    layout=Layout("{train_treebank}-ud-train.conllu", "{train_treebank}-ud-dev.conllu",
                  "{lang}_*-ud-test.conllu", many=True),
    label_kind="UPOS", summary_labels=upos_labels, check_gold=check_gold, scorer=score,
    sources="assets/ud/ud-treebanks-v2.5.tgz", demo_layer=3, demo_langs="en,de,es,ru,zh",
    reader_options=("tokens",),
    # The full run merges every English treebank, as XTREME does; the demo has one.
    demo_prepare=" --train-treebank en_demo",
    display=display, display_style="dep",
)
