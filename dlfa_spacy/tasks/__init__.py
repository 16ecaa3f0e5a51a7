"""The task table: every task of the project, one module each, in the paper's column order.

A task module (`ner.py`, `pos.py`, `xnli.py`, `pawsx.py`, `sts.py`) holds all that is
particular to its benchmark: the paper's numbers, XTREME's epochs and test languages, its
data format, reader and corpus layout, its component and headline metric, and how a test
set is checked and scored (`base.Task`). Code elsewhere asks the table, never the task
name. Nothing here imports spaCy, so that the report and the command line stay light.
"""
from typing import Dict, Optional

from . import ner, pawsx, pos, sts, xnli
from .base import CLASSIFICATION, REGRESSION, TOKENS, Layout, Task

WIKIANN_LABELS = ner.LABELS
UPOS_TAGS = pos.LABELS
XNLI_LABELS = xnli.LABELS
PAWSX_LABELS = pawsx.LABELS
STS2017_SETS = sts.STS2017_SETS
STS2017_EXTENDED_SETS = sts.STS2017_EXTENDED_SETS

# In the paper's column order, this project's STS last.
TASKS: Dict[str, Task] = {module.TASK.name: module.TASK for module in (xnli, pawsx, ner, pos, sts)}
TASK_NAMES = tuple(TASKS)
FORMATS = tuple(task.format for task in TASKS.values())

__all__ = [
    "CLASSIFICATION", "FORMATS", "LANGUAGE_FAMILIES", "Layout", "PAWSX_LABELS", "REGRESSION", "STS2017_EXTENDED_SETS",
    "STS2017_SETS", "TASKS", "TASK_NAMES", "TOKENS", "Task", "UPOS_TAGS", "WIKIANN_LABELS", "XNLI_LABELS",
    "get_task", "is_cross_lingual", "is_pair_set", "language_family", "task_of_format",
]

# The family of every test language of TASKS, for grouping languages in reports. The
# labels are Glottolog's top-level families (family level, not genus), except that
# Indo-European and Afro-Asiatic, with many languages here, are split at their usual
# branches (Germanic, Romance, Slavic, Indo-Aryan, Iranian, Greek; Semitic). Glottolog
# names Swahili's and Yoruba's family Atlantic-Congo (WALS: Niger-Congo); Basque is an isolate.
LANGUAGE_FAMILIES: Dict[str, str] = {
    "af": "Germanic", "de": "Germanic", "en": "Germanic", "nl": "Germanic",
    "es": "Romance", "fr": "Romance", "it": "Romance", "pt": "Romance",
    "bg": "Slavic", "pl": "Slavic", "ru": "Slavic",
    "bn": "Indo-Aryan", "hi": "Indo-Aryan", "mr": "Indo-Aryan", "ur": "Indo-Aryan",
    "fa": "Iranian",
    "el": "Greek",
    "ar": "Semitic", "he": "Semitic",
    "kk": "Turkic", "tr": "Turkic",
    "et": "Uralic", "fi": "Uralic", "hu": "Uralic",
    "my": "Sino-Tibetan", "zh": "Sino-Tibetan",
    "ja": "Japonic",
    "ko": "Koreanic",
    "ml": "Dravidian", "ta": "Dravidian", "te": "Dravidian",
    "id": "Austronesian", "jv": "Austronesian", "ms": "Austronesian", "tl": "Austronesian",
    "vi": "Austroasiatic",
    "th": "Tai-Kadai",
    "sw": "Atlantic-Congo", "yo": "Atlantic-Congo",
    "eu": "Basque",
    "ka": "Kartvelian",
}


def language_family(lang: str) -> str:
    """The family label of a language code; a ValueError names the code otherwise."""
    try:
        return LANGUAGE_FAMILIES[lang]
    except KeyError:
        raise ValueError(f"language {lang!r} is not in the language family table (tasks.LANGUAGE_FAMILIES)") from None


def get_task(name: str) -> Task:
    """The task called `name`; a ValueError lists the known ones otherwise."""
    try:
        return TASKS[name]
    except KeyError:
        raise ValueError(f"unknown task {name!r}; expected one of {', '.join(TASK_NAMES)}") from None


def is_pair_set(name: str) -> bool:
    """Whether a test set name is a sentence-pair set "l1-l2" rather than a language code."""
    parts = name.split("-")
    return len(parts) == 2 and all(part.isalpha() and part.islower() for part in parts)


def is_cross_lingual(name: str) -> bool:
    """Whether a pair set "l1-l2" pairs sentences of two different languages."""
    return is_pair_set(name) and len(set(name.split("-"))) == 2


def task_of_format(fmt: str) -> Optional[Task]:
    """The task whose data is in reader format `fmt`, if any."""
    return next((task for task in TASKS.values() if task.format == fmt), None)
