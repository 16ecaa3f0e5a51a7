"""XTREME's wordpiece segments: bounds, the unknown-token rule, split/merge, evaluation and training reader."""
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import pytest
import spacy
from helpers import component_block, transformer_block
from spacy.language import Language
from spacy.tokens import Doc, DocBin
from spacy.training import Example
from spacy.util import load_model_from_config, resolve_dot_names
from test_pairs import build_xlmr_like
from thinc.api import Config

import dlfa_spacy.training.readers  # noqa: F401  (registers dlfa_spacy.WordpieceSegments.v1)
from dlfa_spacy.tasks import get_task
from dlfa_spacy.experiments.evaluate import evaluate_pipeline, score_language
from dlfa_spacy.metrics import bio_tags
from dlfa_spacy.training.segments import (
    SEGMENTS_KEY,
    merge_segments,
    model_word,
    segment_bounds,
    segment_capacity,
    special_token_count,
    split_doc,
)

REPO = Path(__file__).resolve().parents[1]
MAX_LENGTH = 8  # BERT: 8 - 2 specials = 6 wordpieces per segment

# A sentence of one-piece words (each is a whole word of the tiny BERT's training texts):
# 13 words -> segments of 6, 6, 1 at MAX_LENGTH 8.
SENTENCE = "Anna lives in Berlin and Maria works at Siemens in Hamburg with Lucy".split()
SENTENCE_ENTS = ["B-PER", "O", "O", "B-LOC", "O", "B-PER", "O", "O", "B-ORG", "O", "B-LOC", "O", "B-PER"]
SENTENCE_POS = ["PROPN", "VERB", "ADP", "PROPN", "CCONJ", "PROPN", "VERB", "ADP", "PROPN", "ADP", "PROPN",
                "ADP", "PROPN"]


def pieces(n: int) -> str:
    """A word of exactly n wordpieces under `exact_bert`: "ab", "##ab", "##ab", ..."""
    return "ab" * n


# Words with known wordpiece counts under `exact_bert` (checked in the tests).
WORDS = ["Anna", pieces(4), "Berlin", pieces(5), "in", pieces(5), "Berlin", "."]
COUNTS = [1, 4, 1, 5, 1, 5, 1, 1]
LONG_WORD = pieces(8)  # more than a 6-piece segment holds
FULL_WORD = pieces(6)  # fills one segment exactly


@pytest.fixture(scope="module")
def bert_tokenizer(tiny_bert):
    """The tiny BERT's tokenizer (its trained vocabulary's sub-word pieces differ from run to run)."""
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(tiny_bert), use_fast=True)


@pytest.fixture(scope="module")
def exact_bert(tmp_path_factory):
    """A BERT WordPiece tokenizer on a hand-written vocabulary, so every count is known."""
    from transformers import BertTokenizerFast

    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", ".", "ab", "##ab"] + sorted(set(SENTENCE))
    path = tmp_path_factory.mktemp("exact-bert") / "vocab.txt"
    path.write_text("".join(w + "\n" for w in vocab), encoding="utf-8")
    return BertTokenizerFast(vocab_file=str(path), do_lower_case=False, strip_accents=False)


def counts(tokenizer, words: List[str]) -> List[int]:
    """Wordpieces per word, as XTREME counts them."""
    return [len(tokenizer.tokenize(w)) for w in words]


# ------------------------------------------------------------- bounds -------


def test_special_tokens_bert_and_xlmr(exact_bert, tmp_path):
    xlmr, _ = build_xlmr_like(tmp_path, ["Anna lives in Berlin ."] * 20)
    assert special_token_count(exact_bert) == 2
    assert special_token_count(xlmr) == 3  # run_tag.py's extra separator for xlmr
    assert segment_capacity(exact_bert, 128) == 126
    assert segment_capacity(xlmr, 128) == 125
    with pytest.raises(ValueError, match="max_length 2 leaves no room.*expected at least 3"):
        segment_capacity(exact_bert, 2)


