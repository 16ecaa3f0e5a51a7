"""NER on WikiANN (PAN-X): BIO entities per token, scored as seqeval's entity F1."""
from typing import TYPE_CHECKING, Any, Dict, List, Optional, Sequence, Tuple

from ..metrics import bio_tags, ner_doc_counts, ner_scores
from .base import TOKENS, Layout, Task, check_label_subset, langs

if TYPE_CHECKING:
    from spacy.tokens import Doc

LABELS = ("LOC", "ORG", "PER")


def entity_labels(doc: "Doc") -> List[str]:
    """The label of each entity."""
    return [ent.label_ for ent in doc.ents]


def display(doc: "Doc") -> Dict[str, Any]:
    """The doc's entities as displaCy's manual "ent" input."""
    return {"text": doc.text, "ents": [{"start": e.start_char, "end": e.end_char, "label": e.label_} for e in doc.ents]}


def check_gold(component: str, model_labels: Sequence[str], lang: str, docs: Sequence["Doc"]) -> None:
    """ValueError unless the gold docs hold entities, each of a label of the model."""
    gold = {label for doc in docs for label in entity_labels(doc)}
    if not gold:
        # Scored, such data gives F1 0 whatever the model does.
        raise ValueError(f"{lang}: the gold docs hold no entities (doc.ents); expected NER test data")
    check_label_subset(gold, component, model_labels, lang)


def score(gold_docs: Sequence["Doc"], pred_docs: Sequence["Doc"], labels: Sequence[str],
          temperature: Optional[float], lang: str) -> Tuple[Dict[str, Any], List[Any]]:
    """Entity P/R/F1 as seqeval; per example, [n_correct, n_predicted, n_gold] chunks of each doc."""
    per_example = ner_doc_counts([bio_tags(d) for d in gold_docs], [bio_tags(d) for d in pred_docs])
    return ner_scores(gold_docs, pred_docs), per_example


TASK = Task(
    name="ner", title="NER", kind=TOKENS, format="wikiann", reader="dlfa_spacy.corpora.wikiann:read_wikiann",
    component="ner", labels=LABELS, metric="f1", metric_name="entity F1",
    paper_layer=8, paper_baseline=62.17, paper_dlfa=63.34, epochs=10,
    languages=langs("ar he vi id jv ms tl eu ml ta te af nl en de el bn hi mr ur fa fr it pt es "
                    "bg ru ja ka ko th sw yo my zh kk tr et fi hu"),
    layout=Layout("en/train", "en/dev", "{lang}/test"),
    label_kind="entities", summary_labels=entity_labels, check_gold=check_gold, scorer=score,
    sources="assets/wikiann/panx_dataset.zip", demo_layer=2, demo_langs="en,de,es,ru,zh",
    display=display, display_style="ent",
)
