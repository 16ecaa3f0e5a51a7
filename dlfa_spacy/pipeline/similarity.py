"""The Doc extension that holds a sentence pair's similarity score: the gold score on gold docs (0-5), the predicted one after the similarity component has run."""
from spacy.tokens import Doc

from ..tasks.sts import STS_SCORE


def register_extension() -> None:
    """Register `Doc._.sts_score` (default None) unless it is registered already."""
    if not Doc.has_extension(STS_SCORE):
        Doc.set_extension(STS_SCORE, default=None)
