"""XTREME's heads, checked against Hugging Face's on the same weights (tiny local encoders, no dropout)."""
from typing import Dict, List, Tuple

import numpy as np
import pytest
import spacy
import torch
from spacy.tokens import Doc, Span
from spacy.training import Example
from thinc.api import Config
from transformers import AutoTokenizer, BertForTokenClassification

from helpers import transformer_block
from test_xlmr import tiny_xlmr  # noqa: F401 (the session's tiny XLM-R fixture)

ENTITY_DATA = [
    (["Anna", "lives", "in", "Berlin", "."], [("PER", 0, 1), ("LOC", 3, 4)]),
    (["Maria", "works", "at", "Siemens", "in", "Hamburg", "."], [("PER", 0, 1), ("ORG", 3, 4), ("LOC", 5, 6)]),
    (["Peter", "visited", "Paris", "with", "Lucy", "."], [("PER", 0, 1), ("LOC", 2, 3), ("PER", 4, 5)]),
]
POS_DATA = [
    (["Anna", "lives", "in", "Berlin", "."], ["PROPN", "VERB", "ADP", "PROPN", "PUNCT"]),
    (["Nobody", "lives", "in", "the", "old", "house", "."], ["PRON", "VERB", "ADP", "DET", "ADJ", "NOUN", "PUNCT"]),
]


def token_classifier_nlp(model_path, scheme: str, layer="null"):
    """transformer + a token_classifier named as the task configs name it, first-wordpiece pooling."""
    name = "ner" if scheme == "bio" else "tagger"
    text = f"""
[nlp]
lang = "xx"
pipeline = ["transformer", "{name}"]
[components]
{transformer_block(model_path)}
[components.{name}]
factory = "token_classifier"
scheme = "{scheme}"
[components.{name}.model]
@architectures = "dlfa_spacy.TokenClassifier.v1"
dropout = 0.1
[components.{name}.model.tok2vec]
@architectures = "dlfa_spacy.DLFA.v1"
layer = {layer}
[components.{name}.model.tok2vec.pooling]
@layers = "reduce_first.v1"
"""
    return spacy.util.load_model_from_config(Config().from_str(text), auto_fill=True, validate=True), name


def examples(nlp, scheme: str) -> List[Example]:
    out = []
    if scheme == "bio":
        for words, ents in ENTITY_DATA:
            ref = Doc(nlp.vocab, words=words)
            ref.ents = [Span(ref, s, e, label=label) for label, s, e in ents]
            out.append(Example(Doc(nlp.vocab, words=words), ref))
    else:
        for words, tags in POS_DATA:
            out.append(Example(Doc(nlp.vocab, words=words), Doc(nlp.vocab, words=words, pos=tags)))
    return out


def hf_token_classifier(nlp, name: str, model_path) -> BertForTokenClassification:
    """BertForTokenClassification with the pipeline's encoder and head weights."""
    component = nlp.get_pipe(name)
    hf = BertForTokenClassification.from_pretrained(model_path, num_labels=len(component.tag_labels))
    hf.bert.load_state_dict(nlp.get_pipe("transformer").model.transformer.state_dict(), strict=False)
    linear = component.model.get_ref("output_layer")
    with torch.no_grad():
        hf.classifier.weight.copy_(torch.tensor(linear.get_param("W")))
        hf.classifier.bias.copy_(torch.tensor(linear.get_param("b")))
    return hf.eval()


def first_wordpieces(tokenizer, words: List[str]) -> Tuple[Dict[str, torch.Tensor], List[int]]:
    """The encoding of pre-split words and the position of each word's first wordpiece."""
    enc = tokenizer(words, is_split_into_words=True, return_tensors="pt")
    ids = enc.word_ids()
    return enc, [ids.index(i) for i in range(len(words))]


