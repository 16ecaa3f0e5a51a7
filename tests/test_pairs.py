"""Sentence pairs reach the encoder exactly as tokenizer(premise, hypothesis) builds them."""
import csv
from pathlib import Path
from typing import List, Tuple

import numpy
import pytest
import spacy
import torch
from conftest import VOCAB_TEXTS, shared_data_dir
from helpers import make_nlp
from spacy_transformers.data_classes import HFObjects

from dlfa_spacy import PAIR_SEPARATOR, pair_doc
from dlfa_spacy.layers import DLFATransformerModel, layer_key, tokenize_spans
from dlfa_spacy.pairs import split_pair
from dlfa_spacy.testing.localmodel import build_local_bert

# Pairs written for this project, in several scripts.
OWN_PAIRS = [
    ("Anna lives in Berlin.", "Anna does not live in Germany."),
    ("Иван живёт в Москве.", "Иван живёт в России."),
    ("北京是中国的首都。", "北京不是首都。"),
    ("مرحبا بالعالم", "العالم كبير"),
    ("Emoji 😀 in the premise", "and 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 in the hypothesis"),
    ("Two  spaces   inside", "  leading and trailing  "),
]


def real_pairs(per_file: int = 25) -> List[Tuple[str, str, str]]:
    """(file, premise, hypothesis) from every XNLI and PAWS-X language in shared/data."""
    rows = []
    for folder in ("xnli", "pawsx"):
        for path in sorted((shared_data_dir() / folder).glob("dev-*.tsv")):
            with path.open(encoding="utf-8", newline="") as f:
                for i, row in enumerate(csv.reader(f, delimiter="\t", quoting=csv.QUOTE_NONE)):
                    if i >= per_file:
                        break
                    rows.append((path.name, row[0], row[1]))
    return rows


@pytest.fixture(scope="module")
def pair_bert(tmp_path_factory):
    """A tiny BERT whose vocabulary knows the real pair texts (fewer [UNK] pieces)."""
    texts = [t for _, p, h in real_pairs(200) for t in (p, h)] + [t for p in OWN_PAIRS for t in p]
    return build_local_bert(tmp_path_factory.mktemp("pair-bert"), texts + VOCAB_TEXTS,
                            vocab_size=3000, num_layers=2, width=32, heads=2, dropout=0.0)


@pytest.fixture(scope="module")
def pair_nlp(pair_bert):
    nlp = make_nlp(pair_bert, {"textcat": 1})
    egs = []
    from spacy.training import Example
    for i, (p, h) in enumerate(OWN_PAIRS):
        doc = pair_doc(nlp, p, h)
        egs.append(Example.from_dict(doc, {"cats": {"yes": float(i % 2), "no": float(1 - i % 2)}}))
    nlp.initialize(lambda: egs)
    return nlp


def assert_encoded_as_pair(nlp, docs, pairs):
    tokenizer = nlp.get_pipe("transformer").model.tokenizer
    for doc, (premise, hypothesis) in zip(docs, pairs):
        wp = doc._.trf_data.wordpieces
        expected = tokenizer(premise, hypothesis)
        n = wp.lengths[0]
        assert wp.input_ids[0][:n].tolist() == expected["input_ids"], (premise, hypothesis)
        assert wp.token_type_ids[0][:n].tolist() == expected["token_type_ids"], (premise, hypothesis)
        # Wordpieces of hypothesis tokens are type 1, of premise tokens type 0.
        sep = [t.i for t in doc if t.text == PAIR_SEPARATOR][0]
        align = doc._.trf_data.align
        for token in doc:
            pieces = align[token.i].data.ravel()
            types = set(wp.token_type_ids.ravel()[pieces].tolist())
            if token.i < sep:
                assert types <= {0}
            elif token.i > sep:
                assert types <= {1}
            else:
                strings = [wp.strings[0][j] for j in pieces]
                assert strings == ["[SEP]"]


def test_own_pairs_match_the_tokenizer(pair_nlp):
    docs = list(pair_nlp.get_pipe("transformer").pipe([pair_doc(pair_nlp, p, h) for p, h in OWN_PAIRS]))
    assert_encoded_as_pair(pair_nlp, docs, [(p.strip(), h.strip()) for p, h in OWN_PAIRS])


def test_real_rows_of_every_language_match_the_tokenizer(pair_nlp):
    rows = real_pairs()
    if not rows:
        pytest.skip("shared/data is not beside this checkout")
    files = {name for name, _, _ in rows}
    assert {"dev-ar.tsv", "dev-th.tsv", "dev-zh.tsv", "dev-hi.tsv", "dev-sw.tsv", "dev-ja.tsv", "dev-ko.tsv"} <= files
    docs = [pair_doc(pair_nlp, p, h) for _, p, h in rows]
    docs = list(pair_nlp.get_pipe("transformer").pipe(docs, batch_size=16))
    assert_encoded_as_pair(pair_nlp, docs, [(p.strip(), h.strip()) for _, p, h in rows])


def test_pair_doc_text_and_split():
    nlp = spacy.blank("xx")
    doc = pair_doc(nlp, "  A cat sat. ", "It was  tired.")
    assert doc.text == "A cat sat. [SEP] It was  tired."
    assert [t.text for t in doc].count(PAIR_SEPARATOR) == 1
    assert split_pair(doc) == ("A cat sat.", "It was  tired.")
    with pytest.raises(ValueError, match="not a sentence pair"):
        split_pair(nlp("A cat sat."))


