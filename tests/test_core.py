"""Core behaviour of dlfa_spacy.TransformerModel.v1 + dlfa_spacy.DLFA.v1 on a tiny local BERT."""
import copy
import re

import numpy
import pytest
import spacy
import torch
from helpers import make_nlp
from spacy.training import Example
from thinc.api import SGD, Adam, fix_random_seed

from dlfa_spacy.layers import FusionListener, layer_key

TRAIN = [
    ("Anna lives in Berlin .", [(0, 4, "PER"), (14, 20, "LOC")],
     ["PROPN", "VERB", "ADP", "PROPN", "PUNCT"]),
    ("Maria works at Siemens in Hamburg .", [(0, 5, "PER"), (15, 22, "ORG"), (26, 33, "LOC")],
     ["PROPN", "VERB", "ADP", "PROPN", "ADP", "PROPN", "PUNCT"]),
    ("Peter visited Paris with Lucy .", [(0, 5, "PER"), (14, 19, "LOC"), (25, 29, "PER")],
     ["PROPN", "VERB", "PROPN", "ADP", "PROPN", "PUNCT"]),
    ("The company Acme opened an office in Madrid .", [(12, 16, "ORG"), (37, 43, "LOC")],
     ["DET", "NOUN", "PROPN", "VERB", "DET", "NOUN", "ADP", "PROPN", "PUNCT"]),
    ("Nobody lives in the old house .", [],
     ["PRON", "VERB", "ADP", "DET", "ADJ", "NOUN", "PUNCT"]),
]


def examples(nlp, with_cats: bool = False):
    out = []
    for i, (text, ents, tags) in enumerate(TRAIN):
        annots = {"entities": ents, "tags": tags}
        if with_cats:
            annots["cats"] = {"A": float(i % 2 == 0), "B": float(i % 2 == 1)}
        out.append(Example.from_dict(nlp.make_doc(text), annots))
    return out


def fusion_nodes(nlp, name):
    return [node for node in nlp.get_pipe(name).model.walk() if node.name == "aif-fusion"]


def tok2vec(nlp, name):
    """The component's DLFA.v1 model (listener, fusion, pooling)."""
    for node in nlp.get_pipe(name).model.walk():
        if node.has_ref("listener") and isinstance(node.get_ref("listener"), FusionListener):
            return node
    raise KeyError(name)


def token_vectors(nlp, name, texts):
    docs = list(nlp.get_pipe("transformer").pipe([nlp.make_doc(t) for t in texts]))
    return tok2vec(nlp, name).predict(docs)


@pytest.fixture(scope="module")
def trained(tiny_bert):
    """ner (k=2) + tagger (k=3) + a stock listener textcat, trained together until perfect."""
    nlp = make_nlp(tiny_bert, {"textcat": "stock", "ner": 2, "tagger": 3})
    egs = examples(nlp, with_cats=True)
    optimizer = nlp.initialize(lambda: egs)
    optimizer.learn_rate = 1e-3
    history = []
    scores = {}
    for step in range(1, 151):
        losses = {}
        nlp.update(egs, sgd=optimizer, losses=losses, drop=0.0)
        history.append(losses)
        if step % 10 == 0:
            scores = nlp.evaluate(examples(nlp))
            if scores["ents_f"] == 1.0 and scores["tag_acc"] == 1.0:
                break
    else:
        step = None  # ran out of steps: the training test fails on this
    return nlp, history, scores, step


# ---- gradients ---------------------------------------------------------------------------


@pytest.mark.parametrize("layer,expect_change", [(2, True), (None, False)])
def test_lower_layer_is_trained_directly(tiny_bert, layer, expect_change):
    nlp = make_nlp(tiny_bert, {"tagger": layer})
    egs = examples(nlp)
    optimizer = nlp.initialize(lambda: egs)
    # spaCy's output layers start at zero weights: one ordinary step first, so that
    # the head sends a gradient back at all.
    nlp.update(egs, sgd=optimizer)
    transformer = nlp.get_pipe("transformer")
    hf = transformer.model.transformer
    # With the last layer's output LayerNorm zeroed, nothing can reach layer 0 through
    # the last layer: only a gradient sent straight into layer 2 can.
    norm = hf.encoder.layer[-1].output.LayerNorm
    with torch.no_grad():
        norm.weight.zero_()
        norm.bias.zero_()
    before = {n: p.detach().clone() for n, p in hf.encoder.layer[0].named_parameters()}
    nlp.update(egs, sgd=False)
    transformer.finish_update(SGD(0.5, L2=0.0))
    changed = [n for n, p in hf.encoder.layer[0].named_parameters() if not torch.equal(before[n], p)]
    if expect_change:
        assert "attention.self.query.weight" in changed
        assert len(changed) == len(before)
    else:
        assert changed == []


