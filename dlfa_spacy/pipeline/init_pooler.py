"""`dlfa_spacy.init_pooler.v1`: start XTREME's "bert" sentence-pair head from the encoder's pretrained pooler.

`BertForSequenceClassification` classifies the pooler's output, and the pooler (dense +
tanh on [CLS]) comes pretrained with the encoder. In a spaCy pipeline the head belongs to the
textcat and the encoder to the transformer component, so after `nlp.initialize` this
callback copies the pooler's weights into every head built with head = "bert"
(`layers/sequence_classifier.py`). Run it as `[initialize.after_init]`.
"""
from typing import Callable, List

from spacy.language import Language
from spacy.util import registry
from thinc.api import Model

from ..layers.sequence_classifier import POOLER


@registry.callbacks("dlfa_spacy.init_pooler.v1")
def create_init_pooler() -> Callable[[Language], Language]:
    """The after_init callback that copies the pretrained pooler into the "bert" heads."""
    return init_pooler


def pooler_nodes(nlp: Language) -> List[Model]:
    """The heads' pooler nodes of every component."""
    return [node for _, pipe in nlp.components if hasattr(pipe, "model") and hasattr(pipe.model, "walk")
            for node in pipe.model.walk() if node.name == POOLER]


def encoder_of(nlp: Language) -> Model:
    """The transformer component's model; ValueError unless the pipeline has exactly one."""
    names = [n for n in nlp.pipe_names if nlp.get_pipe_meta(n).factory == "transformer"]
    if len(names) != 1:
        raise ValueError(f"init_pooler: expected one transformer component, found {names or 'none'}")
    return nlp.get_pipe(names[0]).model


def init_pooler(nlp: Language) -> Language:
    """Copy the encoder's pooler (dense weight and bias) into each "bert" head; ValueError if it has none."""
    nodes = pooler_nodes(nlp)
    if not nodes:
        return nlp
    trf = encoder_of(nlp)
    tokenizer, hf = trf.tokenizer, trf.transformer
    if getattr(tokenizer, "cls_token", None) is None:
        raise ValueError(f"The head = \"bert\" sentence-pair head reads the [CLS] wordpiece, but the encoder "
                         f"{trf.attrs.get('name')!r} has no cls_token")
    pooler = getattr(hf, "pooler", None)
    if pooler is None or not hasattr(pooler, "dense"):
        raise ValueError(f"The head = \"bert\" sentence-pair head starts from the encoder's pretrained pooler, but "
                         f"{trf.attrs.get('name')!r} ({type(hf).__name__}) has none; use head = \"roberta\"")
    weight = pooler.dense.weight.detach().cpu().numpy()
    bias = pooler.dense.bias.detach().cpu().numpy()
    for node in nodes:
        dense = node.layers[0]
        if dense.get_dim("nO") != weight.shape[0] or dense.get_dim("nI") != weight.shape[1]:
            raise ValueError(f"init_pooler: the head's dense layer is {dense.get_dim('nO')} x {dense.get_dim('nI')}, "
                             f"the encoder's pooler {weight.shape[0]} x {weight.shape[1]}")
        dense.set_param("W", dense.ops.asarray2f(weight))
        dense.set_param("b", dense.ops.asarray1f(bias))
    return nlp
