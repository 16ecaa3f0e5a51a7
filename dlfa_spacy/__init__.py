"""DLFA with AIF fusion for spaCy transformer pipelines.

The architectures (dlfa_spacy.TransformerModel.v1, dlfa_spacy.DLFA.v1) are registered
through entry points, so spaCy finds them without this package importing torch here.
"""
from .pairs import PAIR_SEPARATOR, pair_doc

__version__ = "0.1.0"
__all__ = ["pair_doc", "PAIR_SEPARATOR", "__version__"]