@pytest.mark.parametrize("order", [("textcat", "ner"), ("ner", "textcat")])
def test_stock_listener_trains_beside_fusion_listener_in_any_order(tiny_bert, order):
    nlp = make_nlp(tiny_bert, {order[0]: "stock" if order[0] == "textcat" else 2,
                               order[1]: "stock" if order[1] == "textcat" else 2})
    egs = examples(nlp, with_cats=True)
    nlp.update(egs, sgd=nlp.initialize(lambda: egs))
    hf = nlp.get_pipe("transformer").model.transformer
    norm = hf.encoder.layer[-1].output.LayerNorm
    with torch.no_grad():
        norm.weight.zero_()
        norm.bias.zero_()
    losses = {}
    nlp.update(egs, sgd=False, losses=losses)
    grad = hf.encoder.layer[0].attention.self.query.weight.grad
    assert grad is not None and float(grad.abs().sum()) > 0
    assert set(losses) == {"transformer", "textcat", "ner"}


def _reference_fusion(lower, last, p, training_local, training_global, eps=1e-5):
    """The paper's AIF equations for a list of unpadded (T_i, E) sequences, in plain torch."""

    def bn(x, prefix, batch_stats):
        if batch_stats:
            mean = x.mean(dim=0)
            var = x.var(dim=0, unbiased=False)
        else:
            mean, var = p[prefix + "_mean"], p[prefix + "_var"]
        return (x - mean) / torch.sqrt(var + eps) * p[prefix + "_gamma"] + p[prefix + "_beta"]

    def branch(x, name, batch_stats):
        h = x @ p[f"{name}_W1"].T + p[f"{name}_b1"]
        h = torch.relu(bn(h, f"{name}_bn1", batch_stats))
        h = h @ p[f"{name}_W2"].T + p[f"{name}_b2"]
        return bn(h, f"{name}_bn2", batch_stats)

    w = [(lk + ln) / 2 for lk, ln in zip(lower, last)]
    glob = branch(torch.stack([x.mean(dim=0) for x in w]), "global", training_global)
    local = branch(torch.cat(w), "local", training_local)
    outs, start = [], 0
    for i, (lk, ln) in enumerate(zip(lower, last)):
        g = torch.sigmoid(glob[i] + local[start : start + len(lk)])
        outs.append(lk * g + ln * (1 - g))
        start += len(lk)
    return outs


