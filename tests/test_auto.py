"""layer = "auto": a learned convex mix of candidate lower layers as AIF's lower input."""
import pickle

import numpy
import pytest
import torch
from helpers import make_nlp, silence_last_layer, update_by_hand
from spacy.training import Example
from thinc.api import Adam, fix_random_seed

import dlfa_spacy.architectures
from dlfa_spacy.layers import AIFFusion, layer_key
from dlfa_spacy.layers.fusion import MIX_PARAM
from dlfa_spacy.layers.inference_mix import PREMIXED_KEY, mix_key
from dlfa_spacy.mix_weights import layer_weights

TRAIN = [
    ("Anna lives in Berlin .", ["PROPN", "VERB", "ADP", "PROPN", "PUNCT"]),
    ("Maria works at Siemens in Hamburg .", ["PROPN", "VERB", "ADP", "PROPN", "ADP", "PROPN", "PUNCT"]),
    ("Peter visited Paris with Lucy .", ["PROPN", "VERB", "PROPN", "ADP", "PROPN", "PUNCT"]),
    ("Nobody lives in the old house .", ["PRON", "VERB", "ADP", "DET", "ADJ", "NOUN", "PUNCT"]),
]
BASE_KEYS = ["last_hidden_state", "pooler_output"]


def examples(nlp):
    return [Example.from_dict(nlp.make_doc(text), {"tags": tags}) for text, tags in TRAIN]


def auto(candidates=None) -> str:
    """The tok2vec setting of make_nlp for layer = "auto" (with candidates)."""
    return '"auto"' + ("" if candidates is None else f"\ncandidates = {list(candidates)}")


def fusion(nlp, name="tagger"):
    return next(node for node in nlp.get_pipe(name).model.walk() if node.name == "aif-fusion")


def initialized(tiny_bert, candidates=None, seed=0):
    fix_random_seed(seed)
    nlp = make_nlp(tiny_bert, {"tagger": auto(candidates)})
    egs = examples(nlp)
    return nlp, egs, nlp.initialize(lambda: egs)


def test_default_candidates_are_every_lower_layer_and_start_uniform(tiny_bert):
    nlp, _, _ = initialized(tiny_bert)
    node = fusion(nlp)
    assert node.attrs["candidates"] == [1, 2, 3]  # the tiny BERT has 4 layers
    assert node.get_param(MIX_PARAM).tolist() == [0.0, 0.0, 0.0]
    assert layer_weights(nlp) == {"tagger": pytest.approx({1: 1 / 3, 2: 1 / 3, 3: 1 / 3})}
    batch = nlp.get_pipe("transformer").predict([nlp.make_doc("Anna lives in Berlin .")])
    # At prediction the encoder sums the candidates as it makes them and keeps only the sum.
    assert list(batch.model_output.keys()) == BASE_KEYS + [mix_key(0)]
    hidden = hf_hidden_states(nlp, batch)
    numpy.testing.assert_allclose(batch.model_output[mix_key(0)].numpy(), sum(hidden[k] for k in (1, 2, 3)) / 3,
                                  rtol=1e-5, atol=1e-6)


def hf_hidden_states(nlp, batch):
    """HF's own hidden states for the batch's wordpieces, as numpy arrays."""
    hf = nlp.get_pipe("transformer").model.transformer
    with torch.no_grad():
        out = hf(input_ids=torch.tensor(batch.wordpieces.input_ids),
                 attention_mask=torch.tensor(batch.wordpieces.attention_mask), output_hidden_states=True)
    return [h.numpy() for h in out.hidden_states]


def candidate_datas(nlp, docs):
    """Per-doc transformer output with the candidate layers kept, as in training (no premixing)."""
    trf = nlp.get_pipe("transformer").model
    linked, trf.linked_listeners = trf.linked_listeners, []
    try:
        return trf.predict(docs).split_by_doc()
    finally:
        trf.linked_listeners = linked


def test_explicit_candidates_keep_only_those_layers_and_docs_stay_lean(tiny_bert):
    nlp, _, _ = initialized(tiny_bert, candidates=[1, 3])
    assert fusion(nlp).attrs["candidates"] == [1, 3]
    assert sorted(layer_weights(nlp)["tagger"]) == [1, 3]
    batch = nlp.get_pipe("transformer").predict([nlp.make_doc("Anna lives in Berlin .")])
    assert list(batch.model_output.keys()) == BASE_KEYS + [mix_key(0)]
    hidden = hf_hidden_states(nlp, batch)
    numpy.testing.assert_allclose(batch.model_output[mix_key(0)].numpy(), (hidden[1] + hidden[3]) / 2,
                                  rtol=1e-5, atol=1e-6)
    # After the pipeline: what the stock pipeline keeps, the candidates dropped.
    doc = nlp("Anna lives in Berlin .")
    assert list(doc._.trf_data.model_output.keys()) == BASE_KEYS
    assert doc._.trf_data.dropped_layers == (1, 3)


