"""A DLFA pipeline works in every spaCy workflow a stock spacy-transformers pipeline works in."""
import json
import os
import pickle
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import spacy
from helpers import make_nlp
from spacy.training import Example
from thinc.api import fix_random_seed

from dlfa_spacy import pair_doc

TRAIN = [
    ("Anna lives in Berlin .", [(0, 4, "PER"), (14, 20, "LOC")], ["PROPN", "VERB", "ADP", "PROPN", "PUNCT"]),
    ("Peter visited Paris with Lucy .", [(0, 5, "PER"), (14, 19, "LOC"), (25, 29, "PER")],
     ["PROPN", "VERB", "PROPN", "ADP", "PROPN", "PUNCT"]),
    ("Maria works at Siemens in Hamburg .", [(0, 5, "PER"), (15, 22, "ORG"), (26, 33, "LOC")],
     ["PROPN", "VERB", "ADP", "PROPN", "ADP", "PROPN", "PUNCT"]),
]
TEXTS = [t for t, _, _ in TRAIN] + ["Lucy works in Madrid .", "Nobody lives in the old house ."]


def annotations(nlp, texts=TEXTS):
    """What the pipeline predicts: entities and tags of each text."""
    return [([(e.text, e.label_) for e in d.ents], [t.tag_ for t in d]) for d in nlp.pipe(texts)]


@pytest.fixture(scope="module")
def trained_dir(tiny_bert, tmp_path_factory) -> Path:
    """transformer + DLFA ner (layer 2) + DLFA tagger (layer 3), trained a little, on disk."""
    # Seeded: the tests before this one in a session leave the global RNGs anywhere.
    fix_random_seed(0)
    nlp = make_nlp(tiny_bert, {"ner": 2, "tagger": 3})
    egs = [Example.from_dict(nlp.make_doc(t), {"entities": e, "tags": g}) for t, e, g in TRAIN]
    optimizer = nlp.initialize(lambda: egs)
    for _ in range(15):
        nlp.update(egs, sgd=optimizer)
    path = tmp_path_factory.mktemp("workflows") / "model"
    nlp.to_disk(path)
    return path


@pytest.fixture
def nlp(trained_dir):
    return spacy.load(trained_dir)


def test_the_trained_pipeline_predicts_something(nlp):
    found = annotations(nlp)
    assert any(ents for ents, _ in found) and all(all(tags) for _, tags in found)


def test_pickle_round_trip(nlp):
    restored = pickle.loads(pickle.dumps(nlp))
    assert annotations(restored) == annotations(nlp)
    assert restored.get_pipe("transformer").model.attrs["fusion_layers"] == [2, 3]


