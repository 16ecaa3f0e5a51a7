"""The task table: every fact about the five benchmarks that code elsewhere needs, in one place.

The paper's numbers are from its poster Table 1 (mBERT, English training only, XTREME
protocol); the epochs and test languages are XTREME's. STS is this project's fifth task:
the paper and XTREME have no STS, so it has no paper numbers and its settings are ours.
"""
from dataclasses import dataclass
from typing import Dict, Optional, Tuple, Union

WIKIANN_LABELS = ("LOC", "ORG", "PER")
UPOS_TAGS = (
    "ADJ", "ADP", "ADV", "AUX", "CCONJ", "DET", "INTJ", "NOUN", "NUM",
    "PART", "PRON", "PROPN", "PUNCT", "SCONJ", "SYM", "VERB", "X",
)
XNLI_LABELS = ("entailment", "neutral", "contradiction")
PAWSX_LABELS = ("paraphrase", "not_paraphrase")
# STS 2017 (SemEval-2017 task 1) tracks 1-6, without track 4b (its es-en pairs are
# machine-translation output), then the cross-lingual pairs STS2017-extended adds.
STS2017_SETS = ("ar-ar", "ar-en", "es-es", "es-en", "en-en", "tr-en")
STS2017_EXTENDED_SETS = ("en-de", "fr-en", "it-en", "nl-en")


@dataclass(frozen=True)
class Task:
    """One benchmark task: its data, its spaCy component, its metric and the paper's result."""

    name: str  # key used on the command line and in file names
    title: str  # column title in reports
    format: str  # the corpora reader of its data
    component: str  # the pipeline component that predicts it
    labels: Tuple[str, ...]
    metric: str  # the headline key in evaluate's per-language metrics
    metric_name: str  # what the headline number is, in words
    paper_layer: Optional[int]  # the paper's best fusion layer k for mBERT (None: not in the paper)
    paper_baseline: Optional[float]  # the paper's mBERT baseline, in %
    paper_dlfa: Optional[float]  # the paper's DLFA score at paper_layer, in %
    epochs: int  # XTREME's training epochs
    languages: Tuple[str, ...]  # XTREME's test languages
    # Test sets of sentence pairs named "l1-l2" (STS 2017), scored apart from the
    # languages: they are not in the averages, and l1 != l2 makes a pair cross-lingual.
    pair_sets: Tuple[str, ...] = ()

    @property
    def is_classification(self) -> bool:
        """Whether the task classifies whole sentence pairs (textcat) rather than tokens."""
        return self.component == "textcat"

    @property
    def is_regression(self) -> bool:
        """Whether the task scores sentence pairs with a number (STS)."""
        return self.component == "similarity_regressor"

    @property
    def is_token_task(self) -> bool:
        """Whether the task labels tokens (NER, POS), so long sentences run as XTREME's segments."""
        return not (self.is_classification or self.is_regression)

    @property
    def default_layer(self) -> Union[int, str]:
        """The fusion layer the project trains: the paper's k, or "auto" where the paper has none."""
        return "auto" if self.paper_layer is None else self.paper_layer


def _langs(text: str) -> Tuple[str, ...]:
    return tuple(text.split())


# In the paper's column order.
TASKS: Dict[str, Task] = {
    task.name: task
    for task in (
        Task("xnli", "XNLI", "xnli", "textcat", XNLI_LABELS, "accuracy", "accuracy",
             11, 65.40, 66.91, 5, _langs("ar bg de el en es fr hi ru sw th tr ur vi zh")),
        Task("pawsx", "PAWS-X", "pawsx", "textcat", PAWSX_LABELS, "accuracy", "accuracy",
             6, 81.94, 84.37, 5, _langs("de en es fr ja ko zh")),
        Task("ner", "NER", "wikiann", "ner", WIKIANN_LABELS, "f1", "entity F1",
             8, 62.17, 63.34, 10,
             _langs("ar he vi id jv ms tl eu ml ta te af nl en de el bn hi mr ur fa fr it pt es "
                    "bg ru ja ka ko th sw yo my zh kk tr et fi hu")),
        # XTREME scores UD-POS with seqeval's F1 over UPOS strings, not token accuracy
        # (run_tag.py evaluate, evaluate.py METRIC_FUNCTION); see metrics/tagging.py.
        Task("pos", "POS", "ud", "tagger", UPOS_TAGS, "f1", "UPOS F1 (seqeval 0.0.12, as XTREME)",
             10, 70.28, 71.81, 10,
             _langs("af ar bg de el en es et eu fa fi fr he hi hu id it ja kk ko mr nl pt ru ta "
                    "te th tl tr ur vi yo zh")),
        # Not in the paper: trained on English STS Benchmark (stsb-multi-mt's en files),
        # tested on its 10 machine translations and on STS 2017's pairs. 4 epochs is
        # sentence-transformers' STS Benchmark recipe, not an XTREME setting.
        Task("sts", "STS", "sts", "similarity_regressor", (), "spearman", "Spearman correlation",
             None, None, None, 4, _langs("de en es fr it ja nl pl pt ru zh"),
             pair_sets=STS2017_SETS + STS2017_EXTENDED_SETS),
    )
}
TASK_NAMES = tuple(TASKS)

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
