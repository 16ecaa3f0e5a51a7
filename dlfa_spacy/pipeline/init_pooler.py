"""`dlfa_spacy.init_pooler.v1`: start XTREME's "bert" sentence-pair head from the encoder's pretrained pooler.

`BertForSequenceClassification` classifies the pooler's output, and the pooler (dense +
tanh on [CLS]) comes pretrained with the encoder. In a spaCy pipeline the head belongs to the
textcat and the encoder to the transformer component, so after `nlp.initialize` this
callback copies the pooler's weights into every head built with head = "bert"
(`layers/sequence_classifier.py`), after making each "auto" head the one XTREME uses with
the encoder. Run it as `[initialize.after_init]`.
"""
from typing import Any, Callable, List

from spacy.language import Language
from spacy.util import registry
from thinc.api import Model

from ..layers.sequence_classifier import HEAD_ATTR

# Encoders whose sequence-classification head in transformers is RobertaClassificationHead.
ROBERTA_FAMILY = ("roberta", "xlm-roberta", "camembert")


@registry.callbacks("dlfa_spacy.init_pooler.v1")
def create_init_pooler() -> Callable[[Language], Language]:
    """The after_init callback that copies the pretrained pooler into the "bert" heads."""
    return init_pooler


def heads(nlp: Language) -> List[Model]:
    """The sentence-pair heads (SequenceClassifier.v1) of every component."""
    return [node for _, pipe in nlp.components if hasattr(pipe, "model") and hasattr(pipe.model, "walk")
            for node in pipe.model.walk() if HEAD_ATTR in node.attrs]


def encoder_of(nlp: Language) -> Model:
    """The transformer component's model; ValueError unless the pipeline has exactly one."""
    names = [n for n in nlp.pipe_names if nlp.get_pipe_meta(n).factory == "transformer"]
    if len(names) != 1:
        raise ValueError(f"init_pooler: expected one transformer component, found {names or 'none'}")
    return nlp.get_pipe(names[0]).model


def xtreme_head(hf: Any) -> str:
    """The head XTREME uses with this encoder: "bert" with a pretrained pooler outside the RoBERTa family."""
    model_type = getattr(getattr(hf, "config", None), "model_type", None)
    pooler = getattr(hf, "pooler", None)
    return "bert" if model_type not in ROBERTA_FAMILY and pooler is not None and hasattr(pooler, "dense") else "roberta"


def init_pooler(nlp: Language) -> Language:
    """Make each "auto" head "bert" or "roberta", and copy the encoder's pooler into each "bert" head."""
    found = heads(nlp)
    if not found:
        return nlp
    trf = encoder_of(nlp)
    for head in found:
        kind = head.attrs[HEAD_ATTR]
        if kind == "auto":
            kind = xtreme_head(trf.transformer)
            # The "bert" head has no dropout before the pooler.
            head.get_ref("input_dropout").attrs["enabled"] = kind == "roberta"
            head.attrs[HEAD_ATTR] = kind
        if kind == "bert":
            copy_pooler(trf, head)
    return nlp


def copy_pooler(trf: Model, head: Model) -> None:
    """Copy the encoder's pooler (dense weight and bias) into a "bert" head; ValueError if it has none."""
    tokenizer, hf = trf.tokenizer, trf.transformer
    if getattr(tokenizer, "cls_token", None) is None:
        raise ValueError(f"The head = \"bert\" sentence-pair head reads the [CLS] wordpiece, but the encoder "
                         f"{trf.attrs.get('name')!r} has no cls_token")
    model_type = getattr(getattr(hf, "config", None), "model_type", None)
    if model_type in ROBERTA_FAMILY:
        # XLM-R's checkpoints carry a pooler that pretraining never trained; XTREME uses its own head.
        raise ValueError(f"The encoder {trf.attrs.get('name')!r} is a {model_type}, whose XTREME head is head = "
                         "\"roberta\" (dense + tanh on <s>, no pretrained pooler); set "
                         "--components.textcat.model.head roberta, or auto")
    pooler = getattr(hf, "pooler", None)
    if pooler is None or not hasattr(pooler, "dense"):
        raise ValueError(f"The head = \"bert\" sentence-pair head starts from the encoder's pretrained pooler, but "
                         f"{trf.attrs.get('name')!r} ({type(hf).__name__}) has none; use head = \"roberta\" or auto")
    weight = pooler.dense.weight.detach().cpu().numpy()
    bias = pooler.dense.bias.detach().cpu().numpy()
    dense = head.get_ref("dense")
    if dense.get_dim("nO") != weight.shape[0] or dense.get_dim("nI") != weight.shape[1]:
        raise ValueError(f"init_pooler: the head's dense layer is {dense.get_dim('nO')} x {dense.get_dim('nI')}, "
                         f"the encoder's pooler {weight.shape[0]} x {weight.shape[1]}")
    dense.set_param("W", dense.ops.asarray2f(weight))
    dense.set_param("b", dense.ops.asarray1f(bias))