@pytest.mark.parametrize("scheme", ["bio", "upos"])
def test_token_head_scores_and_loss_equal_bert_for_token_classification(tiny_bert, scheme):
    nlp, name = token_classifier_nlp(tiny_bert, scheme)
    egs = examples(nlp, scheme)
    nlp.initialize(lambda: egs)
    component = nlp.get_pipe(name)
    hf = hf_token_classifier(nlp, name, tiny_bert)
    tokenizer = AutoTokenizer.from_pretrained(tiny_bert)
    docs = [nlp.get_pipe("transformer")(Doc(nlp.vocab, words=[t.text for t in eg.reference])) for eg in egs]
    scores = component.predict(docs)
    index = {tag: i for i, tag in enumerate(component.tag_labels)}
    hf_loss_terms = []
    for eg, doc_scores in zip(egs, scores):
        words = [t.text for t in eg.reference]
        enc, firsts = first_wordpieces(tokenizer, words)
        with torch.no_grad():
            logits = hf(**enc).logits[0]
        np.testing.assert_allclose(np.asarray(doc_scores), logits[firsts].numpy(), rtol=1e-4, atol=1e-5)
        # XTREME's labels: the first wordpiece of a word carries it, every other position is -100.
        labels = torch.full((logits.shape[0],), -100)
        for position, tag in zip(firsts, component.gold_tags(eg)):
            labels[position] = index[tag]
        hf_loss_terms.append((logits, labels))
    loss, _ = component.get_loss(egs, scores)
    all_logits = torch.cat([l for l, _ in hf_loss_terms])
    all_labels = torch.cat([y for _, y in hf_loss_terms])
    assert loss == pytest.approx(torch.nn.functional.cross_entropy(all_logits, all_labels).item(), rel=1e-5)


def test_bio_predictions_become_entities_as_seqeval_reads_them(tiny_bert):
    nlp, name = token_classifier_nlp(tiny_bert, "bio")
    egs = examples(nlp, "bio")
    nlp.initialize(lambda: egs)
    component = nlp.get_pipe(name)
    assert component.labels == ("LOC", "ORG", "PER")
    assert component.tag_labels == ("O", "B-LOC", "B-ORG", "B-PER", "I-LOC", "I-ORG", "I-PER")
    doc = Doc(nlp.vocab, words=["a", "b", "c", "d", "e"])
    # O I-PER I-PER B-LOC I-ORG: an I- after O starts an entity, an I- of another type starts one too.
    tags = ["O", "I-PER", "I-PER", "B-LOC", "I-ORG"]
    scores = np.full((5, 7), -5.0, dtype="float32")
    for i, tag in enumerate(tags):
        scores[i, component.tag_labels.index(tag)] = 5.0
    component.set_annotations([doc], [scores])
    assert [(e.label_, e.start, e.end) for e in doc.ents] == [("PER", 1, 3), ("LOC", 3, 4), ("ORG", 4, 5)]


def test_token_classifier_learns_saves_and_loads(tiny_bert, tmp_path):
    nlp, name = token_classifier_nlp(tiny_bert, "bio")
    egs = examples(nlp, "bio")
    optimizer = nlp.initialize(lambda: egs)
    for _ in range(60):
        nlp.update(egs, sgd=optimizer, drop=0.0)
    predicted = [nlp(eg.reference.text) for eg in egs]
    assert [[(e.label_, e.start, e.end) for e in d.ents] for d in predicted] == \
        [[(label, s, e) for label, s, e in ents] for _, ents in ENTITY_DATA]
    assert nlp.evaluate(egs)["ents_f"] == 1.0
    nlp.to_disk(tmp_path / "nlp")
    loaded = spacy.load(tmp_path / "nlp")
    assert [[(e.label_, e.start, e.end) for e in loaded(eg.reference.text).ents] for eg in egs] == \
        [[(e.label_, e.start, e.end) for e in d.ents] for d in predicted]
    assert loaded("").ents == () and list(loaded.pipe(["", "Anna"]))[1].text == "Anna"


def test_upos_scheme_scores_as_xtreme(tiny_bert):
    nlp, name = token_classifier_nlp(tiny_bert, "upos")
    egs = examples(nlp, "upos")
    optimizer = nlp.initialize(lambda: egs)
    for _ in range(60):
        nlp.update(egs, sgd=optimizer, drop=0.0)
    doc = nlp("Anna lives in Berlin .")
    assert [t.pos_ for t in doc] == [t.tag_ for t in doc] == POS_DATA[0][1]
    scores = nlp.evaluate(egs)
    assert scores["pos_acc"] == 1.0 and scores["pos_f1"] == 1.0


