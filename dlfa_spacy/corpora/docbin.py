"""A DocBin that stores each doc's language (and STS gold score, and test item id) cheaply."""
from functools import lru_cache
from typing import Optional

import srsly
from spacy.tokens import Doc, DocBin
from srsly import msgpack

from ..tasks.sts import STS_SCORE
from .lines import ITEM_KEY, LANG_KEY

# Where spaCy's Underscore keeps the value of Doc._.sts_score in doc.user_data.
SCORE_KEY = ("._.", STS_SCORE, None, None)


# typed: a score 5 and a score 5.0 are equal as cache keys but not as stored values.
@lru_cache(maxsize=None, typed=True)
def _packed_user_data(lang: Optional[str], score: Optional[float]) -> Optional[bytes]:
    """The msgpack bytes DocBin stores for the user data {"lang": lang, SCORE_KEY: score}, or None if empty."""
    data = {}
    if lang:
        data[LANG_KEY] = lang
    if score is not None:
        data[SCORE_KEY] = score
    return srsly.msgpack_dumps(data) if data else None


class LangDocBin(DocBin):
    """A DocBin storing user data that holds at most the language, an STS score and an item id."""

    # DocBin packs each doc's user data with a new srsly packer, which looks up
    # msgpack extensions among the installed entry points every time: about 1 ms
    # per doc, minutes for MultiNLI. Docs without a language store None, which
    # DocBin.get_docs reads back as empty user data without unpacking anything.
    # STS gold scores are averages of a few 0-5 ratings and take few distinct
    # values, so packing once per (language, score) keeps that saving. An item id is
    # distinct per doc: such docs are packed with msgpack itself (the same bytes).

    def __init__(self) -> None:
        super().__init__(store_user_data=True)

    def add(self, doc: Doc) -> None:
        """Add a doc whose user data holds at most {"lang": ..., "item": ...} and Doc._.sts_score."""
        if set(doc.user_data) - {LANG_KEY, SCORE_KEY, ITEM_KEY}:
            raise ValueError(
                f"expected user data with at most {LANG_KEY!r}, {ITEM_KEY!r} and Doc._.{STS_SCORE}, "
                f"found {list(doc.user_data)}"
            )
        self.store_user_data = False
        super().add(doc)
        self.store_user_data = True
        if ITEM_KEY in doc.user_data:
            self.user_data.append(msgpack.packb(dict(doc.user_data), use_bin_type=True))
        else:
            self.user_data.append(_packed_user_data(doc.user_data.get(LANG_KEY), doc.user_data.get(SCORE_KEY)))

    @property
    def has_user_data(self) -> bool:
        """Whether any doc added so far has user data worth storing."""
        return any(data is not None for data in self.user_data)
