"""DLFA with AIF fusion for spaCy transformer pipelines.

The architectures (dlfa_spacy.TransformerModel.v1, dlfa_spacy.DLFA.v1) are registered
through entry points, so spaCy finds them without this package importing torch here.
`pair_doc` and `PAIR_SEPARATOR` (from `pairs.py`) load spaCy on first use, so that
reading results (`dlfa_spacy.report`) and `--help` stay light.
"""
from typing import Any

__version__ = "0.1.0"
__all__ = ["pair_doc", "PAIR_SEPARATOR", "__version__"]
_FROM_PAIRS = ("pair_doc", "PAIR_SEPARATOR")


def __getattr__(name: str) -> Any:
    """The names of `pairs.py`, imported when first asked for."""
    if name in _FROM_PAIRS:
        from . import pairs

        return getattr(pairs, name)
    raise AttributeError(f"module 'dlfa_spacy' has no attribute {name!r}")