def test_gate_forced_to_zero_gives_the_baseline_scores(tiny_bert):
    fused, name = token_classifier_nlp(tiny_bert, "bio", layer=2)
    base, _ = token_classifier_nlp(tiny_bert, "bio", layer="null")
    egs = examples(fused, "bio")
    fused.initialize(lambda: egs)
    base.initialize(lambda: egs)
    base.get_pipe("transformer").model.transformer.load_state_dict(
        fused.get_pipe("transformer").model.transformer.state_dict())
    for param in ("W", "b"):
        base.get_pipe(name).model.get_ref("output_layer").set_param(
            param, fused.get_pipe(name).model.get_ref("output_layer").get_param(param).copy())
    fusion = next(node for node in fused.get_pipe(name).model.walk() if node.name == "aif-fusion")
    for branch in ("global", "local"):
        # sigmoid(-1e4 - 1e4) is exactly 0 in float32: out = lower * 0 + last * 1.
        fusion.set_param(f"{branch}_bn2_gamma", fusion.ops.alloc1f(fusion.get_param(f"{branch}_bn2_gamma").shape[0]))
        fusion.set_param(f"{branch}_bn2_beta", fusion.get_param(f"{branch}_bn2_beta") * 0 - 1e4)
    docs = [Doc(fused.vocab, words=words) for words, _ in ENTITY_DATA]
    got = fused.get_pipe(name).predict([fused.get_pipe("transformer")(d) for d in docs])
    want = base.get_pipe(name).predict([base.get_pipe("transformer")(Doc(base.vocab, words=d.text.split()))
                                        for d in docs])
    for g, w in zip(got, want):
        np.testing.assert_array_equal(np.asarray(g), np.asarray(w))


# ---------------------------------------------------------------- sentence pairs ---

PAIRS = [("Anna lives in Berlin .", "Anna lives in Germany .", "entailment"),
         ("Peter visited Paris .", "Nobody visited Paris .", "contradiction"),
         ("Maria works at Siemens .", "Maria works in Hamburg .", "neutral")]
NLI = ("entailment", "neutral", "contradiction")


def pair_classifier_nlp(model_path, head: str = "bert", layer="null"):
    text = f"""
[nlp]
lang = "xx"
pipeline = ["transformer", "textcat"]
after_creation = {{"@callbacks": "dlfa_spacy.keep_pair_separator.v1"}}
[components]
{transformer_block(model_path)}
[components.textcat]
factory = "xtreme_textcat"
[components.textcat.model]
@architectures = "dlfa_spacy.SequenceClassifier.v1"
head = "{head}"
[components.textcat.model.tok2vec]
@architectures = "dlfa_spacy.DLFA.v1"
layer = {layer}
[initialize]
[initialize.after_init]
@callbacks = "dlfa_spacy.init_pooler.v1"
"""
    return spacy.util.load_model_from_config(Config().from_str(text), auto_fill=True, validate=True)


def pair_examples(nlp) -> List[Example]:
    from dlfa_spacy import pair_doc

    out = []
    for premise, hypothesis, label in PAIRS:
        ref = pair_doc(nlp, premise, hypothesis)
        ref.cats = {name: float(name == label) for name in NLI}
        out.append(Example(pair_doc(nlp, premise, hypothesis), ref))
    return out


def initialized_pair_nlp(model_path, head: str):
    nlp = pair_classifier_nlp(model_path, head)
    egs = pair_examples(nlp)
    nlp.initialize(lambda: egs)
    return nlp, egs


@pytest.mark.parametrize("encoder,configured,head", [("tiny_bert", "bert", "bert"), ("tiny_xlmr", "roberta", "roberta"),
                                                     ("tiny_bert", "auto", "bert"), ("tiny_xlmr", "auto", "roberta")])