def test_fused_output_and_encoder_gradients_match_pure_torch(tiny_bert):
    fix_random_seed(0)
    layer = 2
    nlp = make_nlp(tiny_bert, {"tagger": layer})
    texts = ["Anna lives in Berlin .", "The company Acme opened an office in Madrid ."]
    egs = [Example.from_dict(nlp.make_doc(t), {"tags": ["X"] * len(t.split())}) for t in texts]
    nlp.initialize(lambda: egs)
    # Non-trivial fusion weights and running statistics.
    fusion = fusion_nodes(nlp, "tagger")[0]
    rng = numpy.random.default_rng(0)
    for name in fusion.param_names:
        value = fusion.get_param(name)
        noise = rng.normal(0, 0.3, value.shape).astype("f")
        fusion.set_param(name, numpy.abs(value + noise) if name.endswith("_var") else value + noise)
    hf = nlp.get_pipe("transformer").model.transformer
    # Double precision on both sides, so that 1e-5 checks the logic, not rounding.
    hf.double()
    reference = copy.deepcopy(hf)
    params = {n: torch.tensor(fusion.get_param(n), dtype=torch.float64) for n in fusion.param_names}

    docs = [nlp.make_doc(t) for t in texts]
    targets = [rng.normal(0, 1, (len(d), 32)) for d in docs]
    # Ours, through spaCy: the transformer component hands its batch to the listener.
    transformer = nlp.get_pipe("transformer")
    transformer.update([Example(d, d) for d in docs])
    vectors, backprop = tok2vec(nlp, "tagger").begin_update(docs)
    backprop([vec - tgt for vec, tgt in zip(vectors, targets)])  # d(0.5*||v - t||^2)

    # Reference: the same padded batch through HF, fusion and mean pooling in plain torch.
    tokenizer = transformer.model.tokenizer
    enc = tokenizer(texts, padding=True, return_tensors="pt", return_offsets_mapping=True)
    out = reference(input_ids=enc["input_ids"], token_type_ids=enc["token_type_ids"],
                    attention_mask=enc["attention_mask"], output_hidden_states=True)
    token_vecs = []
    lowers, lasts = [], []
    for i in range(len(texts)):
        n = int(enc["attention_mask"][i].sum())
        lowers.append(out.hidden_states[layer][i, :n])
        lasts.append(out.hidden_states[-1][i, :n])
    fused = _reference_fusion(lowers, lasts, params, training_local=True, training_global=True)
    loss = 0
    for i, (doc, f, tgt) in enumerate(zip(docs, fused, targets)):
        offsets = enc["offset_mapping"][i].tolist()
        rows = []
        for token in doc:
            pieces = [j for j, (s, e) in enumerate(offsets)
                      if e > s and s < token.idx + len(token) and e > token.idx]
            rows.append(f[pieces].mean(dim=0))
        vecs = torch.stack(rows)
        token_vecs.append(vecs)
        loss = loss + 0.5 * ((vecs - torch.tensor(tgt)) ** 2).sum()
    loss.backward()

    for ours, ref in zip(vectors, token_vecs):
        numpy.testing.assert_allclose(ours, ref.detach().numpy(), atol=1e-5, rtol=1e-5)
    ours_params = dict(hf.named_parameters())
    compared = 0
    for name, ref_param in reference.named_parameters():
        if ref_param.grad is None:
            continue
        ours_grad = ours_params[name].grad
        assert ours_grad is not None, name
        numpy.testing.assert_allclose(ours_grad.numpy(), ref_param.grad.numpy(), atol=1e-5, rtol=1e-5,
                                      err_msg=name)
        compared += 1
    # Every encoder layer up to the last received a gradient in both.
    assert compared >= 4 * 16


# ---- prediction ---------------------------------------------------------------------------


def test_prediction_is_the_same_alone_and_in_a_padded_batch(trained):
    nlp = trained[0]
    text = "Maria works at Siemens in Hamburg ."
    others = ["Anna .", "The company Acme opened an office in Madrid and Berlin and Paris ."]
    for name in ("ner", "tagger"):
        alone = token_vectors(nlp, name, [text])[0]
        batched = token_vectors(nlp, name, [others[0], text, others[1]])[1]
        numpy.testing.assert_allclose(alone, batched, atol=1e-5)
    single = nlp(text)
    in_batch = list(nlp.pipe([others[0], text, others[1]]))[1]
    assert [(e.text, e.label_) for e in single.ents] == [(e.text, e.label_) for e in in_batch.ents]
    assert [t.tag_ for t in single] == [t.tag_ for t in in_batch]


def test_doc_keeps_only_what_the_stock_pipeline_keeps(tiny_bert, trained):
    nlp = trained[0]
    stock = make_nlp(tiny_bert, {"tagger": "stock"}, arch="spacy-transformers.TransformerModel.v3")
    stock.initialize(lambda: examples(stock))
    text = "Peter visited Paris with Lucy ."
    # While the pipeline runs: the last layer plus exactly the requested lower layers.
    batch = nlp.get_pipe("transformer").predict([nlp.make_doc(text)])
    assert list(batch.model_output.keys()) == [
        "last_hidden_state", "pooler_output", layer_key(2), layer_key(3)]
    doc = nlp(text)
    stock_doc = stock(text)
    keys = list(doc._.trf_data.model_output.keys())
    assert keys == list(stock_doc._.trf_data.model_output.keys()) == ["last_hidden_state", "pooler_output"]
    size = sum(v.nbytes for v in doc._.trf_data.model_output.values())
    assert size == sum(v.nbytes for v in stock_doc._.trf_data.model_output.values())


