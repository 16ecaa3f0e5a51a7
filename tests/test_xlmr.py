"""XLM-R end to end: a tiny local XLM-R (sentencepiece vocabulary, random weights) through
training, serialisation, `spacy train` and `spacy package`, with single docs and pair docs."""
import os
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Dict, List, Tuple

import numpy
import pytest
import spacy
import srsly
from conftest import VOCAB_TEXTS
from helpers import make_nlp
from spacy.tokens import Doc, DocBin
from spacy.training import Example
from thinc.api import fix_random_seed

from dlfa_spacy import PAIR_SEPARATOR, pair_doc
from dlfa_spacy.testing.localmodel import XLMR_SPM_FILE, build_local_xlmr

# (premise, hypothesis, label, entities as (word, label) in reading order)
PAIRS: List[Tuple[str, str, str, List[Tuple[str, str]]]] = [
    ("Anna lives in Berlin .", "Anna lives in Germany .", "entailment",
     [("Anna", "PER"), ("Berlin", "LOC"), ("Anna", "PER"), ("Germany", "LOC")]),
    ("Maria works at Siemens in Hamburg .", "Maria is unemployed .", "contradiction",
     [("Maria", "PER"), ("Siemens", "ORG"), ("Hamburg", "LOC"), ("Maria", "PER")]),
    ("Peter visited Paris with Lucy .", "Lucy was in France .", "entailment",
     [("Peter", "PER"), ("Paris", "LOC"), ("Lucy", "PER"), ("Lucy", "PER"), ("France", "LOC")]),
    ("The company Acme opened an office in Madrid .", "Acme has no office in Spain .", "contradiction",
     [("Acme", "ORG"), ("Madrid", "LOC"), ("Acme", "ORG"), ("Spain", "LOC")]),
    ("Nobody lives in the old house .", "Anna lives in the old house .", "contradiction",
     [("Anna", "PER")]),
]
LABELS = ("entailment", "contradiction")
# Unseen texts, in several scripts, to compare pipelines before and after serialisation.
UNSEEN_PAIRS = [
    ("Иван живёт в Москве .", "Иван живёт в России ."),
    ("Emoji 😀 in the premise", "and 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 in the hypothesis"),
    ("北京是中国的首都。", "北京不是首都。"),
]
SINGLES = [p for p, _, _, _ in PAIRS] + ["Мария работает в Газпроме .", "東京は日本の首都です。", "", "مرحبا بالعالم"]
ROOT = Path(__file__).resolve().parents[1]
# Single docs for `spacy train`: (text, entities as (word, label)).
NER_TRAIN = [
    ("Anna lives in Berlin .", [("Anna", "PER"), ("Berlin", "LOC")]),
    ("Maria works at Siemens in Hamburg .", [("Maria", "PER"), ("Siemens", "ORG"), ("Hamburg", "LOC")]),
    ("Peter visited Paris with Lucy .", [("Peter", "PER"), ("Paris", "LOC"), ("Lucy", "PER")]),
    ("The company Acme opened an office in Madrid .", [("Acme", "ORG"), ("Madrid", "LOC")]),
    ("Nobody lives in the old house .", []),
]


@pytest.fixture(scope="session")
def tiny_xlmr(tmp_path_factory) -> Path:
    """A 4-layer, width-32 XLM-R with a sentencepiece model trained on the test texts, no dropout."""
    texts = VOCAB_TEXTS + [t for p, h, _, _ in PAIRS for t in (p, h)] + [t for pair in UNSEEN_PAIRS for t in pair]
    return build_local_xlmr(tmp_path_factory.mktemp("tiny-xlmr"), texts * 3, vocab_size=400, num_layers=4,
                            width=32, heads=4, max_position=128, dropout=0.0, seed=0)


def char_spans(doc: Doc, ents: List[Tuple[str, str]]) -> List[Tuple[int, int, str]]:
    """Character spans of the (word, label) entities, each the next token with that text."""
    out, start = [], 0
    for word, label in ents:
        token = next(t for t in doc[start:] if t.text == word)
        out.append((token.idx, token.idx + len(token), label))
        start = token.i + 1
    return out


def pair_examples(nlp) -> List[Example]:
    egs = []
    for premise, hypothesis, label, ents in PAIRS:
        doc = pair_doc(nlp, premise, hypothesis)
        cats = {name: float(name == label) for name in LABELS}
        egs.append(Example.from_dict(doc, {"entities": char_spans(doc, ents), "cats": cats}))
    return egs


