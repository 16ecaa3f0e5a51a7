"""Tests of POS scored as XTREME scores it: seqeval P/R/F1 over raw UPOS strings."""
import random
import warnings
from typing import List, Sequence

import pytest
import seqeval.metrics as seqeval_metrics  # a declared test extra: missing fails, not skips
import spacy
from spacy.tokens import Doc

from dlfa_spacy.metrics import (
    SEQEVAL_SEMANTICS,
    pos_accuracy,
    pos_scores,
    prf,
    seqeval_chunks,
    seqeval_scores,
    seqeval_split,
    tag_entities,
    upos_sequences,
)
from dlfa_spacy.tasks import UPOS_TAGS

# Tags that exercise seqeval's corner cases beyond UPOS: prefixes B/I/E/S/O/".", hyphens,
# a 0.0.12 type "O" ("X-O") and an empty 1.x type ("X-", "-").
ODD_TAGS = ("O", "B-X", "I-X", "E-Y", "S-Y", "X-O", "X-", "-", ".", ".-X", "B", "I", "O-X", "I-O")


# ------------------------------------------- seqeval 0.0.12, as a reference ----
# A transcription of seqeval v0.0.12, seqeval/metrics/sequence_labeling.py
# (github.com/chakki-works/seqeval, tag v0.0.12): get_entities, end_of_chunk,
# start_of_chunk, precision_score, recall_score, f1_score with suffix=False. The tests
# have no network, so the source is copied here, statement by statement.


def v0012_get_entities(seq):
    """seqeval 0.0.12's get_entities(seq, suffix=False)."""
    if any(isinstance(s, list) for s in seq):
        seq = [item for sublist in seq for item in sublist + ['O']]
    prev_tag = 'O'
    prev_type = ''
    begin_offset = 0
    chunks = []
    for i, chunk in enumerate(seq + ['O']):
        tag = chunk[0]
        type_ = chunk.split('-')[-1]
        if v0012_end_of_chunk(prev_tag, tag, prev_type, type_):
            chunks.append((prev_type, begin_offset, i - 1))
        if v0012_start_of_chunk(prev_tag, tag, prev_type, type_):
            begin_offset = i
        prev_tag = tag
        prev_type = type_
    return chunks


def v0012_end_of_chunk(prev_tag, tag, prev_type, type_):
    """seqeval 0.0.12's end_of_chunk."""
    chunk_end = False
    if prev_tag == 'E': chunk_end = True  # noqa: E701
    if prev_tag == 'S': chunk_end = True  # noqa: E701
    if prev_tag == 'B' and tag == 'B': chunk_end = True  # noqa: E701
    if prev_tag == 'B' and tag == 'S': chunk_end = True  # noqa: E701
    if prev_tag == 'B' and tag == 'O': chunk_end = True  # noqa: E701
    if prev_tag == 'I' and tag == 'B': chunk_end = True  # noqa: E701
    if prev_tag == 'I' and tag == 'S': chunk_end = True  # noqa: E701
    if prev_tag == 'I' and tag == 'O': chunk_end = True  # noqa: E701
    if prev_tag != 'O' and prev_tag != '.' and prev_type != type_:
        chunk_end = True
    return chunk_end


def v0012_start_of_chunk(prev_tag, tag, prev_type, type_):
    """seqeval 0.0.12's start_of_chunk."""
    chunk_start = False
    if tag == 'B': chunk_start = True  # noqa: E701
    if tag == 'S': chunk_start = True  # noqa: E701
    if prev_tag == 'E' and tag == 'E': chunk_start = True  # noqa: E701
    if prev_tag == 'E' and tag == 'I': chunk_start = True  # noqa: E701
    if prev_tag == 'S' and tag == 'E': chunk_start = True  # noqa: E701
    if prev_tag == 'S' and tag == 'I': chunk_start = True  # noqa: E701
    if prev_tag == 'O' and tag == 'E': chunk_start = True  # noqa: E701
    if prev_tag == 'O' and tag == 'I': chunk_start = True  # noqa: E701
    if tag != 'O' and tag != '.' and prev_type != type_:
        chunk_start = True
    return chunk_start


