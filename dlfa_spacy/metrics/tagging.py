"""Token-level metrics: entity P/R/F1 computed exactly as seqeval does, and UPOS scores.

Entities are chunks of BIO/IOBES tag sequences read with conlleval's rules (seqeval's
default mode); micro P/R/F1 count (sequence, start, end, type) chunks.

UPOS is scored the way XTREME scores it: seqeval's micro P/R/F1 over the raw tag strings,
where the first character of a tag is its "prefix" and runs of one tag merge into one
chunk. Two readings of a tag's type exist (`SEQEVAL_SEMANTICS`): seqeval 0.0.12, the
release current when XTREME came out (March 2020), takes the whole tag (`NOUN`); seqeval
1.x takes `tag[1:]`, so `CCONJ` and `SCONJ` share the type `CONJ`.
"""
from __future__ import annotations

import bisect
from collections import Counter, defaultdict
from typing import TYPE_CHECKING, Any, Callable, Dict, List, Sequence, Set, Tuple

if TYPE_CHECKING:  # the metrics read docs without importing spaCy (and so torch)
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


SEQEVAL_SEMANTICS = ("0.0.12", "1.x")


def seqeval_split(tag: str, semantics: str) -> Tuple[str, str]:
    """Split any tag string into (prefix, type) as seqeval `semantics` reads it."""
    _check_semantics(semantics)
    if not tag:
        raise ValueError("Empty tag: seqeval reads a tag's first character, and it has none")
    if semantics == "0.0.12":
        # seqeval 0.0.12 get_entities: `tag = chunk[0]`, `type_ = chunk.split('-')[-1]`.
        return tag[0], tag.split("-")[-1]
    # seqeval 1.x: `type_ = chunk[1:].split('-', maxsplit=1)[-1] or '_'`.
    return tag[0], tag[1:].split("-", maxsplit=1)[-1] or "_"


def _check_semantics(semantics: str) -> None:
    """Raise ValueError unless `semantics` names a seqeval reading of tags."""
    if semantics not in SEQEVAL_SEMANTICS:
        raise ValueError(f"Unknown seqeval semantics {semantics!r}; expected one of {SEQEVAL_SEMANTICS}")


def _split_tag(tag: str) -> Tuple[str, str]:
    """Split a tag into (prefix, type) exactly as seqeval does in its default mode."""
    if tag not in ("O", "B", "I", "E", "S") and not tag.startswith(("B-", "I-", "E-", "S-")):
        raise ValueError(f"Not a BIO/IOBES tag: {tag!r}")
    # seqeval gives "O" (and a bare "B") the type "_"; the type matters in the
    # "type changed" rules below, so it is copied rather than simplified.
    return seqeval_split(tag, "1.x")


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


def _chunks(tags: Sequence[str], split: Callable[[str], Tuple[str, str]]) -> List[Entity]:
    """The (type, start, end-inclusive) chunks of one tag sequence, each tag read by `split`."""
    chunks: List[Entity] = []
    prev_tag, prev_type, begin = "O", "", 0
    # A trailing "O" closes an entity that runs to the end of the sequence.
    for i, tag in enumerate(list(tags) + ["O"]):
        prefix, type_ = split(tag)
        if _chunk_ends(prev_tag, prefix, prev_type, type_):
            chunks.append((prev_type, begin, i - 1))
        if _chunk_starts(prev_tag, prefix, prev_type, type_):
            begin = i
        prev_tag, prev_type = prefix, type_
    return chunks


def tag_entities(tags: Sequence[str]) -> List[Entity]:
    """Return the (type, start, end-inclusive) chunks of one BIO/IOBES sequence, like seqeval."""
    return _chunks(tags, _split_tag)


def seqeval_chunks(sequences: Sequence[Sequence[str]], semantics: str) -> List[Entity]:
    """The chunks seqeval's `get_entities` finds in a list of tag sequences of any tags."""
    _check_semantics(semantics)
    # Like seqeval: one flat list with an "O" after each sequence, offsets into it. For
    # arbitrary tags a chunk can run on over that "O" (a 0.0.12 tag "X-O" has type "O"),
    # so the sequences are not chunked one by one.
    flat = [tag for seq in sequences for tag in list(seq) + ["O"]]
    return _chunks(flat, lambda tag: seqeval_split(tag, semantics))


def seqeval_scores(
    gold_tags: Sequence[Sequence[str]], pred_tags: Sequence[Sequence[str]], semantics: str
) -> Dict[str, Any]:
    """seqeval's micro precision / recall / F1 of any tag sequences, in the given semantics."""
    _check_lengths(gold_tags, pred_tags)
    gold = set(seqeval_chunks(gold_tags, semantics))
    pred = set(seqeval_chunks(pred_tags, semantics))
    n_correct = len(gold & pred)
    p, r, f = prf(n_correct, len(pred), len(gold))
    return {
        "precision": p, "recall": r, "f1": f,
        "n_chunks": len(gold), "n_predicted_chunks": len(pred), "n_correct_chunks": n_correct,
    }