def test_pair_head_scores_and_loss_equal_hugging_face_sequence_classification(request, encoder, configured, head):
    from transformers import AutoModelForSequenceClassification

    path = request.getfixturevalue(encoder)
    nlp, egs = initialized_pair_nlp(path, configured)
    textcat = nlp.get_pipe("textcat")
    # "auto" became the head XTREME uses with the encoder: BERT's has no dropout before its pooler.
    assert textcat.model.attrs["pair_head"] == head
    if configured == "auto":
        assert textcat.model.get_ref("input_dropout").attrs["enabled"] == (head == "roberta")
    hf = AutoModelForSequenceClassification.from_pretrained(path, num_labels=len(NLI)).eval()
    base = hf.bert if head == "bert" else hf.roberta
    base.load_state_dict(nlp.get_pipe("transformer").model.transformer.state_dict(), strict=False)
    model, order = textcat.model, list(textcat.labels)
    dense, output = model.get_ref("dense"), model.get_ref("output_layer")
    with torch.no_grad():
        if head == "bert":
            # init_pooler put the encoder's pretrained pooler into the head.
            np.testing.assert_array_equal(dense.get_param("W"), base.pooler.dense.weight.numpy())
            classifier = hf.classifier
        else:
            hf.classifier.dense.weight.copy_(torch.tensor(dense.get_param("W")))
            hf.classifier.dense.bias.copy_(torch.tensor(dense.get_param("b")))
            classifier = hf.classifier.out_proj
        classifier.weight.copy_(torch.tensor(output.get_param("W")))
        classifier.bias.copy_(torch.tensor(output.get_param("b")))
    tokenizer = AutoTokenizer.from_pretrained(path)
    docs = [nlp.get_pipe("transformer")(eg.predicted) for eg in egs]
    probs = textcat.predict(docs)
    enc = tokenizer([p for p, _, _ in PAIRS], [h for _, h, _ in PAIRS], return_tensors="pt", padding=True)
    labels = torch.tensor([order.index(label) for _, _, label in PAIRS])
    with torch.no_grad():
        out = hf(**enc, labels=labels)
    np.testing.assert_allclose(np.asarray(probs), torch.softmax(out.logits, -1).numpy(), rtol=1e-4, atol=1e-6)
    loss, d_scores = textcat.get_loss(egs, probs)
    assert loss == pytest.approx(out.loss.item(), rel=1e-5)
    # The gradient of the mean cross-entropy with respect to the logits.
    want = (torch.softmax(out.logits, -1) - torch.nn.functional.one_hot(labels, len(NLI))) / len(PAIRS)
    np.testing.assert_allclose(np.asarray(d_scores), want.numpy(), rtol=1e-4, atol=1e-6)


def test_pair_classifier_trains_scores_accuracy_and_reloads(tiny_bert, tmp_path):
    nlp, egs = initialized_pair_nlp(tiny_bert, "bert")
    optimizer = nlp.resume_training()
    for _ in range(40):
        nlp.update(egs, sgd=optimizer, drop=0.0)
    scores = nlp.evaluate(egs)
    assert scores["cats_accuracy"] == 1.0 and "cats_score" in scores
    nlp.to_disk(tmp_path / "nlp")
    loaded = spacy.load(tmp_path / "nlp")
    for eg in egs:
        assert loaded(eg.reference.text).cats == pytest.approx(nlp(eg.reference.text).cats, abs=1e-6)


def test_bert_head_needs_a_bert_encoder_with_a_pooler(tiny_bert, tiny_xlmr):
    from dlfa_spacy.pipeline.init_pooler import init_pooler

    nlp = pair_classifier_nlp(tiny_xlmr, "bert")
    egs = pair_examples(nlp)
    with pytest.raises(ValueError, match='is a xlm-roberta, whose XTREME head is head = "roberta"'):
        nlp.initialize(lambda: egs)
    nlp, egs = initialized_pair_nlp(tiny_bert, "bert")
    nlp.get_pipe("transformer").model.transformer.pooler = None  # a BERT saved without its pooler
    with pytest.raises(ValueError, match="starts from the encoder's pretrained pooler, but .* has none"):
        init_pooler(nlp)
    with pytest.raises(ValueError, match="`head` must be one of auto, bert, roberta; got 'gpt'"):
        pair_classifier_nlp(tiny_xlmr, "gpt")


