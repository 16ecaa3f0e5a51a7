"""Token-level metrics: entity P/R/F1 computed exactly as seqeval does, and UPOS accuracy.

Entities are chunks of BIO/IOBES tag sequences read with conlleval's rules (seqeval's
default mode); micro P/R/F1 count (sequence, start, end, type) chunks.
"""
from collections import Counter, defaultdict
from typing import Any, Dict, List, Sequence, Set, Tuple

from spacy.tokens import Doc

Entity = Tuple[str, int, int]


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


def check_aligned(gold_docs: Sequence[Doc], pred_docs: Sequence[Doc]) -> None:
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
    check_aligned(gold_docs, pred_docs)
    scores = ner_scores_from_tags(
        [bio_tags(d) for d in gold_docs], [bio_tags(d) for d in pred_docs]
    )
    scores["n_tokens"] = sum(len(d) for d in gold_docs)
    return scores


def pos_accuracy(gold_docs: Sequence[Doc], pred_docs: Sequence[Doc]) -> Dict[str, Any]:
    """Token accuracy of predicted `token.tag_` against gold `token.pos_` (UPOS)."""
    check_aligned(gold_docs, pred_docs)
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