def test_a_later_fixed_layer_listener_keeps_what_it_needs(tiny_bert):
    nlp = make_nlp(tiny_bert, {"tagger": auto(), "ner": 2})
    nlp.initialize(lambda: [Example.from_dict(nlp.make_doc(t), {"tags": tags}) for t, tags in TRAIN])
    doc = nlp.get_pipe("transformer")(nlp.make_doc("Anna lives in Berlin ."))
    doc = nlp.get_pipe("tagger")(doc)
    # The auto tagger read 1, 2 and 3; ner still needs 2.
    assert sorted(doc._.trf_data.model_output.keys()) == sorted(BASE_KEYS + [layer_key(2)])
    doc = nlp.get_pipe("ner")(doc)
    assert sorted(doc._.trf_data.model_output.keys()) == sorted(BASE_KEYS)


def test_mix_of_one_hot_weights_is_the_fixed_layer_fusion(tiny_bert):
    nlp, _, _ = initialized(tiny_bert)
    node = fusion(nlp)
    docs = [nlp.make_doc(t) for t, _ in TRAIN]
    datas = candidate_datas(nlp, docs)
    fixed = AIFFusion(2, reduction=node.attrs["reduction"])
    fixed.initialize(X=datas)
    for name in fixed.param_names:
        fixed.set_param(name, node.get_param(name).copy())
    # softmax([-40, 40, -40]) puts all but ~1e-35 of the weight on layer 2.
    node.set_param(MIX_PARAM, numpy.asarray([-40.0, 40.0, -40.0], dtype="f"))
    for got, want in zip(node.predict(datas), fixed.predict(datas)):
        numpy.testing.assert_allclose(got.model_output.last_hidden_state, want.model_output.last_hidden_state,
                                      rtol=1e-6, atol=1e-6)
    # Equal logits: the mean of the three layers stands where one layer stood.
    node.set_param(MIX_PARAM, numpy.zeros(3, dtype="f"))
    mean_datas = []
    for d in datas:
        out = dict(d.model_output)
        out[layer_key(2)] = sum(d.model_output[layer_key(k)] for k in (1, 2, 3)) / 3
        mean_datas.append(type(d)(wordpieces=d.wordpieces, model_output=type(d.model_output)(**out), align=d.align))
    for got, want in zip(node.predict(datas), fixed.predict(mean_datas)):
        numpy.testing.assert_allclose(got.model_output.last_hidden_state, want.model_output.last_hidden_state,
                                      rtol=1e-5, atol=1e-6)


def test_prediction_premixed_in_the_encoder_equals_the_mix_of_kept_candidates(tiny_bert):
    nlp, egs, optimizer = initialized(tiny_bert)
    for _ in range(3):
        nlp.update(egs, sgd=Adam(0.01), drop=0.0)
    node = fusion(nlp)
    node.set_param(MIX_PARAM, numpy.asarray([0.7, -0.4, 0.1], dtype="f"))  # not uniform
    texts = [t for t, _ in TRAIN] + ["Иван живёт в Москве .", ""]
    docs = [nlp.make_doc(t) for t in texts]
    kept = candidate_datas(nlp, docs)
    listener = next(n for n in nlp.get_pipe("tagger").model.walk() if n.name == "dlfa-listener")
    premixed = [listener.predict([doc])[0] for doc in nlp.get_pipe("transformer").pipe([nlp.make_doc(t) for t in texts])]
    assert all(PREMIXED_KEY in d.model_output for d in premixed if d.model_output.get("last_hidden_state") is not None
               and d.model_output.last_hidden_state.size)
    for got, want in zip(node.predict(premixed), node.predict(kept)):
        if want.model_output.get("last_hidden_state") is None or not want.model_output.last_hidden_state.size:
            assert got.model_output.get("last_hidden_state") is None or not got.model_output.last_hidden_state.size
            continue
        numpy.testing.assert_allclose(got.model_output.last_hidden_state, want.model_output.last_hidden_state,
                                      rtol=1e-5, atol=1e-5)


def test_training_on_premixed_layers_is_a_clear_error(tiny_bert):
    # A frozen transformer annotates docs by prediction; the mix cannot learn from its sum.
    nlp, _, _ = initialized(tiny_bert)
    doc = nlp.get_pipe("transformer")(nlp.make_doc("Anna lives in Berlin ."))
    with pytest.raises(ValueError, match="already mixed for prediction, in training"):
        nlp.get_pipe("tagger").model.begin_update([doc])