def test_xtreme_pipelines_pickle(tiny_bert):
    import pickle

    nlp, egs = initialized_pair_nlp(tiny_bert, "bert")
    again = pickle.loads(pickle.dumps(nlp))
    assert again(egs[0].reference.text).cats == pytest.approx(nlp(egs[0].reference.text).cats, abs=1e-6)
    tagger, _ = token_classifier_nlp(tiny_bert, "bio")
    tagger.initialize(lambda: examples(tagger, "bio"))
    assert pickle.loads(pickle.dumps(tagger))("Anna lives in Berlin .").text == "Anna lives in Berlin ."


# ------------------------------------------------------------------ the schedule ---


def docbin_of(nlp, path, n: int):
    from spacy.tokens import DocBin

    DocBin(docs=[Doc(nlp.vocab, words=["w", str(i)]) for i in range(n)]).to_disk(path)
    return path


def test_linear_decay_equals_transformers_schedule_step_for_step(tmp_path):
    import itertools

    from thinc.api import Adam
    from transformers import get_linear_schedule_with_warmup

    from dlfa_spacy.training.schedules import linear_decay

    corpus = docbin_of(spacy.blank("xx"), tmp_path / "train.spacy", 70)
    # 70 examples in batches of 32: 3 steps an epoch (the last batch 6), 2 epochs -> 6 steps.
    optimizer = Adam(learn_rate=linear_decay(2e-5, str(corpus), max_epochs=2, batch_size=32))
    ours = []
    for _ in range(8):
        ours.append(optimizer.learn_rate)
        optimizer.step_schedules()
    param = torch.nn.Parameter(torch.zeros(1))
    torch_opt = torch.optim.AdamW([param], lr=2e-5, eps=1e-8, weight_decay=0.0)
    schedule = get_linear_schedule_with_warmup(torch_opt, num_warmup_steps=0, num_training_steps=6)
    theirs = []
    for _ in range(8):
        theirs.append(torch_opt.param_groups[0]["lr"])
        torch_opt.step()
        schedule.step()
    assert ours == pytest.approx(theirs, abs=1e-15) and ours[0] == 2e-5 and ours[6:] == [0.0, 0.0]
    # max_epochs = 0 with max_steps: the run is max_steps long.
    steps = list(itertools.islice(linear_decay(1.0, None, max_epochs=0, batch_size=32, max_steps=4), 5))
    assert steps == pytest.approx([1.0, 0.75, 0.5, 0.25, 0.0])


def test_linear_decay_needs_a_corpus_and_a_run_length(tmp_path):
    from dlfa_spacy.training.schedules import linear_decay

    with pytest.raises(ValueError, match=r"needs the training corpus \(corpus = \$\{paths.train\}\)"):
        linear_decay(2e-5, None, max_epochs=3, batch_size=32)
    with pytest.raises(ValueError, match="linear_decay.v1: the corpus '.*missing.spacy' does not exist"):
        linear_decay(2e-5, str(tmp_path / "missing.spacy"), max_epochs=3, batch_size=32)
    (tmp_path / "junk.spacy").write_bytes(b"not a docbin")
    with pytest.raises(ValueError, match="linear_decay.v1: cannot read the corpus '.*junk.spacy'"):
        linear_decay(2e-5, str(tmp_path / "junk.spacy"), max_epochs=3, batch_size=32)
    with pytest.raises(ValueError, match=r"needs training.max_epochs >= 1 \(or 0 with training.max_steps > 0\)"):
        linear_decay(2e-5, str(tmp_path / "junk.spacy"), max_epochs=0, batch_size=32)