def test_each_lower_layer_is_dropped_by_its_last_consumer(tiny_bert):
    nlp = make_nlp(tiny_bert, {"ner": 2, "tagger": 3, "textcat": 2})
    nlp.initialize(lambda: examples(nlp, with_cats=True))
    doc = nlp.get_pipe("transformer")(nlp.make_doc("Anna lives in Berlin ."))
    seen = [sorted(doc._.trf_data.model_output.keys())]
    for name in ("ner", "tagger", "textcat"):
        doc = nlp.get_pipe(name)(doc)
        seen.append(sorted(doc._.trf_data.model_output.keys()))
    base = ["last_hidden_state", "pooler_output"]
    assert seen == [
        sorted(base + [layer_key(2), layer_key(3)]),
        sorted(base + [layer_key(2), layer_key(3)]),  # textcat needs 2, tagger 3
        sorted(base + [layer_key(2)]),  # tagger was the last to need 3
        sorted(base),
    ]


# ---- training -----------------------------------------------------------------------------


def test_shared_transformer_learns_ner_and_tagger(trained):
    nlp, history, scores, steps = trained
    assert steps is not None, f"not perfect within 150 steps: {scores}"
    assert scores["ents_f"] == 1.0
    assert scores["tag_acc"] == 1.0
    for name in ("ner", "tagger"):
        assert history[-1][name] < 0.5 * history[0][name]
    # BatchNorm running statistics moved away from their initial values while training.
    for name in ("ner", "tagger"):
        stats = fusion_nodes(nlp, name)[0].get_param("local_bn1_mean")
        assert float(numpy.abs(stats).sum()) > 0


# ---- serialisation ------------------------------------------------------------------------


def _predictions(nlp, texts):
    docs = list(nlp.pipe(texts))
    return [([(e.start, e.end, e.label_) for e in d.ents], [t.tag_ for t in d], d.cats) for d in docs]


def _fusion_params(nlp):
    return {(name, p): fusion_nodes(nlp, name)[0].get_param(p).copy()
            for name in ("ner", "tagger") for p in fusion_nodes(nlp, name)[0].param_names}


def test_to_disk_and_load_give_identical_predictions_and_statistics(trained, tmp_path):
    nlp = trained[0]
    texts = [t for t, _, _ in TRAIN] + ["Иван живёт в Москве ."]
    nlp.to_disk(tmp_path / "pipeline")
    loaded = spacy.load(tmp_path / "pipeline")
    assert _predictions(loaded, texts) == _predictions(nlp, texts)
    ours, theirs = _fusion_params(nlp), _fusion_params(loaded)
    assert ours.keys() == theirs.keys()
    for key in ours:
        numpy.testing.assert_array_equal(ours[key], theirs[key])
    assert loaded.get_pipe("transformer").model.attrs["fusion_layers"] == [2, 3]
    for name in ("ner", "tagger"):
        numpy.testing.assert_array_equal(
            token_vectors(loaded, name, texts[:2])[1], token_vectors(nlp, name, texts[:2])[1])


@pytest.mark.parametrize("override, message", [
    ({"layer": 3}, "trained with layer = 2, and the config asks for layer = 3."),
    ({"layer": "auto"}, "trained with layer = 2, and the config asks for layer = 'auto'."),
    ({"reduction": 2}, "trained with reduction = 4, and the config asks for reduction = 2."),
])
def test_a_config_override_the_trained_weights_cannot_follow_is_an_error(trained, tmp_path, override, message):
    # Thinc restores the saved attrs over the configured ones: without the check this pipeline
    # would report the override in nlp.config and run with the saved layer.
    trained[0].to_disk(tmp_path / "pipeline")
    with pytest.raises(ValueError, match=re.escape(message)):
        spacy.load(tmp_path / "pipeline", config={"components": {"ner": {"model": {"tok2vec": override}}}})
    same = spacy.load(tmp_path / "pipeline", config={"components": {"ner": {"model": {"tok2vec": {"layer": 2}}}}})
    assert fusion_nodes(same, "ner")[0].attrs["layer"] == 2