def v0012_prf(y_true, y_pred):
    """seqeval 0.0.12's (precision_score, recall_score, f1_score)."""
    true_entities = set(v0012_get_entities(y_true))
    pred_entities = set(v0012_get_entities(y_pred))
    nb_correct = len(true_entities & pred_entities)
    nb_pred = len(pred_entities)
    nb_true = len(true_entities)
    p = nb_correct / nb_pred if nb_pred > 0 else 0
    r = nb_correct / nb_true if nb_true > 0 else 0
    score = 2 * p * r / (p + r) if p + r > 0 else 0
    return p, r, score


def v12_prf(y_true, y_pred):
    """The installed seqeval's (1.2.2) default-mode micro P/R/F1, its warnings silenced."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "NOUN seems not to be NE tag", undefined metrics
        return (
            seqeval_metrics.precision_score(y_true, y_pred),
            seqeval_metrics.recall_score(y_true, y_pred),
            seqeval_metrics.f1_score(y_true, y_pred),
        )


def v12_get_entities(seq):
    """The installed seqeval's (1.2.2) get_entities, its warnings silenced."""
    from seqeval.metrics.sequence_labeling import get_entities

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return get_entities(seq)


def ours(gold, pred, semantics: str):
    """Our (precision, recall, f1) in one semantics."""
    scores = seqeval_scores(gold, pred, semantics)
    return scores["precision"], scores["recall"], scores["f1"]


def random_sequences(rng: random.Random, tags: Sequence[str], n: int) -> List[List[str]]:
    """n tag sequences of 0-12 tags; runs of one tag are likely, so chunks merge often."""
    seqs = []
    for _ in range(n):
        seq: List[str] = []
        for _ in range(rng.randint(0, 12)):
            seq.append(seq[-1] if seq and rng.random() < 0.4 else rng.choice(tags))
        seqs.append(seq)
    return seqs


def corrupt(rng: random.Random, seqs: List[List[str]], tags: Sequence[str]) -> List[List[str]]:
    """Predictions: mostly the gold tag, sometimes a random one, so scores spread over [0, 1]."""
    return [[t if rng.random() < 0.7 else rng.choice(tags) for t in seq] for seq in seqs]


# ------------------------------------------------------ hand-computed ----------


def test_split_in_both_semantics():
    assert seqeval_split("NOUN", "0.0.12") == ("N", "NOUN")
    assert seqeval_split("NOUN", "1.x") == ("N", "OUN")
    assert seqeval_split("CCONJ", "1.x") == ("C", "CONJ")
    assert seqeval_split("SCONJ", "1.x") == ("S", "CONJ")
    assert seqeval_split("X", "0.0.12") == ("X", "X")
    assert seqeval_split("X", "1.x") == ("X", "_")
    assert seqeval_split("B-PER", "0.0.12") == seqeval_split("B-PER", "1.x") == ("B", "PER")
    assert SEQEVAL_SEMANTICS == ("0.0.12", "1.x")


def test_split_errors():
    with pytest.raises(ValueError, match="Unknown seqeval semantics '2.0'"):
        seqeval_split("NOUN", "2.0")
    with pytest.raises(ValueError, match="Unknown seqeval semantics '2.0'"):
        seqeval_chunks([["NOUN"]], "2.0")
    with pytest.raises(ValueError, match="Empty tag"):
        seqeval_chunks([["NOUN", ""]], "0.0.12")


def test_run_of_one_tag_is_one_chunk():
    seq = [["NOUN", "NOUN", "VERB", "PUNCT"], ["PROPN", "PROPN"]]
    # Offsets count the "O" seqeval puts after each sequence (index 4).
    assert seqeval_chunks(seq, "0.0.12") == [("NOUN", 0, 1), ("VERB", 2, 2), ("PUNCT", 3, 3), ("PROPN", 5, 6)]
    assert seqeval_chunks(seq, "1.x") == [("OUN", 0, 1), ("ERB", 2, 2), ("UNCT", 3, 3), ("ROPN", 5, 6)]


def test_cconj_sconj_adjacent_differ_between_semantics():
    seq = [["CCONJ", "SCONJ"]]
    # 0.0.12: the types differ, so CCONJ ends where SCONJ (prefix S) starts.
    assert seqeval_chunks(seq, "0.0.12") == [("CCONJ", 0, 0), ("SCONJ", 1, 1)]
    # 1.x: both have type CONJ and prefix C is no chunk tag, so nothing ends CCONJ
    # before SCONJ restarts the chunk at 1: the CCONJ chunk is lost.
    assert seqeval_chunks(seq, "1.x") == [("CONJ", 1, 1)]


