"""GPU-correct array handling, proven on the CPU, and mixed precision's gradient scaling.

On a GPU, thinc's arrays are CuPy arrays, which refuse implicit conversion to numpy
(`numpy.asarray(cupy_array)` raises by design). The model layers must therefore only go
through `ops` (ops.xp, ops.alloc, ops.to_numpy) and device-aware torch conversions. Here
`StrictOps` gives the layers an `xp` that is not the numpy module, and every numpy call
made directly from `dlfa_spacy.layers` raises as CuPy would, through initialize,
update and predict, with DLFA and with pair docs.
"""
import linecache
import sys
import types
from typing import Any, Callable, Iterator

import numpy
import pytest
import spacy
import torch
from helpers import make_nlp, transformer_block

from dlfa_spacy.mix_weights import layer_weights
from spacy.training import Example
from thinc.api import NumpyOps, fix_random_seed, get_current_ops, set_current_ops
from thinc.shims.pytorch_grad_scaler import PyTorchGradScaler

from dlfa_spacy import pair_doc

GUARDED = ("asarray", "asanyarray", "array", "ascontiguousarray", "zeros", "empty", "full", "ones",
           "concatenate", "stack")
MODEL_CODE = "dlfa_spacy.layers"
TRAIN = [("Anna lives in Berlin .", [(0, 4, "PER"), (14, 20, "LOC")]),
         ("Maria works at Siemens in Hamburg .", [(0, 5, "PER"), (15, 22, "ORG"), (26, 33, "LOC")])]
PAIRS = [("Anna lives in Berlin.", "Anna lives in Germany."), ("Peter visited Paris.", "Nobody lives here.")]


def _through_ops(fn: Callable) -> Callable:
    def call(*args: Any, **kwargs: Any) -> Any:
        return fn(*args, **kwargs)

    return call


class _DeviceXP(types.ModuleType):
    """ops.xp of StrictOps: numpy's functions, reached through ops as CuPy's would be."""

    def __getattr__(self, name: str) -> Any:
        value = getattr(numpy, name)
        return _through_ops(value) if callable(value) and not isinstance(value, type) else value


class StrictOps(NumpyOps):
    """NumpyOps whose xp is not the numpy module, so direct numpy use can be told apart."""

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self.xp = _DeviceXP("strict_xp")


def _refuse(name: str, fn: Callable) -> Callable:
    def guarded(*args: Any, **kwargs: Any) -> Any:
        frame = sys._getframe(1)
        caller = frame.f_globals.get("__name__", "")
        # Compiled code (spacy-transformers' align.pyx) has no frame of its own, so the
        # line itself must show the direct call.
        line = linecache.getline(frame.f_code.co_filename, frame.f_lineno)
        if caller.startswith(MODEL_CODE) and f".{name}(" in line and ".xp." not in line:
            raise TypeError(
                f"{caller} called numpy.{name} directly: on a GPU its input is a CuPy array, "
                "and CuPy raises 'Implicit conversion to a NumPy array is not allowed'. "
                "Use model.ops (xp, alloc, asarray, to_numpy) or xp2torch(..., device=...)."
            )
        return fn(*args, **kwargs)

    return guarded


@pytest.fixture
def strict_ops(monkeypatch) -> Iterator[StrictOps]:
    previous = get_current_ops()
    ops = StrictOps()
    set_current_ops(ops)
    for name in GUARDED:
        monkeypatch.setattr(numpy, name, _refuse(name, getattr(numpy, name)))
    yield ops
    set_current_ops(previous)


def test_the_guard_catches_direct_numpy_calls_from_model_code(strict_ops, tmp_path):
    # The guard itself: a direct numpy call made from a dlfa_spacy.layers module raises,
    # the same call through ops does not.
    import importlib.util

    path = tmp_path / "example.py"
    path.write_text("import numpy\n\ndef direct(x):\n    return numpy.asarray(x)\n\n"
                    "def via_ops(ops, x):\n    return ops.xp.asarray(x)\n", encoding="utf8")
    spec = importlib.util.spec_from_file_location(f"{MODEL_CODE}._guard_example", path)
    example = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(example)
    with pytest.raises(TypeError, match="Implicit conversion to a NumPy array is not allowed"):
        example.direct(numpy.ones(2))
    assert example.via_ops(strict_ops, numpy.ones(2)).tolist() == [1.0, 1.0]


def _ner_examples(nlp):
    return [Example.from_dict(nlp.make_doc(t), {"entities": e}) for t, e in TRAIN]


def _pair_examples(nlp):
    return [Example.from_dict(pair_doc(nlp, p, h), {"cats": {"yes": float(i), "no": float(1 - i)}})
            for i, (p, h) in enumerate(PAIRS)]