def test_to_bytes_and_from_bytes_give_identical_predictions(trained, tiny_bert):
    nlp = trained[0]
    texts = [t for t, _, _ in TRAIN]
    fresh = spacy.util.load_model_from_config(nlp.config, auto_fill=False)
    fresh.from_bytes(nlp.to_bytes())
    assert _predictions(fresh, texts) == _predictions(nlp, texts)
    for key, value in _fusion_params(nlp).items():
        numpy.testing.assert_array_equal(value, _fusion_params(fresh)[key])


# ---- bad configs --------------------------------------------------------------------------


@pytest.mark.parametrize("layer", [4, 9])
def test_layer_out_of_range_names_the_valid_range(tiny_bert, layer):
    nlp = make_nlp(tiny_bert, {"tagger": layer})
    with pytest.raises(ValueError) as err:
        nlp.initialize(lambda: examples(nlp))
    message = str(err.value)
    assert f"layer {layer} is out of range" in message
    assert "it has 4 layers" in message and "1..3" in message


@pytest.mark.parametrize("layer", [0, -2, True, "8"])
def test_invalid_layer_values_are_rejected_with_the_config(tiny_bert, layer):
    with pytest.raises(Exception) as err:
        make_nlp(tiny_bert, {"tagger": layer if not isinstance(layer, str) else '"8"'})
    assert "layer" in str(err.value)


def test_listener_without_transformer_is_a_clear_error(tiny_bert):
    nlp = make_nlp(tiny_bert, {"tagger": 2}, with_transformer=False)
    with pytest.raises(ValueError, match="found no transformer component"):
        nlp.initialize(lambda: examples(nlp))


def test_listener_with_mismatched_upstream_name_is_a_clear_error(tiny_bert):
    nlp = make_nlp(tiny_bert, {"tagger": 2})
    nlp.config["components"]["tagger"]["model"]["tok2vec"]["upstream"] = "encoder"
    nlp = spacy.util.load_model_from_config(nlp.config, auto_fill=True)
    with pytest.raises(ValueError, match=r"upstream = 'encoder'\) found no transformer"):
        nlp.initialize(lambda: examples(nlp))


def test_fusion_with_a_stock_transformer_model_is_a_clear_error(tiny_bert):
    nlp = make_nlp(tiny_bert, {"tagger": 2}, arch="spacy-transformers.TransformerModel.v3")
    with pytest.raises(ValueError, match="dlfa_spacy.TransformerModel.v1"):
        nlp.initialize(lambda: examples(nlp))


def test_baseline_listener_works_with_a_stock_transformer_model(tiny_bert):
    nlp = make_nlp(tiny_bert, {"tagger": None}, arch="spacy-transformers.TransformerModel.v3")
    nlp.initialize(lambda: examples(nlp))
    assert len(nlp("Anna lives in Berlin .")) == 5


# ---- edge docs ----------------------------------------------------------------------------


EDGE_TEXTS = [
    "",
    "   \n\t ",
    "Emoji 😀🎉 and 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 𓀀 text .",
    "Anna живёт в 北京 and works at مرحبا GmbH .",
]


def test_edge_docs_predict_and_train_with_right_shapes(tiny_bert):
    nlp = make_nlp(tiny_bert, {"ner": 2, "tagger": 3}, spans="strided")
    nlp.initialize(lambda: examples(nlp))
    long_text = " ".join(["Anna lives in Berlin with Maria ."] * 100)
    texts = EDGE_TEXTS + [long_text]
    docs = list(nlp.get_pipe("transformer").pipe([nlp.make_doc(t) for t in texts]))
    assert sum(docs[-1]._.trf_data.wordpieces.lengths) > 512
    for name in ("ner", "tagger"):
        outputs = tok2vec(nlp, name).predict(docs)
        assert [o.shape for o in outputs[1:]] == [(len(d), 32) for d in docs[1:]]
        assert outputs[0].shape[0] == 0
        assert all(numpy.isfinite(o).all() for o in outputs)
    processed = list(nlp.pipe(texts))
    assert [len(d) for d in processed] == [len(nlp.make_doc(t)) for t in texts]
    egs = [Example.from_dict(nlp.make_doc(t), {}) for t in texts]
    losses = {}
    nlp.update(egs, sgd=Adam(1e-3), losses=losses)
    assert all(numpy.isfinite(v) for v in losses.values())


