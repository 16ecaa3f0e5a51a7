"""DLFA with AIF fusion for spaCy transformer pipelines."""
from .pairs import PAIR_SEPARATOR, pair_doc
from . import architectures  # noqa: F401  (registers the architectures)

__version__ = "0.1.0"
__all__ = ["pair_doc", "PAIR_SEPARATOR", "__version__"]