def test_s_tags_start_a_chunk_every_token():
    # SYM and SCONJ have prefix S (single): a run of them is not merged.
    assert seqeval_chunks([["SYM", "SYM", "SCONJ", "SCONJ"]], "0.0.12") == [
        ("SYM", 0, 0), ("SYM", 1, 1), ("SCONJ", 2, 2), ("SCONJ", 3, 3)
    ]
    assert seqeval_chunks([["NOUN", "SYM", "NOUN"]], "1.x") == [("OUN", 0, 0), ("YM", 1, 1), ("OUN", 2, 2)]
    # INTJ has prefix I, which continues a run of its own type like any other tag.
    assert seqeval_chunks([["INTJ", "INTJ", "X"]], "0.0.12") == [("INTJ", 0, 1), ("X", 2, 2)]


def test_seqeval_scores_hand_computed():
    gold = [["NOUN", "NOUN", "VERB"], ["CCONJ", "SCONJ"]]
    pred = [["NOUN", "ADJ", "VERB"], ["CCONJ", "SCONJ"]]
    # 0.0.12: gold NOUN 0-1, VERB 2-2, CCONJ 4-4, SCONJ 5-5 = 4; predicted NOUN 0-0,
    # ADJ 1-1, VERB, CCONJ, SCONJ = 5; correct VERB, CCONJ, SCONJ = 3.
    scores = seqeval_scores(gold, pred, "0.0.12")
    assert (scores["n_chunks"], scores["n_predicted_chunks"], scores["n_correct_chunks"]) == (4, 5, 3)
    assert scores["precision"] == 3 / 5 and scores["recall"] == 3 / 4
    assert scores["f1"] == pytest.approx(2 / 3)
    # 1.x: the CCONJ chunks are lost on both sides: 3 gold, 4 predicted, 2 correct.
    scores = seqeval_scores(gold, pred, "1.x")
    assert (scores["n_chunks"], scores["n_predicted_chunks"], scores["n_correct_chunks"]) == (3, 4, 2)
    assert scores["f1"] == prf(2, 4, 3)[2] == pytest.approx(4 / 7)


def test_seqeval_scores_length_errors():
    with pytest.raises(ValueError, match="1 gold sequences but 2 predicted"):
        seqeval_scores([["NOUN"]], [["NOUN"], ["VERB"]], "0.0.12")
    with pytest.raises(ValueError, match="Sequence 0: 1 gold tags but 2 predicted"):
        seqeval_scores([["NOUN"]], [["NOUN", "VERB"]], "1.x")


def test_ner_chunking_unchanged():
    # BIO tags read the same in both semantics, and as tag_entities reads them.
    seqs = [["B-PER", "I-PER", "O", "B-LOC"], ["I-ORG", "I-ORG"]]
    assert seqeval_chunks(seqs, "0.0.12") == seqeval_chunks(seqs, "1.x") == [
        ("PER", 0, 1), ("LOC", 3, 3), ("ORG", 5, 6)
    ]
    assert tag_entities(seqs[0]) == [("PER", 0, 1), ("LOC", 3, 3)]
    with pytest.raises(ValueError, match="Not a BIO/IOBES tag: 'NOUN'"):
        tag_entities(["NOUN"])


# ------------------------------------------ equality with seqeval itself -------


@pytest.mark.parametrize("tags", [UPOS_TAGS, ODD_TAGS], ids=["upos", "odd"])
def test_chunks_equal_seqeval_on_random_sequences(tags):
    rng = random.Random(2020)
    for _ in range(200):
        seqs = random_sequences(rng, tags, rng.randint(0, 6))
        assert seqeval_chunks(seqs, "0.0.12") == v0012_get_entities(seqs)
        assert seqeval_chunks(seqs, "1.x") == v12_get_entities(seqs)


@pytest.mark.parametrize("tags", [UPOS_TAGS, ODD_TAGS], ids=["upos", "odd"])
def test_scores_equal_seqeval_on_random_sequences(tags):
    rng = random.Random(56)
    for _ in range(200):
        gold = random_sequences(rng, tags, rng.randint(1, 6))
        pred = corrupt(rng, gold, tags)
        # == on floats: the same counts and the same operation order give the same bits.
        assert ours(gold, pred, "0.0.12") == v0012_prf(gold, pred)
        assert ours(gold, pred, "1.x") == v12_prf(gold, pred)