def test_all_empty_batch(tiny_bert):
    nlp = make_nlp(tiny_bert, {"ner": 2})
    nlp.initialize(lambda: examples(nlp))
    docs = list(nlp.pipe(["", " "]))
    assert [len(d) for d in docs] == [0, 1]
    assert docs[0].ents == () and docs[1].ents == ()


def test_unknown_encoder_layout_falls_back_to_hidden_states(tiny_bert, monkeypatch):
    import dlfa_spacy.layers.layer_capture as transformer_module

    nlp = make_nlp(tiny_bert, {"tagger": 2})
    nlp.initialize(lambda: examples(nlp))
    doc = nlp.make_doc("Maria works at Siemens in Hamburg .")
    hooked = nlp.get_pipe("transformer").predict([doc])
    # As for an encoder family without known layer modules: HF returns all hidden states.
    monkeypatch.setattr(transformer_module, "_LAYER_MODULE_PATHS", {})
    fallback = nlp.get_pipe("transformer").predict([doc])
    assert list(fallback.model_output.keys()) == list(hooked.model_output.keys())
    numpy.testing.assert_array_equal(fallback.model_output[layer_key(2)].numpy(),
                                     hooked.model_output[layer_key(2)].numpy())
    # Training through the fallback also reaches the lower layer.
    egs = examples(nlp)
    nlp.update(egs, sgd=nlp.resume_training())
    losses = {}
    nlp.update(egs, sgd=False, losses=losses)
    hf = nlp.get_pipe("transformer").model.transformer
    assert float(hf.encoder.layer[0].attention.self.query.weight.grad.abs().sum()) > 0


@pytest.mark.parametrize("component", ["parser", "morphologizer", "spancat"])
def test_fusion_listener_fits_other_tok2vec_slots(tiny_bert, component):
    nlp = make_nlp(tiny_bert, {component: 2})
    text, ents, tags = TRAIN[0]
    annots = {
        "parser": {"heads": [1, 1, 1, 2, 1], "deps": ["nsubj", "ROOT", "prep", "pobj", "punct"]},
        "morphologizer": {"pos": tags, "morphs": ["", "Tense=Pres", "", "", ""]},
        "spancat": {"spans": {"sc": [(s, e, label) for s, e, label in ents]}},
    }[component]
    egs = [Example.from_dict(nlp.make_doc(text), annots) for _ in range(2)]
    optimizer = nlp.initialize(lambda: egs)
    losses = {}
    for _ in range(3):
        nlp.update(egs, sgd=optimizer, losses=losses)
    assert losses[component] > 0 and numpy.isfinite(losses[component])
    doc = nlp(text)
    assert len(doc) == 5
    assert list(doc._.trf_data.model_output.keys()) == ["last_hidden_state", "pooler_output"]


def test_baseline_equals_stock_spacy_transformers_forward_and_backward(tiny_bert):
    # layer = null must be stock spacy-transformers (TransformerModel.v3 + TransformerListener.v1):
    # the same vectors, and the same encoder gradients. A baseline whose encoder did not fine-tune
    # (say, a grad_factor of 0) would inflate every gain the project reports.
    texts = ["Anna lives in Berlin .", "The company Acme opened an office in Madrid ."]
    pipelines = {}
    for name, layer, arch in (("ours", None, "dlfa_spacy.TransformerModel.v1"),
                              ("stock", "stock", "spacy-transformers.TransformerModel.v3")):
        nlp = make_nlp(tiny_bert, {"tagger": layer}, arch=arch)
        egs = [Example.from_dict(nlp.make_doc(t), {"tags": ["X"] * len(t.split())}) for t in texts]
        nlp.initialize(lambda: egs)
        pipelines[name] = nlp
    ours, stock = pipelines["ours"], pipelines["stock"]
    stock.get_pipe("transformer").model.transformer.load_state_dict(
        ours.get_pipe("transformer").model.transformer.state_dict())
    grads = {}
    vectors = {}
    for name, nlp in pipelines.items():
        docs = [nlp.make_doc(t) for t in texts]
        targets = [numpy.random.default_rng(2).normal(0, 1, (len(d), 32)).astype("f") for d in docs]
        nlp.get_pipe("transformer").update([Example(d, d) for d in docs])
        # The tagger's tok2vec: DLFA.v1 or the stock TransformerListener.v1 chain.
        vecs, backprop = nlp.get_pipe("tagger").model.get_ref("tok2vec").begin_update(docs)
        backprop([v - t for v, t in zip(vecs, targets)])
        vectors[name] = vecs
        grads[name] = {n: p.grad.clone() for n, p in nlp.get_pipe("transformer").model.transformer.named_parameters()
                       if p.grad is not None}
    for a, b in zip(vectors["ours"], vectors["stock"]):
        numpy.testing.assert_allclose(a, b, atol=1e-6, rtol=1e-5)
    assert set(grads["ours"]) == set(grads["stock"]) and len(grads["ours"]) >= 4 * 16
    for name, grad in grads["stock"].items():
        assert float(grad.abs().sum()) > 0, name  # the encoder fine-tunes
        numpy.testing.assert_allclose(grads["ours"][name].numpy(), grad.numpy(), atol=1e-6, rtol=1e-4, err_msg=name)