def test_greedy_bounds_on_counted_words(exact_bert):
    assert counts(exact_bert, WORDS) == COUNTS
    # Capacity 6: 1+4+1 = 6 | 5+1 = 6 | 5+1 = 6 | 1; a word that would overflow starts the next.
    assert segment_bounds(WORDS, exact_bert, MAX_LENGTH) == [(0, 3), (3, 5), (5, 7), (7, 8)]
    # Capacity 7: 1+4+1 = 6 | 5+1 = 6 | 5+1+1 = 7.
    assert segment_bounds(WORDS, exact_bert, MAX_LENGTH + 1) == [(0, 3), (3, 5), (5, 8)]
    # Everything fits: one segment; no words: no segment.
    assert segment_bounds(WORDS, exact_bert, 128) == [(0, 8)]
    assert segment_bounds([], exact_bert, MAX_LENGTH) == []


def word_level_xlmr(words: List[str]):
    """An XLM-R fast tokenizer with one piece per known word (built locally, nothing downloaded)."""
    from tokenizers import Tokenizer, models, pre_tokenizers
    from transformers import XLMRobertaTokenizerFast

    specials = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]
    vocab = {w: i for i, w in enumerate(dict.fromkeys(specials + words))}
    tok = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.WhitespaceSplit()
    return XLMRobertaTokenizerFast(
        tokenizer_object=tok, bos_token="<s>", eos_token="</s>", sep_token="</s>", cls_token="<s>",
        unk_token="<unk>", pad_token="<pad>", mask_token="<mask>")


def test_xlmr_segments_hold_one_piece_less(exact_bert):
    xlmr = word_level_xlmr(SENTENCE)
    assert counts(xlmr, SENTENCE) == counts(exact_bert, SENTENCE) == [1] * len(SENTENCE)
    assert segment_bounds(SENTENCE, exact_bert, MAX_LENGTH) == [(0, 6), (6, 12), (12, 13)]
    assert segment_bounds(SENTENCE, xlmr, MAX_LENGTH) == [(0, 5), (5, 10), (10, 13)]


# ------------------------------------------------------------ unknown -------


def test_unknown_token_rule(exact_bert):
    capacity = segment_capacity(exact_bert, MAX_LENGTH)
    assert counts(exact_bert, [LONG_WORD, FULL_WORD]) == [8, 6]
    assert model_word(LONG_WORD, exact_bert, capacity) == ("[UNK]", 1)  # too long for a segment
    assert model_word(FULL_WORD, exact_bert, capacity) == (FULL_WORD, 6)  # fits exactly: kept
    assert model_word(FULL_WORD, exact_bert, capacity - 1) == ("[UNK]", 1)
    # BERT's normalizer drops control and format characters: 0 wordpieces.
    for empty in ("\u200b", "\x07"):
        assert exact_bert.tokenize(empty) == []
        assert model_word(empty, exact_bert, capacity) == ("[UNK]", 1)
    assert model_word("", exact_bert, capacity) == ("", 0)  # XTREME keeps an empty word
    assert model_word("Berlin", exact_bert, capacity) == ("Berlin", 1)


def test_unknown_words_count_one_and_are_restored(exact_bert):
    words = ["Anna", LONG_WORD, "\u200b", FULL_WORD, "Berlin"]
    # Counted as 1 + 1 + 1 | 6 | 1.
    assert segment_bounds(words, exact_bert, MAX_LENGTH) == [(0, 3), (3, 4), (4, 5)]
    doc = Doc(spacy.blank("xx").vocab, words=words)
    segments = split_doc(doc, exact_bert, MAX_LENGTH)
    assert [[t.text for t in s] for s in segments] == [["Anna", "[UNK]", "[UNK]"], [FULL_WORD], ["Berlin"]]
    merged = merge_segments(doc, segments)
    assert [t.text for t in merged] == words
    assert merged.text == doc.text


# ------------------------------------------------------- split / merge -------


def gold_doc(vocab, words=SENTENCE, ents=SENTENCE_ENTS, pos=SENTENCE_POS) -> Doc:
    """A gold doc with ents, UPOS, tags (= UPOS) and a language."""
    doc = Doc(vocab, words=words, ents=ents, pos=pos, tags=pos)
    doc.user_data["lang"] = "de"
    return doc