def test_one_update_reaches_every_candidate_layer_and_the_mix(tiny_bert):
    nlp, egs, optimizer = initialized(tiny_bert, candidates=[1, 2])
    nlp.update(egs, sgd=optimizer)  # the head starts at zero weights: one step first
    hf = nlp.get_pipe("transformer").model.transformer
    # With the last layer's output LayerNorm zeroed, only gradients sent straight into
    # the candidates reach the encoder: layer k is module k - 1, so modules 0 and 1
    # change, and module 2 (layer 3, no candidate) does not.
    silence_last_layer(hf)
    before = {i: {n: p.detach().clone() for n, p in hf.encoder.layer[i].named_parameters()} for i in range(3)}
    mix_before = fusion(nlp).get_param(MIX_PARAM).copy()
    update_by_hand(nlp, egs)
    changed = {i: [n for n, p in hf.encoder.layer[i].named_parameters() if not torch.equal(before[i][n], p)]
               for i in range(3)}
    assert len(changed[0]) == len(before[0]) and len(changed[1]) == len(before[1])
    assert changed[2] == []
    mix_after = fusion(nlp).get_param(MIX_PARAM)
    assert not numpy.array_equal(mix_before, mix_after)
    assert float(mix_after.sum()) == pytest.approx(float(mix_before.sum()), abs=1e-5)  # softmax's gradient sums to 0


def test_training_moves_the_weights_and_they_survive_saving(tiny_bert, tmp_path):
    nlp, egs, optimizer = initialized(tiny_bert)
    optimizer = Adam(0.01)
    for _ in range(30):
        nlp.update(egs, sgd=optimizer, drop=0.0)
    weights = layer_weights(nlp)["tagger"]
    assert sorted(weights) == [1, 2, 3] and sum(weights.values()) == pytest.approx(1.0)
    assert max(abs(w - 1 / 3) for w in weights.values()) > 1e-3  # learned, no longer uniform
    texts = [t for t, _ in TRAIN]
    tags = [[t.tag_ for t in doc] for doc in nlp.pipe(texts)]
    nlp.to_disk(tmp_path / "auto")
    import spacy

    loaded = spacy.load(tmp_path / "auto")
    assert fusion(loaded).attrs["candidates"] == [1, 2, 3]
    assert layer_weights(loaded) == {"tagger": weights}
    assert [[t.tag_ for t in doc] for doc in loaded.pipe(texts)] == tags
    unpickled = pickle.loads(pickle.dumps(loaded))
    assert layer_weights(unpickled) == {"tagger": weights}
    # Sourced with replace_listeners (an inline transformer of its own): the same mix and tags.
    sourced = spacy.blank("xx")
    sourced.add_pipe("transformer", source=loaded)
    sourced.add_pipe("tagger", source=loaded)
    sourced.replace_listeners("transformer", "tagger", ["model.tok2vec"])
    assert layer_weights(sourced) == {"tagger": weights}
    assert [[t.tag_ for t in doc] for doc in sourced.pipe(texts)] == tags
    sourced.to_disk(tmp_path / "sourced")
    again = spacy.load(tmp_path / "sourced")
    assert again.config["components"]["tagger"]["model"]["tok2vec"]["layer"] == "auto"
    assert [[t.tag_ for t in doc] for doc in again.pipe(texts)] == tags


@pytest.mark.parametrize("candidates,message", [
    ([4], r"out of range for encoder .*: it has 4 layers, so `layer` must be an integer in 1\.\.3"),
    ([0, 2], r"`candidates` must be a non-empty list of lower layers \(integers >= 1\).*got \[0, 2\]"),
    ([], r"`candidates` must be a non-empty list"),
    ([2, 2], r"`candidates` lists a layer twice: \[2, 2\]"),
])
def test_bad_candidates_name_the_valid_values(tiny_bert, candidates, message):
    with pytest.raises(ValueError, match=message):
        initialized(tiny_bert, candidates=candidates)


def test_candidates_without_auto_and_misspelt_auto_are_refused():
    with pytest.raises(ValueError, match=r"`candidates` is only used with layer = \"auto\"; got layer = 2"):
        dlfa_spacy.architectures.dlfa_v1(layer=2, candidates=[1])
    with pytest.raises(ValueError, match=r"\"auto\" to learn a mix of lower layers, \"scalar-mix\" for the scalar mix of every hidden state instead of AIF, or null.*got .Auto."):
        dlfa_spacy.architectures.dlfa_v1(layer="Auto")


def test_evaluate_names_the_variant_and_records_the_weights(tiny_bert, tmp_path):
    from spacy.tokens import Doc, DocBin

    from dlfa_spacy.experiments.evaluate import evaluate_pipeline

    nlp, _, _ = initialized(tiny_bert, candidates=[2, 3])
    docs = []
    for text, tags in TRAIN:
        words = text.split()
        docs.append(Doc(nlp.vocab, words=words, pos=tags))
    (tmp_path / "test").mkdir()
    DocBin(docs=docs).to_disk(tmp_path / "test" / "de.spacy")
    metrics = evaluate_pipeline(nlp, tmp_path / "test", "pos")
    assert (metrics["layer"], metrics["variant"]) == ("auto", "DLFA-auto")
    assert metrics["layer_weights"] == {"2": pytest.approx(0.5), "3": pytest.approx(0.5)}