# ---- documents of any length ---------------------------------------------------------------


def test_a_long_document_is_labelled_as_its_sentences_alone(trained):
    nlp = trained[0]
    names = ["Anna", "Maria", "Peter", "Lucy", "Ivan", "Bob", "Carl", "Nobody"]
    places = ["Berlin", "Paris", "Madrid", "Hamburg", "Moscow"]
    verbs = ["lives in", "works in", "visited", "left", "likes"]
    sentences = [f"{n} {v} {p} ." for n in names for v in verbs for p in places]
    assert len(set(sentences)) == 200
    long_doc = nlp(" ".join(sentences))
    limit = nlp.get_pipe("transformer").model.tokenizer.model_max_length
    assert len(long_doc._.trf_data.wordpieces.strings[0]) <= limit  # no span beyond the encoder's limit
    assert sum(len(s) for s in long_doc._.trf_data.wordpieces.strings) > 3 * limit  # yet every word reached it
    alone = list(nlp.pipe(sentences))
    offset, same_tags, same_ents, tokens = 0, 0, 0, 0
    for doc in alone:
        part = long_doc[offset:offset + len(doc)]
        assert part.text == doc.text
        same_tags += sum(a.tag_ == b.tag_ for a, b in zip(part, doc))
        tokens += len(doc)
        ents = [(e.start - offset, e.end - offset, e.label_) for e in long_doc.ents if offset <= e.start < offset + len(doc)]
        same_ents += ents == [(e.start, e.end, e.label_) for e in doc.ents]
        offset += len(doc)
    assert same_tags / tokens >= 0.98 and same_ents / len(alone) >= 0.98, (same_tags / tokens, same_ents / len(alone))
    # Before, everything after the first 512 wordpieces was labelled from nothing.
    assert long_doc[-2].tag_ == alone[-1][-2].tag_


def test_a_long_sentence_without_punctuation_is_cut_into_segments(trained):
    from dlfa_spacy.layers.long_spans import fit_spans

    nlp = trained[0]
    tokenizer = nlp.get_pipe("transformer").model.tokenizer
    doc = nlp.make_doc(" ".join(["Anna lives in Berlin"] * 300))
    spans = fit_spans(tokenizer, [doc[:]], 64)
    assert [t.i for s in spans for t in s] == list(range(len(doc)))  # every token, in order, once
    assert all(len(tokenizer(s.text)["input_ids"]) <= 64 for s in spans) and len(spans) > 10
    # A span that fits is left alone; a pair is never cut (it is one sequence, truncated).
    assert fit_spans(tokenizer, [doc[:8]], 64) == [doc[:8]]
    from dlfa_spacy import pair_doc

    pair = pair_doc(nlp, doc.text, "Anna lives in Berlin")
    assert fit_spans(tokenizer, [pair[:]], 64) == [pair[:]]
    labelled = nlp(doc.text)
    assert all(t.tag_ for t in labelled)