def predictions(nlp, docs: List[Doc]) -> List[Tuple[list, Dict[str, float]]]:
    return [([(e.start, e.end, e.label_) for e in d.ents], d.cats) for d in nlp.pipe(docs)]


def all_docs(nlp) -> List[Doc]:
    pairs = [(p, h) for p, h, _, _ in PAIRS] + UNSEEN_PAIRS
    return [pair_doc(nlp, p, h) for p, h in pairs] + [nlp.make_doc(t) for t in SINGLES]


def assert_same_predictions(ours, theirs):
    assert len(ours) == len(theirs)
    for (ents_a, cats_a), (ents_b, cats_b) in zip(ours, theirs):
        assert ents_a == ents_b
        assert cats_a.keys() == cats_b.keys()
        for name in cats_a:
            assert abs(cats_a[name] - cats_b[name]) <= 1e-6, (name, cats_a[name], cats_b[name])


@pytest.fixture(scope="module")
def trained(tiny_xlmr):
    """transformer + ner (k=2) + textcat (k=1) on pair docs, trained until every prediction is right."""
    fix_random_seed(0)
    nlp = make_nlp(tiny_xlmr, {"ner": 2, "textcat": 1})
    egs = pair_examples(nlp)
    optimizer = nlp.initialize(lambda: egs)
    optimizer.learn_rate = 1e-3
    history = []
    for step in range(1, 201):
        losses: Dict[str, float] = {}
        nlp.update(egs, sgd=optimizer, losses=losses, drop=0.0)
        history.append(losses)
        if step % 10 == 0 and all_right(nlp):
            break
    return nlp, history


def expected_predictions(nlp) -> List[Tuple[list, str]]:
    out = []
    for eg, (_, _, label, _) in zip(pair_examples(nlp), PAIRS):
        out.append(([(e.start, e.end, e.label_) for e in eg.reference.ents], label))
    return out


def all_right(nlp) -> bool:
    docs = [pair_doc(nlp, p, h) for p, h, _, _ in PAIRS]
    got = [(ents, max(cats, key=cats.get)) for ents, cats in predictions(nlp, docs)]
    return got == expected_predictions(nlp)


# ---- the tokenizer --------------------------------------------------------------------------


def test_local_tokenizer_maps_ids_and_pairs_as_xlmr(tiny_xlmr):
    import sentencepiece as spm
    from transformers import AutoConfig, AutoModel, AutoTokenizer, XLMRobertaTokenizer

    assert {XLMR_SPM_FILE, "tokenizer.json", "tokenizer_config.json", "config.json"} <= {
        p.name for p in tiny_xlmr.iterdir()}
    tokenizer = AutoTokenizer.from_pretrained(str(tiny_xlmr))
    slow = XLMRobertaTokenizer.from_pretrained(str(tiny_xlmr))
    assert type(tokenizer).__name__ == "XLMRobertaTokenizerFast"
    assert tokenizer.model_input_names == ["input_ids", "attention_mask"]
    # fairseq's ids: <s> <pad> </s> <unk> first, every sentencepiece piece shifted by one, <mask> last.
    assert tokenizer.convert_tokens_to_ids(["<s>", "<pad>", "</s>", "<unk>"]) == [0, 1, 2, 3]
    assert (tokenizer.bos_token, tokenizer.cls_token, tokenizer.eos_token, tokenizer.sep_token) == (
        "<s>", "<s>", "</s>", "</s>")
    sp = spm.SentencePieceProcessor(model_file=str(tiny_xlmr / XLMR_SPM_FILE))
    assert [sp.id_to_piece(i) for i in range(3)] == ["<unk>", "<s>", "</s>"]
    assert len(tokenizer) == len(slow) == len(sp) + 2
    assert tokenizer.mask_token_id == len(sp) + 1
    for text in SINGLES[:3]:
        assert tokenizer(text)["input_ids"] == [0] + [i + 1 for i in sp.encode(text)] + [2]
    for premise, hypothesis, _, _ in PAIRS:
        enc = tokenizer(premise, hypothesis)
        a = tokenizer(premise, add_special_tokens=False)["input_ids"]
        b = tokenizer(hypothesis, add_special_tokens=False)["input_ids"]
        assert enc["input_ids"] == [0] + a + [2, 2] + b + [2]  # <s> A </s></s> B </s>
        assert "token_type_ids" not in enc
        assert slow(premise, hypothesis)["input_ids"] == enc["input_ids"]
    config = AutoConfig.from_pretrained(str(tiny_xlmr))
    assert config.model_type == "xlm-roberta"
    assert config.max_position_embeddings == tokenizer.model_max_length + 2 == 130
    assert config.pad_token_id == tokenizer.pad_token_id == 1
    assert config.vocab_size == len(tokenizer)
    model = AutoModel.from_pretrained(str(tiny_xlmr))
    assert model.embeddings.position_embeddings.padding_idx == 1


