"""Which lower layers did `layer = "auto"` choose: the learned mix weights of a pipeline's components."""
from typing import Dict

from spacy.language import Language

from .layers.fusion import MIX_PARAM, mix_weights


def layer_weights(nlp: Language) -> Dict[str, Dict[int, float]]:
    """{component: {layer: weight}} for every component whose DLFA.v1 has layer = "auto" (weights sum to 1)."""
    weights: Dict[str, Dict[int, float]] = {}
    for name, component in nlp.components:
        model = getattr(component, "model", None)
        if model is None or not hasattr(model, "walk"):
            continue
        for node in model.walk():
            if node.name == "aif-fusion" and node.has_param(MIX_PARAM) and node.has_dim("nC"):
                weights[name] = mix_weights(node)
                break
    return weights