def test_split_and_merge_round_trip(exact_bert):
    doc = gold_doc(spacy.blank("xx").vocab)
    segments = split_doc(doc, exact_bert, MAX_LENGTH)
    assert [len(s) for s in segments] == [6, 6, 1]
    assert [bio_tags(s) for s in segments] == [SENTENCE_ENTS[:6], SENTENCE_ENTS[6:12], SENTENCE_ENTS[12:]]
    assert [t.pos_ for s in segments for t in s] == SENTENCE_POS
    assert [t.tag_ for s in segments for t in s] == SENTENCE_POS
    assert all(s.user_data["lang"] == "de" for s in segments)
    merged = merge_segments(doc, segments)
    assert [t.text for t in merged] == SENTENCE and merged.text == doc.text
    assert bio_tags(merged) == SENTENCE_ENTS
    assert [(t.pos_, t.tag_) for t in merged] == [(p, p) for p in SENTENCE_POS]
    assert merged.user_data == {"lang": "de", SEGMENTS_KEY: 3}


def test_entity_across_a_boundary_is_cut(exact_bert):
    # "Maria works" (words 5-6) is one gold PER crossing the boundary after word 6.
    ents = ["O"] * 5 + ["B-PER", "I-PER"] + ["O"] * 6
    doc = gold_doc(spacy.blank("xx").vocab, ents=ents)
    first, second, _ = split_doc(doc, exact_bert, MAX_LENGTH)
    assert [(e.text, e.label_) for e in first.ents] == [("Maria", "PER")]
    # The second part starts a new entity, as seqeval reads an I- tag at a sequence start.
    assert [(e.text, e.label_) for e in second.ents] == [("works", "PER")]
    merged = merge_segments(doc, split_doc(doc, exact_bert, MAX_LENGTH))
    assert bio_tags(merged) == ["O"] * 5 + ["B-PER", "B-PER"] + ["O"] * 6


def test_missing_annotation_stays_missing(exact_bert):
    doc = Doc(spacy.blank("xx").vocab, words=SENTENCE)
    segments = split_doc(doc, exact_bert, MAX_LENGTH)
    assert not any(s.has_annotation(a) for s in segments for a in ("ENT_IOB", "POS", "TAG"))
    merged = merge_segments(doc, segments)
    assert not any(merged.has_annotation(a) for a in ("ENT_IOB", "POS", "TAG"))
    with pytest.raises(ValueError, match="segments hold 12 tokens in all; expected the doc's 13"):
        merge_segments(doc, segments[:2])


# ----------------------------------------------------------- evaluation -------


LONG_DATA = {
    "de": [SENTENCE, "Peter visited Paris with Lucy and Anna".split(),
           ["Anna", LONG_WORD, "\u200b", "lives", "in", "Berlin", "with", "Lucy"]],
    "en": [SENTENCE[:4], []],
}


def long_gold(vocab, lang: str) -> List[Doc]:
    """Gold docs: entities on the names of SENTENCE's vocabulary, UPOS PROPN / X."""
    names = {"Anna": "PER", "Maria": "PER", "Lucy": "PER", "Peter": "PER", "Berlin": "LOC",
             "Hamburg": "LOC", "Paris": "LOC", "Siemens": "ORG"}
    docs = []
    for words in LONG_DATA[lang]:
        ents = [f"B-{names[w]}" if w in names else "O" for w in words]
        pos = ["PROPN" if w in names else "X" for w in words]
        docs.append(gold_doc(vocab, words, ents, pos))
    return docs


def transformer_nlp(tiny_bert: Path, component: str, max_length: int) -> Language:
    """transformer + component (DLFA layer 2) whose tokenizer takes max_length wordpieces."""
    text = f'[nlp]\nlang = "xx"\npipeline = ["transformer", "{component}"]\n[components]\n'
    text += transformer_block(tiny_bert).replace(
        '{"use_fast": true}', f'{{"use_fast": true, "model_max_length": {max_length}}}')
    text += component_block(component, 2)
    return load_model_from_config(Config().from_str(text), auto_fill=True, validate=True)