def test_rows_encoded_in_length_buckets_equal_one_padded_batch(trained):
    from dlfa_spacy.layers.layer_capture import MIX_PLANS_ATTR
    from dlfa_spacy.layers.length_buckets import encode_in_buckets
    from dlfa_spacy.layers.transformer_model import tokenize_spans

    nlp = trained[0]
    trf = nlp.get_pipe("transformer").model
    doc = nlp.make_doc("Anna lives in Berlin . Maria works at Siemens in Hamburg with Peter and Lucy . "
                       "Bob left . Ivan visited Moscow and Paris last year . Nobody lives here .")
    spans = [doc[a:b] for a, b in [(0, 5), (5, 16), (16, 19), (19, 27), (27, 31)]]
    wordpieces, _ = tokenize_spans(trf.tokenizer, spans, 128)
    assert wordpieces.lengths == [7, 13, 10, 13, 8]  # unsorted: the buckets reorder the rows
    wrapper = trf.layers[0]
    wrapper.attrs["fusion_layers"], wrapper.attrs[MIX_PLANS_ATTR] = [2], []
    try:
        whole, _ = wrapper(wordpieces, False)
        buckets = encode_in_buckets(wrapper, wordpieces, rows=2)
    finally:
        del wrapper.attrs[MIX_PLANS_ATTR]
    assert list(buckets.keys()) == list(whole.keys()) == ["last_hidden_state", "pooler_output", layer_key(2)]
    for key in whole:
        assert buckets[key].shape == whole[key].shape
        for row, length in enumerate(wordpieces.lengths):
            numpy.testing.assert_allclose(buckets[key][row, :length].numpy(), whole[key][row, :length].numpy(),
                                          rtol=1e-5, atol=1e-5, err_msg=key)


def test_prediction_fuses_each_doc_on_its_own_as_the_padded_batch_would(trained):
    from dlfa_spacy.layers.aif import PARAM_NAMES, aif
    from dlfa_spacy.layers.fusion import _pad_concat, _pad_concat_mask

    nlp = trained[0]
    node = fusion_nodes(nlp, "ner")[0]
    texts = ["Anna lives in Berlin .", "Maria works at Siemens in Hamburg with Peter and Lucy .", "Bob ."]
    datas = nlp.get_pipe("transformer").model.predict([nlp.make_doc(t) for t in texts]).split_by_doc()
    got = node.predict(datas)
    # The reference: AIF at prediction over the docs padded into one batch.
    lasts = [d.model_output.last_hidden_state for d in datas]
    length = max(x.shape[1] for x in lasts)
    last = torch.tensor(_pad_concat(node.ops, lasts, length, "float32"))
    lower = torch.tensor(_pad_concat(node.ops, [d.model_output[layer_key(2)] for d in datas], length, "float32"))
    mask = torch.tensor(_pad_concat_mask(node.ops, [d.wordpieces.attention_mask for d in datas], length))
    params = {name: torch.tensor(node.get_param(name)) for name in PARAM_NAMES}
    with torch.no_grad():
        want = aif(lower, last, mask, params, training=False).numpy()
    start = 0
    for data, x in zip(got, lasts):
        rows, width = x.shape[0], x.shape[1]
        real = data.wordpieces.attention_mask.astype(bool)
        numpy.testing.assert_allclose(data.model_output.last_hidden_state[real], want[start:start + rows, :width][real],
                                      rtol=1e-5, atol=1e-6)
        start += rows


def test_a_batch_of_docs_is_measured_in_one_tokenizer_call(trained):
    from dlfa_spacy.layers.long_spans import fit_doc_spans, fit_spans

    nlp = trained[0]
    tokenizer = nlp.get_pipe("transformer").model.tokenizer
    docs = [nlp.make_doc(" ".join(["Anna lives in Berlin ."] * n)) for n in (40, 1, 60, 2)]
    nested = [[doc[:]] for doc in docs]
    alone = [fit_spans(tokenizer, spans, 64) for spans in nested]
    calls = []

    def counting(*args, **kwargs):
        calls.append(args[0])
        return tokenizer(*args, **kwargs)

    together = fit_doc_spans(counting, nested, 64)
    assert together == alone
    assert [len(spans) for spans in together][1::2] == [1, 1] and all(len(together[i]) > 1 for i in (0, 2))
    # The two long docs measured in one call, then each one's sentences in one call more.
    assert [len(texts) for texts in calls] == [2, 40, 60]