@pytest.mark.parametrize("task", ["ner", "pos", "xnli", "pawsx"])
def test_replication_configs_follow_xtreme(task):
    from pathlib import Path

    from dlfa_spacy.tasks import TASKS

    config = Config().from_disk(Path(__file__).resolve().parents[1] / "configs" / f"{task}.cfg", interpolate=False)
    component = config["components"][TASKS[task].component]
    tok2vec = component["model"]["tok2vec"]
    optimizer = config["training"]["optimizer"]
    assert optimizer["learn_rate"]["@schedules"] == "dlfa_spacy.linear_decay.v1"
    assert (optimizer["learn_rate"]["initial_rate"], optimizer["learn_rate"]["warmup_steps"]) == (2e-5, 0)
    assert (optimizer["L2"], optimizer["eps"], optimizer["grad_clip"]) == (0.0, 1e-8, 1.0)
    assert config["training"]["batcher"]["size"] == 32 and config["encoder"]["max_length"] == 128
    assert config["training"]["max_epochs"] == TASKS[task].epochs
    assert config["training"]["accumulate_gradient"] == 1
    if TASKS[task].is_token_task:
        assert component["factory"] == "token_classifier" and tok2vec["pooling"]["@layers"] == "reduce_first.v1"
        assert config["corpora"]["train"]["gold_preproc"] is True
        assert config["training"]["score_weights"] == ({"ents_f": 1.0, "ents_p": 0.0, "ents_r": 0.0, "ents_per_type": None}
                                                       if task == "ner" else {"pos_f1": 1.0, "pos_acc": 0.0})
    else:
        assert component["factory"] == "xtreme_textcat" and component["model"]["head"] == "auto"
        assert config["initialize"]["after_init"]["@callbacks"] == "dlfa_spacy.init_pooler.v1"
        assert config["training"]["score_weights"] == {"cats_accuracy": 1.0, "cats_score": 0.0}
    assert tok2vec["layer"] == TASKS[task].paper_layer


@pytest.mark.parametrize("task", ["ner", "pos", "xnli", "pawsx"])
def test_spacy_head_configs_still_build(tiny_bert, task):
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "configs" / "spacy" / f"{task}.cfg"
    config = Config().from_disk(path, overrides={"encoder.name": str(tiny_bert)})
    nlp = spacy.util.load_model_from_config(config, auto_fill=True, validate=True)
    assert nlp.get_pipe_meta(nlp.pipe_names[1]).factory in ("ner", "tagger", "textcat")


def test_auto_head_keeps_its_choice_through_saving(tiny_xlmr, tmp_path):
    nlp, egs = initialized_pair_nlp(tiny_xlmr, "auto")
    nlp.to_disk(tmp_path / "nlp")
    loaded = spacy.load(tmp_path / "nlp")
    head = loaded.get_pipe("textcat").model
    assert head.attrs["pair_head"] == "roberta" and head.get_ref("input_dropout").attrs["enabled"] is True
    for eg in egs:
        assert loaded(eg.reference.text).cats == pytest.approx(nlp(eg.reference.text).cats, abs=1e-6)


def test_token_classifier_survives_replace_listeners(tiny_bert, tmp_path):
    nlp, name = token_classifier_nlp(tiny_bert, "bio", layer=2)
    egs = examples(nlp, "bio")
    optimizer = nlp.initialize(lambda: egs)
    for _ in range(5):
        nlp.update(egs, sgd=optimizer, drop=0.0)
    before = [[(e.label_, e.start, e.end) for e in nlp(eg.reference.text).ents] for eg in egs]
    scores_before = nlp.get_pipe(name).predict([nlp.get_pipe("transformer")(nlp.make_doc(egs[0].reference.text))])
    nlp.replace_listeners("transformer", name, ["model.tok2vec"])
    nlp.remove_pipe("transformer")
    after = nlp.get_pipe(name).predict([nlp.make_doc(egs[0].reference.text)])
    np.testing.assert_allclose(np.asarray(after[0]), np.asarray(scores_before[0]), atol=1e-5)
    nlp.to_disk(tmp_path / "alone")
    loaded = spacy.load(tmp_path / "alone")
    assert loaded.pipe_names == [name]
    assert [[(e.label_, e.start, e.end) for e in loaded(eg.reference.text).ents] for eg in egs] == before