def run_python(code: str, cwd: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1")
    return subprocess.run([sys.executable, "-c", textwrap.dedent(code)], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=600)


@pytest.mark.slow
def test_multiprocessing_under_spawn(nlp, trained_dir, tmp_path):
    code = f"""
        import json, multiprocessing, spacy
        if __name__ == "__main__":
            multiprocessing.set_start_method("spawn", force=True)
            nlp = spacy.load({str(trained_dir)!r})
            docs = nlp.pipe({TEXTS!r}, n_process=2, batch_size=2)
            print(json.dumps([([(e.text, e.label_) for e in d.ents], [t.tag_ for t in d]) for d in docs]))
    """
    script = tmp_path / "spawn_pipe.py"
    script.write_text(textwrap.dedent(code), encoding="utf8")
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=600,
                            env=dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1"))
    assert result.returncode == 0, result.stderr[-3000:]
    found = json.loads(result.stdout.strip().splitlines()[-1])
    assert [(list(map(tuple, ents)), tags) for ents, tags in found] == annotations(nlp)


def test_replace_listeners_then_save_and_load(nlp, tmp_path):
    before = annotations(nlp)
    nlp.replace_listeners("transformer", "ner", ["model.tok2vec"])
    tok2vec = nlp.get_pipe_config("ner")["model"]["tok2vec"]
    assert tok2vec["@architectures"] == "dlfa_spacy.Tok2VecTransformer.v1"
    assert tok2vec["layer"] == 2 and "upstream" not in tok2vec
    # The shared transformer now keeps only the tagger's layer; the inline copy keeps the ner's.
    assert nlp.get_pipe("transformer").model.attrs["fusion_layers"] == [3]
    assert annotations(nlp) == before
    nlp.to_disk(tmp_path / "replaced")
    loaded = spacy.load(tmp_path / "replaced")
    assert annotations(loaded) == before
    # The ner alone, without the transformer component, still predicts the same.
    with loaded.select_pipes(disable=["transformer", "tagger"]):
        assert [a for a, _ in annotations(loaded)] == [a for a, _ in before]


def test_replace_listeners_of_both_components(nlp, tmp_path):
    before = annotations(nlp)
    nlp.replace_listeners("transformer", "ner", ["model.tok2vec"])
    nlp.replace_listeners("transformer", "tagger", ["model.tok2vec"])
    assert nlp.get_pipe("transformer").model.attrs["fusion_layers"] == []
    nlp.remove_pipe("transformer")
    nlp.to_disk(tmp_path / "inline")
    assert annotations(spacy.load(tmp_path / "inline")) == before


def test_spacy_assemble_with_a_sourced_frozen_component(nlp, trained_dir, tmp_path):
    config = f"""
        [paths]
        source = "{trained_dir}"
        [nlp]
        lang = "xx"
        pipeline = ["ner"]
        [components]
        [components.ner]
        source = ${{paths.source}}
        replace_listeners = ["model.tok2vec"]
        [training]
        frozen_components = ["ner"]
    """
    (tmp_path / "assemble.cfg").write_text(textwrap.dedent(config), encoding="utf8")
    result = subprocess.run([sys.executable, "-m", "spacy", "assemble", str(tmp_path / "assemble.cfg"),
                             str(tmp_path / "assembled")], capture_output=True, text=True, timeout=600,
                            env=dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1"))
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assembled = spacy.load(tmp_path / "assembled")
    assert assembled.pipe_names == ["ner"]
    assert [a for a, _ in annotations(assembled)] == [a for a, _ in annotations(nlp)]


def test_running_a_dlfa_component_again_says_why_it_cannot(nlp):
    doc = nlp("Anna lives in Berlin .")
    with pytest.raises(ValueError, match=r"Layer 2 is no longer in this doc's doc\._\.trf_data: the pipeline "
                                         r"dropped it.*nlp\.get_pipe\(\"transformer\"\)\(doc\)"):
        nlp.get_pipe("ner")(doc)
    # Doing what the message says works.
    again = nlp.get_pipe("ner")(nlp.get_pipe("transformer")(doc))
    assert [(e.text, e.label_) for e in again.ents] == [(e.text, e.label_) for e in nlp(doc.text).ents]


def test_tokenizer_without_model_max_length(tiny_bert, tmp_path):
    # A local tokenizer saved without model_max_length reports 1e30.
    local = tmp_path / "no-max"
    local.mkdir()
    for item in tiny_bert.iterdir():
        (local / item.name).write_bytes(item.read_bytes())
    cfg = json.loads((local / "tokenizer_config.json").read_text(encoding="utf8"))
    cfg.pop("model_max_length", None)
    (local / "tokenizer_config.json").write_text(json.dumps(cfg), encoding="utf8")
    nlp = make_nlp(local, {"textcat": 1})
    nlp.get_pipe("textcat").add_label("A")
    nlp.get_pipe("textcat").add_label("B")
    nlp.initialize()
    tokenizer = nlp.get_pipe("transformer").model.tokenizer
    assert tokenizer.model_max_length > 1e29
    long_text = " ".join(["Anna lives in Berlin ."] * 150)  # far over the 512 positions
    pair = nlp(pair_doc(nlp, long_text, "Anna lives in Berlin ."))
    single = nlp(long_text)
    for doc in (pair, single):
        wp = doc._.trf_data.wordpieces
        assert max(wp.lengths) <= 512 and set(doc.cats) == {"A", "B"}
    expected = tokenizer(long_text, "Anna lives in Berlin .", truncation="longest_first", max_length=512)
    assert pair._.trf_data.wordpieces.input_ids[0][: pair._.trf_data.wordpieces.lengths[0]].tolist() == expected["input_ids"]


def test_loading_through_entry_points_only(nlp, trained_dir, tmp_path):
    # spacy.load finds dlfa_spacy's architectures through entry points; the listener link
    # (installed when dlfa_spacy.layers is imported) is then in place before spaCy links
    # the listeners, so the transformer keeps the fused layers.
    code = f"""
        import json, sys, spacy
        assert "dlfa_spacy" not in sys.modules
        nlp = spacy.load({str(trained_dir)!r})
        print(json.dumps({{"layers": nlp.get_pipe("transformer").model.attrs["fusion_layers"],
                          "found": [([(e.text, e.label_) for e in d.ents], [t.tag_ for t in d])
                                    for d in nlp.pipe({TEXTS!r})]}}))
    """
    result = run_python(code, tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    out = json.loads(result.stdout.strip().splitlines()[-1])
    assert out["layers"] == [2, 3]
    assert [(list(map(tuple, ents)), tags) for ents, tags in out["found"]] == annotations(nlp)