# ---- a pipeline on pair docs ----------------------------------------------------------------


def test_ner_and_textcat_learn_pair_data(trained):
    nlp, history = trained
    assert all_right(nlp), f"not learnt in {len(history)} steps"
    # Exact predictions are the criterion; the losses fell on the way there (textcat's
    # squared error starts at 0.25 per doc pair of labels and only needs to cross 0.5).
    assert history[-1]["ner"] < 0.01 * history[0]["ner"]
    assert history[-1]["textcat"] < 0.75 * history[0]["textcat"]


def test_pair_doc_is_encoded_as_the_tokenizer_encodes_the_pair(trained):
    nlp = trained[0]
    tokenizer = nlp.get_pipe("transformer").model.tokenizer
    for premise, hypothesis in [(p, h) for p, h, _, _ in PAIRS] + UNSEEN_PAIRS:
        doc = nlp(pair_doc(nlp, premise, hypothesis))
        wp = doc._.trf_data.wordpieces
        n = wp.lengths[0]
        assert wp.input_ids[0][:n].tolist() == tokenizer(premise, hypothesis)["input_ids"]
        assert wp.token_type_ids is None
        # The pair separator token is aligned to the two </s> between the texts.
        sep = next(t.i for t in doc if t.text == PAIR_SEPARATOR)
        assert [wp.strings[0][j] for j in doc._.trf_data.align[sep].data.ravel()] == ["</s>", "</s>"]
    for text in SINGLES:
        doc = nlp(text)
        if len(doc):
            wp = doc._.trf_data.wordpieces
            assert wp.input_ids[0][: wp.lengths[0]].tolist() == tokenizer(text)["input_ids"]


def test_to_disk_and_spacy_load_give_identical_predictions(trained, tmp_path):
    nlp = trained[0]
    nlp.to_disk(tmp_path / "pipeline")
    loaded = spacy.load(tmp_path / "pipeline")
    tokenizer = loaded.get_pipe("transformer").model.tokenizer
    assert type(tokenizer).__name__ == "XLMRobertaTokenizerFast"
    assert loaded.get_pipe("transformer").model.attrs["fusion_layers"] == [1, 2]
    assert_same_predictions(predictions(loaded, all_docs(loaded)), predictions(nlp, all_docs(nlp)))
    # A second save of the loaded pipeline (its tokenizer came from bytes) loads too.
    loaded.to_disk(tmp_path / "again")
    again = spacy.load(tmp_path / "again")
    assert_same_predictions(predictions(again, all_docs(again)), predictions(nlp, all_docs(nlp)))


def test_to_bytes_and_from_bytes_give_identical_predictions(trained):
    nlp = trained[0]
    fresh = spacy.util.load_model_from_config(nlp.config, auto_fill=False)
    fresh.from_bytes(nlp.to_bytes())
    assert_same_predictions(predictions(fresh, all_docs(fresh)), predictions(nlp, all_docs(nlp)))


# ---- spacy train and spacy package ----------------------------------------------------------


def ner_docbin(nlp, path: Path) -> Path:
    docs = []
    for text, ents in NER_TRAIN:
        doc = nlp.make_doc(text)
        doc.ents = [doc.char_span(s, e, label=label) for s, e, label in char_spans(doc, ents)]
        docs.append(doc)
    DocBin(docs=docs).to_disk(path)
    return path


def spacy_train(config: Path, output: Path, data: Path, *overrides: str) -> None:
    """`python -m spacy train CONFIG` in a new process, offline, with `data` as train and dev set."""
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    result = subprocess.run(
        [sys.executable, "-m", "spacy", "train", str(config), "--paths.train", str(data),
         "--paths.dev", str(data), "--output", str(output), *overrides],
        capture_output=True, text=True, env=env, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]