def test_semantics_differ_on_upos():
    gold, pred = [["CCONJ", "SCONJ", "NOUN"]], [["ADP", "SCONJ", "NOUN"]]
    assert v0012_prf(gold, pred) != v12_prf(gold, pred)
    assert ours(gold, pred, "0.0.12") == v0012_prf(gold, pred)
    assert ours(gold, pred, "1.x") == v12_prf(gold, pred)


# ------------------------------------------------------ from spaCy docs ---------


def upos_doc(vocab, pos: List[str], tags: List[str] = None) -> Doc:
    """A doc of len(pos) words with gold UPOS `pos` (empty = none) or predicted `tags`."""
    words = [f"w{i}" for i in range(len(pos))]
    d = Doc(vocab, words=words, tags=tags)
    for token, p in zip(d, pos):
        if p:
            token.pos_ = p
    return d


def test_pos_scores_hand_computed():
    vocab = spacy.blank("xx").vocab
    gold = [upos_doc(vocab, ["NOUN", "NOUN", "VERB", "PUNCT"]), upos_doc(vocab, ["CCONJ", "SCONJ"])]
    pred = [
        upos_doc(vocab, [""] * 4, tags=["NOUN", "ADJ", "VERB", "PUNCT"]),
        upos_doc(vocab, [""] * 2, tags=["CCONJ", "SCONJ"]),
    ]
    scores = pos_scores(gold, pred)
    # Tokens: 5 of 6 right.
    assert (scores["accuracy"], scores["n_tokens"], scores["n_correct"]) == (5 / 6, 6, 5)
    # 0.0.12: gold NOUN 0-1, VERB, PUNCT, CCONJ, SCONJ = 5; predicted 6; correct 4.
    assert (scores["n_chunks"], scores["n_predicted_chunks"], scores["n_correct_chunks"]) == (5, 6, 4)
    assert (scores["precision"], scores["recall"], scores["f1"]) == prf(4, 6, 5)
    assert scores["f1"] == pytest.approx(8 / 11)
    # 1.x: CCONJ is lost on both sides: gold 4, predicted 5, correct 3.
    seqeval_1x = (scores["precision_seqeval_1x"], scores["recall_seqeval_1x"], scores["f1_seqeval_1x"])
    assert seqeval_1x == prf(3, 5, 4)
    assert scores["f1_seqeval_1x"] == pytest.approx(2 / 3)
    # The accuracy part is pos_accuracy's.
    assert {k: scores[k] for k in ("accuracy", "n_tokens", "n_correct")} == pos_accuracy(gold, pred)


def test_pos_scores_equal_seqeval_per_doc_sequences():
    vocab = spacy.blank("xx").vocab
    rng = random.Random(7)
    gold_seqs = [s for s in random_sequences(rng, UPOS_TAGS, 30) if s]
    pred_seqs = corrupt(rng, gold_seqs, UPOS_TAGS)
    gold = [upos_doc(vocab, g) for g in gold_seqs]
    pred = [upos_doc(vocab, [""] * len(p), tags=p) for p in pred_seqs]
    scores = pos_scores(gold, pred)
    assert (scores["precision"], scores["recall"], scores["f1"]) == v0012_prf(gold_seqs, pred_seqs)
    assert (scores["precision_seqeval_1x"], scores["recall_seqeval_1x"], scores["f1_seqeval_1x"]) == v12_prf(
        gold_seqs, pred_seqs
    )


def test_tokens_without_gold_upos_are_dropped_from_both_sequences():
    vocab = spacy.blank("xx").vocab
    gold = [upos_doc(vocab, ["NOUN", "", "NOUN"])]
    pred = [upos_doc(vocab, [""] * 3, tags=["NOUN", "VERB", "NOUN"])]
    assert upos_sequences(gold, pred) == ([["NOUN", "NOUN"]], [["NOUN", "NOUN"]])
    # The two NOUNs become adjacent and form one chunk on both sides.
    scores = pos_scores(gold, pred)
    assert (scores["n_chunks"], scores["f1"], scores["accuracy"], scores["n_tokens"]) == (1, 1.0, 1.0, 2)


def test_pos_scores_needs_aligned_docs():
    vocab = spacy.blank("xx").vocab
    with pytest.raises(ValueError, match="1 gold docs but 0 predicted docs"):
        pos_scores([upos_doc(vocab, ["NOUN"])], [])
