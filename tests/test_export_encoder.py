"""export-encoder: a trained pipeline's encoder as a checkpoint that another task trains from (intermediate tasks)."""
import pytest
import spacy
import torch
from helpers import make_nlp
from spacy.training import Example
from thinc.api import Adam, fix_random_seed
from transformers import AutoModel, AutoTokenizer

from dlfa_spacy.experiments.export_encoder import export_encoder

TRAIN = [("Anna lives in Berlin .", ["PROPN", "VERB", "ADP", "PROPN", "PUNCT"]),
         ("Peter visited Paris with Lucy .", ["PROPN", "VERB", "PROPN", "ADP", "PROPN", "PUNCT"])]


def test_the_next_task_starts_from_the_fine_tuned_weights(tiny_bert, tmp_path):
    fix_random_seed(0)
    nlp = make_nlp(tiny_bert, {"tagger": 2})
    egs = [Example.from_dict(nlp.make_doc(t), {"tags": tags}) for t, tags in TRAIN]
    nlp.initialize(lambda: egs)
    optimizer = Adam(0.01)
    for _ in range(5):
        nlp.update(egs, sgd=optimizer)
    nlp.to_disk(tmp_path / "pos")
    out = export_encoder(str(tmp_path / "pos"), tmp_path / "encoder")
    tuned = spacy.load(tmp_path / "pos").get_pipe("transformer").model.transformer.state_dict()
    original = AutoModel.from_pretrained(str(tiny_bert)).state_dict()
    exported = AutoModel.from_pretrained(str(out)).state_dict()
    assert exported.keys() == tuned.keys()
    assert all(torch.equal(exported[k], tuned[k]) for k in tuned)
    assert not all(torch.equal(original[k], tuned[k]) for k in tuned)  # training moved the encoder
    assert AutoTokenizer.from_pretrained(str(out)).tokenize("Anna lives") == \
        AutoTokenizer.from_pretrained(str(tiny_bert)).tokenize("Anna lives")
    # A new pipeline with --encoder.name OUT starts from those weights.
    target = make_nlp(out, {"tagger": 2})
    target.initialize(lambda: [Example.from_dict(target.make_doc(t), {"tags": tags}) for t, tags in TRAIN])
    started = target.get_pipe("transformer").model.transformer.state_dict()
    assert all(torch.equal(started[k], tuned[k]) for k in tuned)


def test_a_pipeline_without_transformer_is_refused(tmp_path):
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    with pytest.raises(ValueError, match=r"The pipeline has no transformer component to export; it has \['sentencizer'\]"):
        export_encoder(nlp, tmp_path / "out")
    assert not (tmp_path / "out").exists()