@pytest.fixture(scope="module")
def cli_trained(tiny_xlmr, tmp_path_factory) -> Path:
    """`python -m spacy train` of transformer + ner (k=2) on the tiny XLM-R; returns the output folder."""
    root = tmp_path_factory.mktemp("xlmr-train")
    nlp = make_nlp(tiny_xlmr, {"ner": 2})
    config = nlp.config.copy()
    config["training"].update({
        # Seeded and deterministic on CPU: F1 on the (train = dev) data reaches 1.0 at step 50.
        "max_steps": 80, "eval_frequency": 20, "dropout": 0.0, "seed": 0, "patience": 0,
        "batcher": {"@batchers": "spacy.batch_by_sequence.v1", "size": 8, "get_length": None},
    })
    config["training"]["optimizer"]["learn_rate"] = 1e-3
    config.to_disk(root / "config.cfg")
    spacy_train(root / "config.cfg", root / "training", ner_docbin(nlp, root / "train.spacy"))
    return root / "training"


def test_spacy_train_cli_then_load_model_best_predicts(cli_trained, tiny_xlmr):
    best = cli_trained / "model-best"
    nlp = spacy.load(best)
    assert nlp.pipe_names == ["transformer", "ner"]
    tokenizer = nlp.get_pipe("transformer").model.tokenizer
    assert type(tokenizer).__name__ == "XLMRobertaTokenizerFast"
    assert nlp.get_pipe("transformer").model.transformer.config.model_type == "xlm-roberta"
    assert set(nlp.get_pipe("ner").labels) == {"PER", "LOC", "ORG"}
    meta = srsly.read_json(best / "meta.json")
    assert meta["performance"]["ents_f"] == 1.0, meta["performance"]
    for text, ents in NER_TRAIN:
        doc = nlp(text)
        assert [(e.start_char, e.end_char, e.label_) for e in doc.ents] == char_spans(doc, ents)
    for doc in nlp.pipe([p for p, _ in UNSEEN_PAIRS]):
        assert {e.label_ for e in doc.ents} <= {"PER", "LOC", "ORG"}
    doc = nlp(pair_doc(nlp, *UNSEEN_PAIRS[0]))
    wp = doc._.trf_data.wordpieces
    assert wp.input_ids[0][: wp.lengths[0]].tolist() == tokenizer(*UNSEEN_PAIRS[0])["input_ids"]


def test_project_xnli_config_trains_on_pair_docs_with_the_local_xlmr(tiny_xlmr, tmp_path):
    # What `spacy project run train-xnli --vars.transformer xlm-roberta-base` runs (with XLM-R's own
    # pair head, as XTREME: --components.textcat.model.head roberta), with the
    # tiny XLM-R as --encoder.name (4 layers, so layer 2 instead of 11) and a few steps.
    docs = []
    for premise, hypothesis, label, _ in PAIRS:
        doc = pair_doc(spacy.blank("xx"), premise, hypothesis)
        doc.cats = {name: float(name == label) for name in LABELS}
        docs.append(doc)
    DocBin(docs=docs).to_disk(tmp_path / "pairs.spacy")
    spacy_train(ROOT / "configs" / "xnli.cfg", tmp_path / "training", tmp_path / "pairs.spacy",
                "--encoder.name", str(tiny_xlmr), "--components.textcat.model.tok2vec.layer", "2",
                "--training.max_epochs", "0", "--training.max_steps", "20", "--training.eval_frequency", "10",
                "--training.optimizer.learn_rate", "0.001", "--components.textcat.model.head", "roberta")
    nlp = spacy.load(tmp_path / "training" / "model-best")
    tokenizer = nlp.get_pipe("transformer").model.tokenizer
    assert type(tokenizer).__name__ == "XLMRobertaTokenizerFast"
    assert "cats_score" in srsly.read_json(tmp_path / "training" / "model-best" / "meta.json")["performance"]
    for premise, hypothesis in [(p, h) for p, h, _, _ in PAIRS[:2]] + UNSEEN_PAIRS:
        # A raw pair text stays a pair (keep_pair_separator) and is encoded as XLM-R encodes it.
        for doc in (nlp(pair_doc(nlp, premise, hypothesis)), nlp(f"{premise} {PAIR_SEPARATOR} {hypothesis}")):
            wp = doc._.trf_data.wordpieces
            assert wp.input_ids[0][: wp.lengths[0]].tolist() == tokenizer(premise, hypothesis)["input_ids"]
            assert set(doc.cats) == set(LABELS)
            assert abs(sum(doc.cats.values()) - 1.0) < 1e-5


