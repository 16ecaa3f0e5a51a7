"""Pair docs read through the pair configs' own corpus reader reach the encoder as tokenizer(premise, hypothesis)."""
from pathlib import Path
from typing import List, Tuple

import pytest
import spacy
from conftest import VOCAB_TEXTS
from spacy.tokens import DocBin
from spacy.util import registry
from test_pairs import OWN_PAIRS
from thinc.api import Config

from dlfa_spacy import PAIR_SEPARATOR, pair_doc
from dlfa_spacy.testing.localmodel import build_local_xlmr

REPO = Path(__file__).resolve().parents[1]
PAIRS: List[Tuple[str, str]] = OWN_PAIRS + [
    ("Peter visited Paris. He liked it.", "Peter was in Paris!"),
    ("A [bracketed] word, and (more).", "No [SEP]-like text here?"),
]


@pytest.fixture(scope="module")
def xlmr_path(tmp_path_factory) -> Path:
    """A tiny XLM-R (sentencepiece vocabulary trained locally) saved where a config can name it."""
    texts = [t for p in PAIRS for t in p] + VOCAB_TEXTS
    return build_local_xlmr(tmp_path_factory.mktemp("xlmr"), texts * 3, vocab_size=300, num_layers=3,
                            width=32, heads=2, dropout=0.0)


def config_nlp(task: str, encoder: Path, train: Path) -> Tuple[spacy.Language, Config]:
    """The task's shipped config with a local encoder and a training corpus."""
    config = Config().from_disk(REPO / "configs" / f"{task}.cfg",
                                overrides={"encoder.name": str(encoder), "paths.train": str(train),
                                           "paths.dev": str(train),
                                           # the tiny encoders have 3-4 layers
                                           "components.textcat.model.tok2vec.layer": 2})
    return spacy.util.load_model_from_config(config, auto_fill=True, validate=True), config


def write_pairs(path: Path) -> None:
    nlp = spacy.blank("xx")
    docs = []
    for i, (p, h) in enumerate(PAIRS):
        doc = pair_doc(nlp, p, h)
        doc.cats = {"paraphrase": float(i % 2), "not_paraphrase": float(1 - i % 2)}
        docs.append(doc)
    DocBin(docs=docs).to_disk(path)


@pytest.mark.parametrize("task", ["xnli", "pawsx"])
@pytest.mark.parametrize("encoder", ["bert", "xlmr"])
def test_corpus_reader_keeps_pairs(task, encoder, tiny_bert, xlmr_path, tmp_path):
    path = tiny_bert if encoder == "bert" else xlmr_path
    train = tmp_path / "train.spacy"
    write_pairs(train)
    nlp, config = config_nlp(task, path, train)
    corpus = registry.resolve(config["corpora"])["train"]
    examples = list(corpus(nlp))
    assert len(examples) == len(PAIRS)
    # What training sees: the predicted docs made by nlp.make_doc from the reference text.
    predicted = [eg.predicted for eg in examples]
    assert [sum(t.text == PAIR_SEPARATOR for t in doc) for doc in predicted] == [1] * len(PAIRS)
    trf = nlp.get_pipe("transformer")
    trf.initialize(lambda: examples)
    tokenizer = trf.model.tokenizer
    for doc, (premise, hypothesis) in zip(trf.pipe(predicted), PAIRS):
        expected = tokenizer(premise.strip(), hypothesis.strip())
        wp = doc._.trf_data.wordpieces
        n = wp.lengths[0]
        assert wp.input_ids[0][:n].tolist() == expected["input_ids"]
        if encoder == "bert":
            assert wp.token_type_ids[0][:n].tolist() == expected["token_type_ids"]
            assert 1 in expected["token_type_ids"]
        else:
            assert wp.token_type_ids is None
            assert expected["input_ids"].count(tokenizer.eos_token_id) == 3


def test_make_doc_of_raw_pair_text_equals_pair_doc(tiny_bert, tmp_path):
    train = tmp_path / "train.spacy"
    write_pairs(train)
    nlp, _ = config_nlp("xnli", tiny_bert, train)
    for premise, hypothesis in PAIRS:
        built = pair_doc(nlp, premise, hypothesis)
        assert [t.text for t in nlp.make_doc(built.text)] == [t.text for t in built]


def test_separator_survives_save_and_load(tiny_bert, tmp_path):
    train = tmp_path / "train.spacy"
    write_pairs(train)
    nlp, _ = config_nlp("pawsx", tiny_bert, train)
    for label in ("paraphrase", "not_paraphrase"):
        nlp.get_pipe("textcat").add_label(label)
    nlp.initialize()
    nlp.to_disk(tmp_path / "model")
    loaded = spacy.load(tmp_path / "model")
    assert [t.text for t in loaded.make_doc("a b [SEP] c")] == ["a", "b", "[SEP]", "c"]
    # Without the callback the stock tokenizer splits it: that is what the callback fixes.
    assert [t.text for t in spacy.blank("xx").make_doc("a [SEP] c")] == ["a", "[", "SEP", "]", "c"]


def test_tokenizer_without_special_cases_is_a_clear_error():
    from dlfa_spacy.pairs import keep_pair_separator

    nlp = spacy.blank("xx")
    nlp.tokenizer = lambda text: None
    with pytest.raises(ValueError, match="needs a tokenizer with special cases; function of language 'xx'"):
        keep_pair_separator(nlp)