@pytest.fixture(scope="module", params=["ner", "pos"])
def long_setup(request, tiny_bert, bert_tokenizer, tmp_path_factory) -> Dict[str, object]:
    """A transformer pipeline (max length 8) trained a few steps on segments, and gold DocBins."""
    task = request.param
    component = "ner" if task == "ner" else "tagger"
    root = tmp_path_factory.mktemp(f"long-{task}")
    nlp = transformer_nlp(tiny_bert, component, MAX_LENGTH)
    gold = {lang: long_gold(nlp.vocab, lang) for lang in LONG_DATA}
    examples = [Example(Doc(nlp.vocab, words=[t.text for t in s]), s)
                for d in gold["de"] for s in split_doc(d, bert_tokenizer, MAX_LENGTH)]
    optimizer = nlp.initialize(lambda: examples)
    for _ in range(3):
        nlp.update(examples, sgd=optimizer, drop=0.0)
    nlp.to_disk(root / "model")
    for lang, docs in gold.items():
        (root / "data").mkdir(exist_ok=True)
        DocBin(docs=docs, store_user_data=True).to_disk(root / "data" / f"{lang}.spacy")
    return {"task": task, "root": root, "model": root / "model", "data": root / "data"}


def merged_predictions(nlp: Language, gold: List[Doc]) -> Tuple[List[Doc], List[Doc]]:
    """Segments of the gold words run through the pipeline in one stream, merged back; and the segments."""
    tokenizer = nlp.get_pipe("transformer").model.tokenizer
    inputs = [Doc(nlp.vocab, words=[t.text for t in g], spaces=[bool(t.whitespace_) for t in g]) for g in gold]
    per_doc = [split_doc(d, tokenizer, MAX_LENGTH) or [d] for d in inputs]
    outputs = iter(nlp.pipe([s for segs in per_doc for s in segs]))
    predicted = [[next(outputs) for _ in segs] for segs in per_doc]
    return [merge_segments(d, p) for d, p in zip(inputs, predicted)], [s for p in predicted for s in p]


def test_evaluate_scores_every_word_of_long_sentences(long_setup):
    task = long_setup["task"]
    metrics = evaluate_pipeline(str(long_setup["model"]), long_setup["data"], task=task)
    nlp = spacy.load(long_setup["model"])
    tokenizer = nlp.get_pipe("transformer").model.tokenizer
    assert tokenizer.model_max_length == MAX_LENGTH
    # Every de sentence has more than 6 words, so more than 6 pieces; en's are short.
    assert metrics["languages"]["de"]["n_segmented"] == 3
    assert metrics["languages"]["en"]["n_segmented"] == 0
    assert metrics["n_segmented"] == 3
    for lang in LONG_DATA:
        gold = list(DocBin().from_disk(long_setup["data"] / f"{lang}.spacy").get_docs(nlp.vocab))
        merged, segments = merged_predictions(nlp, gold)
        assert [[t.text for t in m] for m in merged] == [[t.text for t in g] for g in gold]
        # Every segment reached the encoder whole: at most MAX_LENGTH wordpieces with specials.
        batch = nlp.get_pipe("transformer").predict([s for s in segments if len(s)])
        assert max(batch.wordpieces.lengths) <= MAX_LENGTH
        got = dict(metrics["languages"][lang])
        n_segments = got.pop("n_segmented"), got.pop("n_segments"), got.pop("n")
        # Each segment is scored as its own sequence, gold split at the same words (run_tag.py).
        gold_segments = [s for g in gold for s in split_doc(g, tokenizer, MAX_LENGTH) or [g]]
        want = score_language(task, gold_segments, segments, metrics["labels"])
        assert n_segments == (3 if lang == "de" else 0, len(gold_segments), len(gold))
        want.pop("n")
        # The report's displaCy input: the first segments, gold and predicted, as scored.
        examples = got.pop("examples")
        spec = get_task(task)
        assert examples == [{"gold": spec.display(g), "pred": spec.display(p)}
                            for g, p in zip(gold_segments[:20], segments[:20])]
        assert got == want
        assert got["n_tokens"] == sum(len(g) for g in gold)  # every word is scored
        assert len(got["per_example"]) == len(gold_segments)


def test_pipeline_without_transformer_is_not_segmented(tmp_path):
    nlp = spacy.blank("xx")
    nlp.add_pipe("entity_ruler", name="ner").add_patterns([{"label": "PER", "pattern": "Anna"}])
    nlp.to_disk(tmp_path / "model")
    docs = [gold_doc(nlp.vocab, SENTENCE, ["B-PER"] + ["O"] * 12)]
    (tmp_path / "data").mkdir()
    DocBin(docs=docs).to_disk(tmp_path / "data" / "de.spacy")
    metrics = evaluate_pipeline(str(tmp_path / "model"), tmp_path / "data", task="ner")
    assert metrics["n_segmented"] == 0
    assert metrics["languages"]["de"]["f1"] == 1.0


