"""ScalarMix.v1: the scalar mix of every hidden state (ELMo, UDify), DLFA's rival in the tok2vec slot."""
import pickle

import numpy
import pytest
import spacy
import torch
from helpers import make_nlp, silence_last_layer, update_by_hand
from spacy.training import Example
from spacy_transformers.data_classes import TransformerData
from thinc.api import Adam, NumpyOps, fix_random_seed
from transformers.file_utils import ModelOutput

import dlfa_spacy.architectures  # noqa: F401
from dlfa_spacy.layers.gradients import LayeredData, LayerGrads, layer_key
from dlfa_spacy.layers.inference_mix import mix_key
from dlfa_spacy.layers.scalar_mix import SCALE_PARAM, WEIGHTS_PARAM, ScalarMix, scalar_mix_weights

TRAIN = [
    ("Anna lives in Berlin .", ["PROPN", "VERB", "ADP", "PROPN", "PUNCT"]),
    ("Maria works at Siemens in Hamburg .", ["PROPN", "VERB", "ADP", "PROPN", "ADP", "PROPN", "PUNCT"]),
    ("Peter visited Paris with Lucy .", ["PROPN", "VERB", "PROPN", "ADP", "PROPN", "PUNCT"]),
]


def examples(nlp):
    return [Example.from_dict(nlp.make_doc(text), {"tags": tags}) for text, tags in TRAIN]


def mix_layer(nlp, name="tagger"):
    return next(node for node in nlp.get_pipe(name).model.walk() if node.name == "scalar-mix")


def initialized(tiny_bert, seed=0):
    fix_random_seed(seed)
    nlp = make_nlp(tiny_bert, {"tagger": "scalar-mix"})
    egs = examples(nlp)
    return nlp, egs, nlp.initialize(lambda: egs)


def test_every_hidden_state_is_kept_embeddings_included_and_equals_hf(tiny_bert):
    nlp, _, _ = initialized(tiny_bert)
    layer = mix_layer(nlp)
    n = nlp.get_pipe("transformer").model.transformer.config.num_hidden_layers
    assert layer.attrs["states"] == list(range(n)) and layer.get_dim("nS") == n + 1
    assert scalar_mix_weights(layer) == pytest.approx({k: 1 / (n + 1) for k in range(n + 1)})
    trf = nlp.get_pipe("transformer").model
    doc = nlp.make_doc("Anna lives in Berlin .")
    linked, trf.linked_listeners = trf.linked_listeners, []  # as in training: every state kept
    data = trf.predict([doc]).split_by_doc()[0]
    trf.linked_listeners = linked
    hf = trf.transformer
    ids = torch.tensor(data.wordpieces.input_ids)
    with torch.no_grad():
        expected = hf(input_ids=ids, attention_mask=torch.tensor(data.wordpieces.attention_mask),
                      output_hidden_states=True).hidden_states
    for k in range(n):  # hidden_states[0] is the embedding output, captured by a hook on the embeddings
        numpy.testing.assert_allclose(data.model_output[layer_key(k)], expected[k].numpy(), rtol=1e-5, atol=1e-6)
    # At prediction the encoder keeps only the weighted sum of the lower states (uniform here).
    premixed = nlp.get_pipe("transformer")(nlp.make_doc("Anna lives in Berlin ."))._.trf_data.model_output
    assert sorted(premixed) == ["last_hidden_state", mix_key(0), "pooler_output"]
    numpy.testing.assert_allclose(premixed[mix_key(0)], sum(expected[k].numpy() for k in range(n)) / (n + 1),
                                  rtol=1e-5, atol=1e-6)
    # After the tagger the doc keeps what a stock pipeline keeps.
    doc = nlp("Anna lives in Berlin .")
    assert sorted(doc._.trf_data.model_output) == ["last_hidden_state", "pooler_output"]


@pytest.mark.parametrize("scale", [1.0, 3.0])
def test_mix_and_gradients_match_autograd_of_the_equation(scale):
    # The weights are softmax(scale * s): the stored s learns `scale` times faster under Adam.
    ops = NumpyOps()
    rng = numpy.random.default_rng(0)
    states = [rng.normal(size=(2, 5, 4)).astype("float64") for _ in range(4)]  # h_0..h_2 and the last
    model = ScalarMix(grad_factor=1.0, mix_learn_rate_scale=scale)
    model.attrs["states"] = [0, 1, 2]
    model.set_dim("nS", 4)
    logits = numpy.array([0.3, -0.2, 0.5, 0.1], dtype="f")
    model.set_param(WEIGHTS_PARAM, logits.copy())
    model.set_param(SCALE_PARAM, numpy.array([1.7], dtype="f"))
    sink = LayerGrads((2, 5, 4), ops)
    output = ModelOutput(last_hidden_state=states[3], **{layer_key(k): states[k] for k in range(3)})
    data = LayeredData(wordpieces=None, model_output=output, align=None, grad_sink=(sink, 0, 2))
    (out,), backprop = model([data], is_train=True)
    d_out = rng.normal(size=(2, 5, 4))
    (d_data,) = backprop([TransformerData(wordpieces=None, model_output=ModelOutput(last_hidden_state=d_out),
                                          align=None)])

    s = torch.tensor(logits.astype("float64"), requires_grad=True)
    gamma = torch.tensor([1.7], dtype=torch.float64, requires_grad=True)
    h = [torch.tensor(x, requires_grad=True) for x in states]
    mixed = gamma * sum(w * x for w, x in zip(torch.softmax(scale * s, 0), h))
    mixed.backward(torch.tensor(d_out))
    numpy.testing.assert_allclose(out.model_output.last_hidden_state, mixed.detach().numpy(), rtol=1e-6, atol=1e-7)
    numpy.testing.assert_allclose(model.get_grad(WEIGHTS_PARAM), s.grad.numpy(), rtol=1e-5, atol=1e-6)
    numpy.testing.assert_allclose(model.get_grad(SCALE_PARAM), gamma.grad.numpy(), rtol=1e-5, atol=1e-6)
    numpy.testing.assert_allclose(d_data.model_output.last_hidden_state, h[3].grad.numpy(), rtol=1e-6, atol=1e-7)
    for k in range(3):  # the lower states' gradients go to the batch's sink
        numpy.testing.assert_allclose(sink.arrays[k], h[k].grad.numpy(), rtol=1e-6, atol=1e-7)