def test_initialize_update_predict_never_convert_implicitly(strict_ops, tiny_bert):
    # textcat learns a mix of every lower layer (layer = "auto"), ner fuses layer 2.
    nlp = make_nlp(tiny_bert, {"ner": 2, "textcat": '"auto"'})
    ner_egs, pair_egs = _ner_examples(nlp), _pair_examples(nlp)
    for eg in pair_egs:
        eg.reference.ents = []
    for eg in ner_egs:
        eg.reference.cats = {"yes": 0.0, "no": 1.0}
    egs = ner_egs + pair_egs
    # initialize feeds the listeners TransformerData.zeros(xp=ops.xp) before the encoder ran.
    optimizer = nlp.initialize(lambda: egs)
    assert isinstance(nlp.get_pipe("transformer").model.ops, StrictOps)
    losses = {}
    for _ in range(2):
        nlp.update(egs, sgd=optimizer, losses=losses)
    assert set(losses) == {"transformer", "ner", "textcat"}
    assert sorted(layer_weights(nlp)["textcat"]) == [1, 2, 3]
    docs = list(nlp.pipe([t for t, _ in TRAIN] + [pair_doc(nlp, p, h) for p, h in PAIRS]))
    assert all(set(doc.cats) == {"yes", "no"} for doc in docs)
    # With the transformer disabled the listeners read no trf_data and the fusion runs
    # on zeros made with ops.xp: the same path as initialize, at prediction time.
    with nlp.select_pipes(disable=["transformer"]):
        doc = nlp("Anna lives in Berlin .")
    assert len(doc) == 5


def test_scalar_mix_never_converts_implicitly(strict_ops, tiny_bert):
    nlp = make_nlp(tiny_bert, {"ner": "scalar-mix"})
    egs = _ner_examples(nlp)
    optimizer = nlp.initialize(lambda: egs)
    losses = {}
    for _ in range(2):
        nlp.update(egs, sgd=optimizer, losses=losses)
    assert set(losses) == {"transformer", "ner"}
    assert [len(doc) for doc in nlp.pipe([t for t, _ in TRAIN])] == [len(t.split()) for t, _ in TRAIN]


class CPUGradScaler(PyTorchGradScaler):
    """thinc's gradient scaler with its CUDA-only check lifted, to run its real code on the CPU."""

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self.scaled_counts = []

    def scale(self, tensors, inplace=False):
        self.scaled_counts.append(len(tensors))
        return super().scale(tensors, inplace=inplace)

    def _scale_tensor(self, tensor, scale_per_device, inplace):
        scale = self._scale.to(tensor.device)
        return tensor.mul_(scale) if inplace else tensor * scale


def _layer0_grad_with_scaler(model_path, scaler):
    fix_random_seed(0)
    text = transformer_block(model_path).replace('tokenizer_config = {"use_fast": true}',
                                                 'tokenizer_config = {"use_fast": true}\nmixed_precision = true')
    config = ('[nlp]\nlang = "xx"\npipeline = ["transformer","tagger"]\n[components]\n' + text +
              '[components.tagger]\nfactory = "tagger"\n[components.tagger.model]\n'
              '@architectures = "spacy.Tagger.v2"\n[components.tagger.model.tok2vec]\n'
              '@architectures = "dlfa_spacy.DLFA.v1"\nlayer = 2\n')
    from thinc.api import Config

    nlp = spacy.util.load_model_from_config(Config().from_str(config), auto_fill=True, validate=True)
    egs = [Example.from_dict(nlp.make_doc(t), {"tags": ["A", "B", "A", "B", "A", "B", "A"][: len(t.split())]})
           for t, _ in TRAIN]
    optimizer = nlp.initialize(lambda: egs)
    transformer = nlp.get_pipe("transformer")
    transformer.model.layers[0].shims[0]._grad_scaler = scaler
    nlp.update(egs, sgd=optimizer)
    scaler.scaled_counts.clear()
    hf = transformer.model.transformer
    # Only the gradient sent straight into layer 2 can reach layer 0 (see test_core).
    with torch.no_grad():
        hf.encoder.layer[-1].output.LayerNorm.weight.zero_()
        hf.encoder.layer[-1].output.LayerNorm.bias.zero_()
    hf.zero_grad()
    nlp.update(egs, sgd=False)
    return hf.encoder.layer[0].attention.self.query.weight.grad.clone()


@pytest.mark.filterwarnings("ignore::UserWarning")  # autocast("cuda") is off without CUDA
def test_mixed_precision_scales_the_lower_layer_gradient_too(tiny_bert):
    plain = _layer0_grad_with_scaler(tiny_bert, CPUGradScaler(enabled=False))
    scaler = CPUGradScaler(enabled=True, init_scale=2.0 ** 12)
    scaled = _layer0_grad_with_scaler(tiny_bert, scaler)
    # One scale call with the last layer's and layer 2's gradients together ...
    assert scaler.scaled_counts == [2]
    assert float(plain.abs().sum()) > 0
    # ... and after unscaling the same gradient as without scaling: a lower-layer
    # gradient that bypassed the scaler would come out 2**12 times too small.
    torch.testing.assert_close(scaled, plain, rtol=1e-4, atol=1e-9)


