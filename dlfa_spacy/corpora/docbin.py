"""A DocBin that stores each doc's language cheaply."""
from functools import lru_cache

import srsly
from spacy.tokens import Doc, DocBin

from .lines import LANG_KEY


@lru_cache(maxsize=None)
def _packed_lang(lang: str) -> bytes:
    """The msgpack bytes DocBin stores for the user data {"lang": lang}."""
    return srsly.msgpack_dumps({LANG_KEY: lang})


class LangDocBin(DocBin):
    """A DocBin storing user data that holds at most the language, packed once per language."""

    # DocBin packs each doc's user data with a new srsly packer, which looks up
    # msgpack extensions among the installed entry points every time: about 1 ms
    # per doc, minutes for MultiNLI. Docs without a language store None, which
    # DocBin.get_docs reads back as empty user data without unpacking anything.

    def __init__(self) -> None:
        super().__init__(store_user_data=True)

    def add(self, doc: Doc) -> None:
        """Add a doc whose user data is empty or only {"lang": ...}."""
        if set(doc.user_data) - {LANG_KEY}:
            raise ValueError(f"expected user data with at most {LANG_KEY!r}, found {list(doc.user_data)}")
        self.store_user_data = False
        super().add(doc)
        self.store_user_data = True
        lang = doc.user_data.get(LANG_KEY)
        self.user_data.append(_packed_lang(lang) if lang else None)
