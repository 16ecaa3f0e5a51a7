"""What a task is: its facts (data, component, metric, the paper's numbers) and its behaviour (scoring).

Nothing here imports spaCy: a task's scorers read docs by duck typing, and its reader
is named as "module:function" and imported only by the converter that runs it, so that
the task table stays light for the report and the command line.
"""
import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Callable, Dict, Iterable, List, Optional, Sequence, Set, Tuple, Union

from ..results import AUTO, PER_EXAMPLE_KEY

if TYPE_CHECKING:
    from spacy.tokens import Doc

# What a task predicts.
TOKENS = "tokens"  # a label per token (NER, POS): long sentences run as XTREME's segments
CLASSIFICATION = "classification"  # one exclusive category per sentence pair (textcat)
REGRESSION = "regression"  # one similarity score per sentence pair (STS)


@dataclass(frozen=True)
class Layout:
    """Where one task's files sit inside its distribution (glob patterns, searched recursively)."""

    train: str
    dev: str
    test: str  # "{lang}" is replaced by the language code
    dev_lang: Optional[str] = None  # files holding all languages need one picked
    test_lang: bool = False
    many: bool = False  # each pattern may match several files, merged in path order (UD treebanks)
    pair_test: Optional[str] = None  # the test file of a pair set "l1-l2" ("{lang}" is the pair)


# score(gold_docs, pred_docs, labels, temperature, lang) -> (metrics, per-example data)
Scorer = Callable[..., Tuple[Dict[str, Any], List[Any]]]
# check_gold(component, model_labels, lang, gold_docs): ValueError naming the test set unless they fit
GoldCheck = Callable[[str, Sequence[str], str, Sequence["Doc"]], None]


@dataclass(frozen=True)
class Task:
    """One benchmark task: its data, its spaCy component, its metric, the paper's result and how it is scored."""

    name: str  # key used on the command line and in file names
    title: str  # column title in reports
    kind: str  # TOKENS, CLASSIFICATION or REGRESSION
    format: str  # the name of its data format (`convert FORMAT`)
    reader: str  # "module:function" of the corpora reader of that format
    component: str  # the pipeline component that predicts it
    labels: Tuple[str, ...]
    metric: str  # the headline key in evaluate's per-language metrics
    metric_name: str  # what the headline number is, in words
    paper_layer: Optional[int]  # the paper's best fusion layer k for mBERT (None: not in the paper)
    paper_baseline: Optional[float]  # the paper's mBERT baseline, in %
    paper_dlfa: Optional[float]  # the paper's DLFA score at paper_layer, in %
    epochs: int  # XTREME's training epochs
    languages: Tuple[str, ...]  # XTREME's test languages
    layout: Layout  # where `prepare` finds its files in the distribution
    label_kind: str  # what `convert` counts in its summary ("entities", "UPOS", ...)
    summary_labels: Callable[["Doc"], List[str]]  # the labels of one converted doc, for that summary
    check_gold: GoldCheck
    scorer: Scorer
    sources: str  # the project's asset files of its data, space-separated (project.yml)
    demo_layer: Union[int, str]  # the fusion layer of the offline demo's tiny encoder
    demo_langs: str  # the demo's test languages, comma-separated
    # Test sets of sentence pairs named "l1-l2" (STS 2017), scored apart from the
    # languages: they are not in the averages, and l1 != l2 makes a pair cross-lingual.
    pair_sets: Tuple[str, ...] = ()
    reader_options: Tuple[str, ...] = ()  # which of convert's reader options its reader takes
    demo_prepare: str = ""  # options the demo's `prepare` adds for the bundled files
    # Whether every language's test set holds the same items in the same order (a translated
    # benchmark), so that the bootstrap resamples the languages together.
    parallel: bool = False
    # Token tasks: a doc as displaCy's manual input ("ent" or "dep" style), so that the report can
    # show test sentences gold beside predicted; None for tasks that label whole pairs.
    display: Optional[Callable[["Doc"], Dict[str, Any]]] = None
    display_style: str = ""

    @property
    def is_classification(self) -> bool:
        """Whether the task classifies whole sentence pairs (textcat) rather than tokens."""
        return self.kind == CLASSIFICATION

    @property
    def is_regression(self) -> bool:
        """Whether the task scores sentence pairs with a number (STS)."""
        return self.kind == REGRESSION

    @property
    def is_token_task(self) -> bool:
        """Whether the task labels tokens (NER, POS), so long sentences run as XTREME's segments."""
        return self.kind == TOKENS

    @property
    def default_layer(self) -> Union[int, str]:
        """The fusion layer the project trains: the paper's k, or "auto" where the paper has none."""
        return AUTO if self.paper_layer is None else self.paper_layer

    def load_reader(self) -> Callable[..., Iterable["Doc"]]:
        """The reader function of the task's format."""
        module, _, function = self.reader.partition(":")
        return getattr(importlib.import_module(module), function)

    def score(self, gold_docs: Sequence["Doc"], pred_docs: Sequence["Doc"], labels: Sequence[str],
              temperature: Optional[float] = None, lang: str = "test set") -> Dict[str, Any]:
        """All metrics of one test set, with "score" (the headline), "n" and "per_example" added."""
        result, per_example = self.scorer(gold_docs, pred_docs, labels, temperature, lang)
        return {"score": result[self.metric], "n": len(gold_docs), **result, PER_EXAMPLE_KEY: per_example}


def langs(text: str) -> Tuple[str, ...]:
    """Language codes from a space-separated list."""
    return tuple(text.split())


def check_label_subset(gold: Set[str], component: str, model_labels: Sequence[str], lang: str) -> None:
    """ValueError naming the test set unless every gold label is a label of the component."""
    model = set(model_labels)
    if not gold <= model:
        raise ValueError(
            f"{lang}: gold labels {sorted(gold - model)} are not labels of {component!r}; "
            f"gold labels {sorted(gold)}, model labels {sorted(model)}"
        )