@pytest.mark.slow
def test_spacy_package_builds_a_wheel_with_the_tokenizer(cli_trained, tmp_path):
    out = tmp_path / "packages"
    out.mkdir()
    result = subprocess.run(
        [sys.executable, "-m", "spacy", "package", str(cli_trained / "model-best"), str(out),
         "--name", "tiny_xlmr_dlfa", "--version", "0.0.1", "--build", "wheel", "--force"],
        capture_output=True, text=True, timeout=1200)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    wheels = list(out.glob("*/dist/*.whl"))
    assert [w.name for w in wheels] == ["xx_tiny_xlmr_dlfa-0.0.1-py3-none-any.whl"]
    unpacked = tmp_path / "unpacked"
    with zipfile.ZipFile(wheels[0]) as whl:
        names = whl.namelist()
        whl.extractall(unpacked)
    model_dir = unpacked / "xx_tiny_xlmr_dlfa" / "xx_tiny_xlmr_dlfa-0.0.1"
    assert "xx_tiny_xlmr_dlfa/xx_tiny_xlmr_dlfa-0.0.1/transformer/model" in names
    # The tokenizer files travel inside the transformer's serialised shim.
    model = srsly.msgpack_loads((model_dir / "transformer" / "model").read_bytes())
    shims = [srsly.msgpack_loads(b) for node_shims in model["shims"] for b in node_shims]
    assert len(shims) == 1  # the HFShim of the transformer
    shim = shims[0]
    assert {XLMR_SPM_FILE, "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"} <= set(
        shim["tokenizer"])
    assert shim["tokenizer"]["kwargs"] == {"use_fast": True}
    meta = srsly.read_json(model_dir / "meta.json")
    assert any(req.startswith("dlfa-spacy") for req in meta["requirements"]), meta["requirements"]
    assert any(req.startswith("spacy-transformers") for req in meta["requirements"]), meta["requirements"]
    # Loaded from the wheel's files, it predicts what model-best predicts.
    packaged = spacy.load(model_dir)
    best = spacy.load(cli_trained / "model-best")
    texts = [t for t, _ in NER_TRAIN] + [p for p, _ in UNSEEN_PAIRS]
    ents = lambda nlp: [[(e.start, e.end, e.label_) for e in d.ents] for d in nlp.pipe(texts)]
    assert ents(packaged) == ents(best)
    pair = lambda nlp: nlp(pair_doc(nlp, *UNSEEN_PAIRS[0]))._.trf_data.model_output.last_hidden_state
    numpy.testing.assert_array_equal(pair(packaged), pair(best))


def test_export_encoder_of_a_loaded_xlmr_pipeline_keeps_the_sentencepiece_model(tiny_xlmr, tmp_path):
    from dlfa_spacy.experiments.export_encoder import export_encoder

    # Intermediate tasks: XNLI starts from the encoder a POS / parser pipeline exported.
    nlp = make_nlp(tiny_xlmr, {"tagger": 2})
    egs = [Example.from_dict(nlp.make_doc("Anna lives in Berlin ."), {"tags": ["PROPN", "VERB", "ADP", "PROPN", "PUNCT"]})]
    nlp.initialize(lambda: egs)
    nlp.to_disk(tmp_path / "pos")
    out = export_encoder(str(tmp_path / "pos"), tmp_path / "encoder")
    # Loaded from disk, the tokenizer's own file is gone: save_pretrained alone left it out.
    assert (out / XLMR_SPM_FILE).read_bytes() == (tiny_xlmr / XLMR_SPM_FILE).read_bytes()
    target = make_nlp(out, {"tagger": 2})
    target.initialize(lambda: egs)  # spacy-transformers reads the vocabulary file here
    text = "Иван живёт в Москве ."
    assert target.get_pipe("transformer").model.tokenizer(text)["input_ids"] == \
        nlp.get_pipe("transformer").model.tokenizer(text)["input_ids"]