def test_the_mix_and_its_logit_gradient_match_autograd_of_the_equation():
    from thinc.api import NumpyOps

    from dlfa_spacy.layers.aif import convex_mix
    from dlfa_spacy.layers.layer_mix import mix_layers, mix_logits_gradient, mix_weights_of

    ops = NumpyOps()
    rng = numpy.random.RandomState(0)
    layers = [rng.randn(2, 5, 4).astype("float64") for _ in range(3)]
    logits = numpy.asarray([0.3, -1.2, 0.8], dtype="f")
    d_mixed = rng.randn(2, 5, 4)
    weights = mix_weights_of(ops, logits)
    mixed = mix_layers(ops, [lambda x=x: x.copy() for x in layers], weights)
    # The reference: torch autograd through aif.convex_mix, the equation as written.
    t_logits = torch.tensor(logits.astype("float64"), requires_grad=True)
    t_mixed = convex_mix([torch.tensor(x) for x in layers], t_logits)
    t_mixed.backward(torch.tensor(d_mixed))
    numpy.testing.assert_allclose(mixed, t_mixed.detach().numpy(), rtol=1e-6)
    d_logits = mix_logits_gradient(ops, [lambda x=x: x for x in layers], weights, d_mixed)
    numpy.testing.assert_allclose(d_logits, t_logits.grad.numpy(), rtol=1e-5, atol=1e-6)


def test_scale_zero_keeps_the_mix_uniform_and_the_saved_scale_cannot_be_overridden(tiny_bert, tmp_path):
    import spacy

    fix_random_seed(0)
    nlp = make_nlp(tiny_bert, {"tagger": auto() + "\nmix_learn_rate_scale = 0"})
    egs = examples(nlp)
    nlp.initialize(lambda: egs)
    for _ in range(5):
        nlp.update(egs, sgd=Adam(0.01), drop=0.0)
    assert layer_weights(nlp)["tagger"] == pytest.approx({1: 1 / 3, 2: 1 / 3, 3: 1 / 3}, abs=1e-7)
    nlp.to_disk(tmp_path / "uniform")
    override = {"components": {"tagger": {"model": {"tok2vec": {"mix_learn_rate_scale": 100.0}}}}}
    with pytest.raises(ValueError, match="trained with mix_learn_rate_scale = 0, and the config asks for 100"):
        spacy.load(tmp_path / "uniform", config=override)
    from dlfa_spacy.experiments.evaluate import fusion_layer

    assert fusion_layer(spacy.load(tmp_path / "uniform").config) == "uniform"
    assert fusion_layer(nlp.config.copy()) == "uniform"


@pytest.mark.parametrize("layer", [2, "auto"])
def test_batched_prediction_as_on_a_gpu_equals_doc_by_doc_prediction(tiny_bert, monkeypatch, layer):
    import dlfa_spacy.layers.fusion as fusion_module

    fix_random_seed(0)
    nlp = make_nlp(tiny_bert, {"tagger": auto() if layer == "auto" else layer})
    egs = examples(nlp)
    optimizer = nlp.initialize(lambda: egs)
    for _ in range(3):  # trained BatchNorm statistics and, for "auto", a mix that is not uniform
        nlp.update(egs, sgd=optimizer, drop=0.0)
    node = fusion(nlp)
    texts = [t for t, _ in TRAIN] + ["Иван живёт в Москве .", "", "Anna ."]
    listener = next(n for n in nlp.get_pipe("tagger").model.walk() if n.name == "dlfa-listener")
    inputs = [listener.predict([doc])[0] for doc in nlp.get_pipe("transformer").pipe([nlp.make_doc(t) for t in texts])]
    if layer == "auto":
        assert PREMIXED_KEY in inputs[0].model_output
    assert fusion_module.predicts_each_doc(node.ops)  # CPU: doc by doc
    each = node.predict(inputs)
    monkeypatch.setattr(fusion_module, "predicts_each_doc", lambda ops: False)  # a GPU's batched path
    batched = node.predict(inputs)
    assert len(each) == len(batched) == len(texts)
    for got, want in zip(batched, each):
        if want.model_output.get("last_hidden_state") is None or not want.model_output.last_hidden_state.size:
            assert got is want or not got.model_output.last_hidden_state.size
            continue
        assert got.model_output.last_hidden_state.shape == want.model_output.last_hidden_state.shape
        numpy.testing.assert_allclose(got.model_output.last_hidden_state, want.model_output.last_hidden_state,
                                      rtol=1e-5, atol=1e-6)