def test_pipe_over_many_pairs_mixed_with_single_texts(pair_nlp):
    tokenizer = pair_nlp.get_pipe("transformer").model.tokenizer
    items = [pair_doc(pair_nlp, p, h) for p, h in OWN_PAIRS] + [pair_nlp.make_doc("Anna lives in Berlin.")]
    docs = list(pair_nlp.pipe(items, batch_size=4))
    assert len(docs) == len(OWN_PAIRS) + 1
    assert all(set(d.cats) == {"yes", "no"} for d in docs)
    # The single text in the same batch is encoded as a single text.
    single = pair_nlp.get_pipe("transformer")(pair_nlp.make_doc("Anna lives in Berlin."))
    wp = single._.trf_data.wordpieces
    assert wp.input_ids[0][: wp.lengths[0]].tolist() == tokenizer("Anna lives in Berlin.")["input_ids"]
    assert set(wp.token_type_ids.ravel().tolist()) == {0}
    mixed = tokenize_spans(tokenizer, [d[:] for d in items])[0]
    assert mixed.input_ids[-1][: mixed.lengths[-1]].tolist() == tokenizer("Anna lives in Berlin.")["input_ids"]


def test_pairs_need_a_fast_tokenizer(pair_bert):
    from transformers import BertTokenizer

    slow = BertTokenizer.from_pretrained(str(pair_bert))
    doc = pair_doc(spacy.blank("xx"), "A b.", "C d.")
    with pytest.raises(ValueError, match="fast tokenizer"):
        tokenize_spans(slow, [doc[:]])


def build_xlmr_like(path: Path, texts: List[str]):
    """A tiny XLM-R-style encoder: unigram pieces, `<s> A </s></s> B </s>`, no token types."""
    from tokenizers import (
        Tokenizer,
        decoders,
        models,
        normalizers,
        pre_tokenizers,
        processors,
        trainers,
    )
    from transformers import XLMRobertaConfig, XLMRobertaModel, XLMRobertaTokenizerFast

    specials = ["<s>", "<pad>", "</s>", "<unk>", "<mask>"]
    tok = Tokenizer(models.Unigram())
    tok.normalizer = normalizers.NFKC()
    tok.pre_tokenizer = pre_tokenizers.Metaspace()
    tok.decoder = decoders.Metaspace()
    tok.train_from_iterator(texts, trainers.UnigramTrainer(vocab_size=400, special_tokens=specials, unk_token="<unk>"))
    bos, eos = tok.token_to_id("<s>"), tok.token_to_id("</s>")
    tok.post_processor = processors.TemplateProcessing(
        single="<s> $A </s>", pair="<s> $A </s> </s> $B </s>", special_tokens=[("<s>", bos), ("</s>", eos)])
    tokenizer = XLMRobertaTokenizerFast(
        tokenizer_object=tok, bos_token="<s>", eos_token="</s>", sep_token="</s>", cls_token="<s>",
        unk_token="<unk>", pad_token="<pad>", mask_token="<mask>", model_max_length=512)
    config = XLMRobertaConfig(vocab_size=tok.get_vocab_size(), hidden_size=32, num_hidden_layers=3,
                              num_attention_heads=2, intermediate_size=64, max_position_embeddings=520,
                              pad_token_id=tok.token_to_id("<pad>"), type_vocab_size=1,
                              hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)
    torch.manual_seed(0)
    return tokenizer, XLMRobertaModel(config)


def test_xlmr_style_pairs_and_layer_capture(tmp_path):
    texts = [t for p in OWN_PAIRS for t in p] + VOCAB_TEXTS
    tokenizer, encoder = build_xlmr_like(tmp_path, texts * 3)
    nlp = spacy.blank("xx")
    docs = [pair_doc(nlp, p, h) for p, h in OWN_PAIRS]
    wordpieces, align = tokenize_spans(tokenizer, [d[:] for d in docs])
    assert wordpieces.token_type_ids is None
    for i, (p, h) in enumerate(OWN_PAIRS):
        expected = tokenizer(p.strip(), h.strip())["input_ids"]
        assert wordpieces.input_ids[i][: wordpieces.lengths[i]].tolist() == expected
        assert expected.count(tokenizer.eos_token_id) == 3  # </s> </s> between, </s> at the end

    model = DLFATransformerModel("local-xlmr", lambda ds: [[d[:]] for d in ds])
    model.attrs["set_transformer"](model, HFObjects(tokenizer, encoder, None))
    model.attrs["fusion_layers"] = [1, 2]
    batch = model.predict(docs)
    encoder.eval()
    with torch.no_grad():
        ids = torch.tensor(batch.wordpieces.input_ids)
        mask = torch.tensor(batch.wordpieces.attention_mask)
        reference = encoder(input_ids=ids, attention_mask=mask, output_hidden_states=True)
    for k in (1, 2):
        numpy.testing.assert_allclose(batch.model_output[layer_key(k)].numpy(),
                                      reference.hidden_states[k].numpy(), atol=1e-6)
    assert "hidden_states" not in batch.model_output


def test_overlong_pair_is_cut_like_the_tokenizer_cuts_it(pair_bert):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(str(pair_bert), model_max_length=24)
    nlp = spacy.blank("xx")
    premise = " ".join(["Anna lives in Berlin and works at Siemens ."] * 6)
    doc = pair_doc(nlp, premise, "Anna works at Siemens .")
    wordpieces, _ = tokenize_spans(tokenizer, [doc[:]])
    expected = tokenizer(premise, "Anna works at Siemens .", truncation=True, max_length=24)
    assert wordpieces.input_ids[0].tolist() == expected["input_ids"]
    assert wordpieces.token_type_ids[0].tolist() == expected["token_type_ids"]
    # Cut from the end instead, the hypothesis would have vanished entirely.
    assert wordpieces.token_type_ids[0].tolist().count(1) >= 10