def test_one_update_reaches_the_embeddings_through_the_mix(tiny_bert):
    nlp, egs, optimizer = initialized(tiny_bert)
    nlp.update(egs, sgd=optimizer)  # the head starts at zero weights: one step first
    hf = nlp.get_pipe("transformer").model.transformer
    # With the last layer's output LayerNorm zeroed, the last layer passes no gradient
    # down: whatever reaches the embeddings came straight through h_0 .. h_{N-1}.
    silence_last_layer(hf)
    embeddings = hf.embeddings.word_embeddings.weight.detach().clone()
    first_layer = hf.encoder.layer[0].output.dense.weight.detach().clone()
    weights = mix_layer(nlp).get_param(WEIGHTS_PARAM).copy()
    update_by_hand(nlp, egs)
    assert not torch.equal(embeddings, hf.embeddings.word_embeddings.weight)
    assert not torch.equal(first_layer, hf.encoder.layer[0].output.dense.weight)
    assert not numpy.array_equal(weights, mix_layer(nlp).get_param(WEIGHTS_PARAM))


def test_trained_weights_survive_saving_pickling_and_replace_listeners(tiny_bert, tmp_path):
    nlp, egs, _ = initialized(tiny_bert)
    optimizer = Adam(0.01)
    for _ in range(20):
        nlp.update(egs, sgd=optimizer, drop=0.0)
    weights = scalar_mix_weights(mix_layer(nlp))
    # The mix starts uniform over its len(weights) = N + 1 states: training must have moved it.
    assert weights != pytest.approx({k: 1 / len(weights) for k in weights})
    texts = [t for t, _ in TRAIN]
    tags = [[t.tag_ for t in d] for d in nlp.pipe(texts)]
    nlp.to_disk(tmp_path / "model")
    loaded = spacy.load(tmp_path / "model")
    assert scalar_mix_weights(mix_layer(loaded)) == weights
    assert [[t.tag_ for t in d] for d in loaded.pipe(texts)] == tags
    assert [[t.tag_ for t in d] for d in pickle.loads(pickle.dumps(nlp)).pipe(texts)] == tags
    loaded.replace_listeners("transformer", "tagger", ["model.tok2vec"])
    assert loaded.get_pipe_config("tagger")["model"]["tok2vec"]["@architectures"] == "dlfa_spacy.ScalarMixTransformer.v1"
    assert [[t.tag_ for t in d] for d in loaded.pipe(texts)] == tags
    loaded.to_disk(tmp_path / "replaced")
    assert [[t.tag_ for t in d] for d in spacy.load(tmp_path / "replaced").pipe(texts)] == tags


def test_scalar_mix_needs_the_dlfa_transformer(tiny_bert):
    nlp = make_nlp(tiny_bert, {"tagger": "scalar-mix"}, arch="spacy-transformers.TransformerModel.v3")
    with pytest.raises(ValueError, match="needs the transformer component 'transformer' to use"):
        nlp.initialize(lambda: examples(nlp))


def test_evaluate_names_the_variant_and_the_report_orders_it_last(tiny_bert, tmp_path):
    import json

    from spacy.tokens import Doc, DocBin

    from dlfa_spacy.experiments.evaluate import evaluate_pipeline
    from dlfa_spacy.report import write_report

    nlp, _, _ = initialized(tiny_bert)
    (tmp_path / "test").mkdir()
    DocBin(docs=[Doc(nlp.vocab, words=t.split(), pos=tags) for t, tags in TRAIN]).to_disk(tmp_path / "test" / "de.spacy")
    metrics = evaluate_pipeline(nlp, tmp_path / "test", "pos", output=tmp_path / "pos-scalar.json")
    assert (metrics["layer"], metrics["variant"]) == ("scalar-mix", "scalar-mix")
    # The same variant from DLFA.v1 with layer = "scalar-mix", the sweep's override.
    via_dlfa = make_nlp(tiny_bert, {"tagger": '"scalar-mix"'})
    assert via_dlfa.get_pipe_config("tagger")["model"]["tok2vec"]["layer"] == "scalar-mix"
    assert [n.name for n in via_dlfa.get_pipe("tagger").model.walk()] == [n.name for n in nlp.get_pipe("tagger").model.walk()]
    base = {**json.loads((tmp_path / "pos-scalar.json").read_text()), "layer": None, "variant": "baseline"}
    (tmp_path / "pos-baseline.json").write_text(json.dumps(base))
    text = write_report([tmp_path / "pos-scalar.json", tmp_path / "pos-baseline.json"], tmp_path / "report").read_text()
    assert "| Language | baseline | scalar-mix | scalar-mix − baseline |" in text