def _check_lengths(gold_tags: Sequence[Sequence[str]], pred_tags: Sequence[Sequence[str]]) -> None:
    """Raise ValueError unless gold and predicted tag sequences pair up one to one."""
    if len(gold_tags) != len(pred_tags):
        raise ValueError(f"{len(gold_tags)} gold sequences but {len(pred_tags)} predicted")
    for i, (g, p) in enumerate(zip(gold_tags, pred_tags)):
        if len(g) != len(p):
            raise ValueError(f"Sequence {i}: {len(g)} gold tags but {len(p)} predicted")


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
    _check_lengths(gold_tags, pred_tags)
    gold: Dict[str, Set[Tuple[int, int, int]]] = defaultdict(set)
    pred: Dict[str, Set[Tuple[int, int, int]]] = defaultdict(set)
    for i, (g, p) in enumerate(zip(gold_tags, pred_tags)):
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


def upos_sequences(
    gold_docs: Sequence[Doc], pred_docs: Sequence[Doc]
) -> Tuple[List[List[str]], List[List[str]]]:
    """Per doc, the gold `token.pos_` and the predicted `token.tag_` of tokens with a gold UPOS."""
    check_aligned(gold_docs, pred_docs)
    gold_seqs: List[List[str]] = []
    pred_seqs: List[List[str]] = []
    for gold, pred in zip(gold_docs, pred_docs):
        # A token without gold UPOS is dropped from both sequences (XTREME's data has
        # none), so its neighbours become adjacent and may merge into one chunk.
        kept = [(g.pos_, p.tag_) for g, p in zip(gold, pred) if g.pos_]
        gold_seqs.append([g for g, _ in kept])
        pred_seqs.append([p for _, p in kept])
    return gold_seqs, pred_seqs


def pos_scores(gold_docs: Sequence[Doc], pred_docs: Sequence[Doc]) -> Dict[str, Any]:
    """UPOS accuracy and seqeval P/R/F1 (0.0.12 semantics; F1 also in 1.x), one doc a sequence."""
    gold_seqs, pred_seqs = upos_sequences(gold_docs, pred_docs)
    headline = seqeval_scores(gold_seqs, pred_seqs, "0.0.12")
    seqeval_1x = seqeval_scores(gold_seqs, pred_seqs, "1.x")
    return {
        **pos_accuracy(gold_docs, pred_docs),
        **headline,
        "precision_seqeval_1x": seqeval_1x["precision"],
        "recall_seqeval_1x": seqeval_1x["recall"],
        "f1_seqeval_1x": seqeval_1x["f1"],
    }


def _doc_starts(sequences: Sequence[Sequence[str]]) -> List[int]:
    """Offset of each sequence in seqeval's flat list (one "O" after each sequence)."""
    starts, offset = [], 0
    for seq in sequences:
        starts.append(offset)
        offset += len(seq) + 1
    return starts


def seqeval_doc_counts(
    gold_tags: Sequence[Sequence[str]], pred_tags: Sequence[Sequence[str]], semantics: str
) -> List[List[int]]:
    """Per sequence [n_correct, n_predicted, n_gold] chunks; their sums are `seqeval_scores`' counts."""
    _check_lengths(gold_tags, pred_tags)
    gold = set(seqeval_chunks(gold_tags, semantics))
    pred = set(seqeval_chunks(pred_tags, semantics))
    starts = _doc_starts(gold_tags)
    counts = [[0, 0, 0] for _ in gold_tags]
    # A chunk belongs to the sequence it starts in: the sums then equal the headline
    # counts exactly, even for odd tags whose chunks run on over a sequence's end.
    for column, chunks in enumerate((gold & pred, pred, gold)):
        for _, start, _ in chunks:
            counts[bisect.bisect_right(starts, start) - 1][column] += 1
    return counts


def ner_doc_counts(gold_tags: Sequence[Sequence[str]], pred_tags: Sequence[Sequence[str]]) -> List[List[int]]:
    """Per sequence [n_correct, n_predicted, n_gold] entities; their sums are `ner_scores_from_tags`' counts."""
    _check_lengths(gold_tags, pred_tags)
    counts = []
    for g, p in zip(gold_tags, pred_tags):
        gold, pred = set(tag_entities(g)), set(tag_entities(p))
        counts.append([len(gold & pred), len(pred), len(gold)])
    return counts