# -------------------------------------------------------------- training -------


def task_config(task: str, encoder: Path, train: Path, overrides: Optional[Dict[str, object]] = None) -> Config:
    """The task's shipped config on a local encoder and corpus, resolved as `spacy train` does."""
    component = "ner" if task == "ner" else "tagger"
    return Config().from_disk(REPO / "configs" / f"{task}.cfg", overrides={
        "encoder.name": str(encoder), "encoder.max_length": MAX_LENGTH,
        "paths.train": str(train), "paths.dev": str(train),
        f"components.{component}.model.tok2vec.layer": 2, **(overrides or {})})


def corpora_examples(config: Config) -> Tuple[List[Example], List[Example]]:
    """Train and dev examples the way `spacy train` resolves its corpora."""
    nlp = load_model_from_config(config, auto_fill=True, validate=True)
    resolved = nlp.config.interpolate()
    train, dev = resolve_dot_names(resolved, [resolved["training"]["train_corpus"],
                                              resolved["training"]["dev_corpus"]])
    return list(train(nlp)), list(dev(nlp))


@pytest.mark.parametrize("task", ["ner", "pos"])
def test_reader_yields_segments(task, tiny_bert, bert_tokenizer, tmp_path):
    vocab = spacy.blank("xx").vocab
    gold = long_gold(vocab, "de") + long_gold(vocab, "en")
    DocBin(docs=gold, store_user_data=True).to_disk(tmp_path / "train.spacy")
    config = task_config(task, tiny_bert, tmp_path / "train.spacy")
    assert config["corpora"]["train"]["@readers"] == "dlfa_spacy.WordpieceSegments.v1"
    train, dev = corpora_examples(config)
    expected = [s for d in gold for s in split_doc(d, bert_tokenizer, MAX_LENGTH)]
    # de: at least 3 + 2 + 2 segments, en: 1 (its empty doc has none and is skipped).
    assert len(train) == len(dev) == len(expected) >= 8
    for eg, segment in zip(train, expected):
        reference = eg.reference
        assert [t.text for t in reference] == [t.text for t in segment]
        assert sum(counts(bert_tokenizer, [t.text for t in reference])) <= MAX_LENGTH - 2
        assert bio_tags(reference) == bio_tags(segment)
        assert reference.user_data["lang"] == segment.user_data["lang"]
        if task == "pos":  # the config's augmenter still copies UPOS into the tag
            assert [t.tag_ for t in reference] == [t.pos_ for t in segment]
        if "[UNK]" in reference.text:  # spaCy's tokenizer would split "[UNK]" into 3 tokens
            assert [t.text for t in eg.predicted] == [t.text for t in reference]
    assert any("[UNK]" in eg.reference.text for eg in train)


def test_reader_gold_preproc_and_limit(tiny_bert, bert_tokenizer, tmp_path):
    vocab = spacy.blank("xx").vocab
    gold = long_gold(vocab, "de")
    DocBin(docs=gold, store_user_data=True).to_disk(tmp_path / "train.spacy")
    config = task_config("ner", tiny_bert, tmp_path / "train.spacy",
                         {"corpora.train.gold_preproc": True, "corpora.dev.limit": 1})
    train, dev = corpora_examples(config)
    expected = [s for d in gold for s in split_doc(d, bert_tokenizer, MAX_LENGTH)]
    assert [[t.text for t in eg.predicted] for eg in train] == [[t.text for t in s] for s in expected]
    assert len(dev) == 3  # limit counts docs read (the first sentence), not segments


def test_reader_needs_a_path(tiny_bert):
    from dlfa_spacy.training.readers import create_wordpiece_segments

    with pytest.raises(ValueError, match="needs the path"):
        create_wordpiece_segments(None, str(tiny_bert))
    with pytest.raises(ValueError, match="max_length is 0"):
        create_wordpiece_segments(Path("x.spacy"), str(tiny_bert), max_length=0)