@pytest.mark.gpu
def test_on_a_real_gpu(tiny_bert):
    """The same flow on CUDA with CupyOps (run with -m gpu on a machine with a GPU)."""
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    from thinc.api import require_gpu

    require_gpu(0)
    try:
        nlp = make_nlp(tiny_bert, {"ner": 2, "textcat": '"auto"'})
        egs = _ner_examples(nlp) + _pair_examples(nlp)
        for eg in egs:
            eg.reference.cats = eg.reference.cats or {"yes": 0.0, "no": 1.0}
        optimizer = nlp.initialize(lambda: egs)
        nlp.update(egs, sgd=optimizer)
        assert len(list(nlp.pipe(["Anna lives in Berlin ."]))) == 1
    finally:
        set_current_ops(NumpyOps())


def _tok2vec_outputs(nlp, texts):
    """Each component's tok2vec output for `texts`, as numpy, after the transformer ran."""
    docs = list(nlp.pipe(texts, disable=[name for name in nlp.pipe_names if name != "transformer"]))
    ops = nlp.get_pipe("transformer").model.ops
    outputs = {}
    for name in ("tagger", "ner", "textcat"):
        tok2vec = nlp.get_pipe(name).model.get_ref("tok2vec")
        found = tok2vec.predict(docs)
        outputs[name] = [ops.to_numpy(array) for array in found] if isinstance(found, list) else ops.to_numpy(found)
    return outputs


@pytest.mark.gpu
def test_a_gpu_predicts_what_the_cpu_predicts(tiny_bert, tmp_path):
    """DLFA k=2, `auto` and the scalar mix, trained and saved on CPU, give the CPU's outputs on CUDA."""
    if not torch.cuda.is_available():
        pytest.skip("no CUDA device")
    from thinc.api import require_gpu

    fix_random_seed(0)
    nlp = make_nlp(tiny_bert, {"tagger": 2, "ner": '"auto"', "textcat": "scalar-mix"})
    egs = []
    for text, entities in TRAIN:
        words = text.split()
        egs.append(Example.from_dict(nlp.make_doc(text), {"entities": entities,
                                                          "tags": ["X" if i % 2 else "Y" for i in range(len(words))],
                                                          "cats": {"yes": float(len(words) > 5),
                                                                   "no": float(len(words) <= 5)}}))
    optimizer = nlp.initialize(lambda: egs)
    for _ in range(5):  # so that the mixes are no longer uniform
        nlp.update(egs, sgd=optimizer)
    texts = [t for t, _ in TRAIN] + ["Peter visited Paris and Rome last year ."]
    on_cpu = _tok2vec_outputs(nlp, texts)
    weights_cpu = layer_weights(nlp)
    cpu_docs = list(nlp.pipe(texts))
    nlp.to_disk(tmp_path / "pipeline")
    require_gpu(0)
    try:
        loaded = spacy.load(tmp_path / "pipeline")
        assert "cuda" in str(next(loaded.get_pipe("transformer").model.transformer.parameters()).device)
        on_gpu = _tok2vec_outputs(loaded, texts)
        for name in on_cpu:
            cpu, gpu = on_cpu[name], on_gpu[name]
            if isinstance(cpu, list):
                assert [a.shape for a in gpu] == [a.shape for a in cpu], name
                for a, b in zip(cpu, gpu):
                    numpy.testing.assert_allclose(b, a, rtol=1e-3, atol=1e-4, err_msg=name)
            else:
                numpy.testing.assert_allclose(gpu, cpu, rtol=1e-3, atol=1e-4, err_msg=name)
        weights_gpu = layer_weights(loaded)
        assert set(weights_gpu) == set(weights_cpu) == {"ner"}
        for layer, weight in weights_cpu["ner"].items():
            assert weights_gpu["ner"][layer] == pytest.approx(weight, abs=1e-6)
        assert max(weights_cpu["ner"].values()) > min(weights_cpu["ner"].values())
        # Whole pipelines too: same tags and entities.
        gpu_docs = list(loaded.pipe(texts))
        assert [[t.tag_ for t in d] for d in gpu_docs] == [[t.tag_ for t in d] for d in cpu_docs]
        assert [[(e.text, e.label_) for e in d.ents] for d in gpu_docs] == [[(e.text, e.label_) for e in d.ents]
                                                                            for d in cpu_docs]
    finally:
        set_current_ops(NumpyOps())
