"""XTREME's UD POS tokens: multiword tokens kept whole, its `_` sentence filter and form cleaning.

XTREME runs every treebank through `third_party/ud-conversion-tools/conllu_to_conll.py
--replace_subtokens_with_fused_forms` (lib/conll.py) and then `utils_preprocess.py
udpos_preprocess`. The rules are re-implemented here from that source:

* A multiword token `2-3 del` becomes one token with the range's form, tagged with the
  UPOS of its span head: the word of the range with the fewest ancestors in the sentence
  graph. That graph is XTREME's: the basic HEAD edges plus every enhanced DEPS edge whose
  head is a word or 0 (edges from empty nodes such as `8.1` are left out, as its
  `parse_deps` does), and node 0. Ties go to the UPOS that comes first in the language's
  precedence list, then to the leftmost word.
* A sentence is kept iff it has no `_` form or fewer `_` forms than its length minus one.
* U+200C and ASCII spaces are removed from forms.
"""
import re
from pathlib import Path
from typing import Dict, List, Mapping, Optional, Sequence, Set, Tuple

from .lines import input_error, snippet

# conllu_to_conll.py's POSRANKPRECEDENCEDICT. The default list ends with "" because XTREME
# builds it with "... X PUNCT ".split(" "); SYM is in none of the lists.
DEFAULT_PRECEDENCE: Tuple[str, ...] = tuple(
    "VERB NOUN PROPN PRON ADJ NUM ADV INTJ AUX ADP DET PART CCONJ SCONJ X PUNCT ".split(" ")
)
PRECEDENCE: Dict[str, Tuple[str, ...]] = {
    "es": ("VERB", "AUX", "PRON", "ADP", "DET"),
    "fr": ("VERB", "AUX", "PRON", "NOUN", "ADJ", "ADV", "ADP", "DET", "PART", "SCONJ", "CONJ"),
    "it": ("VERB", "AUX", "ADV", "PRON", "ADP", "DET", "INTJ"),
}

# Reasons for stats.skipped: each counts whole sentences.
NO_TEXT = "sentences without text (all or all but one form '_', XTREME's filter)"
# XTREME's `.index()` raises here and its converter writes nothing for the whole file.
UNRANKED = "sentences with a multiword token whose tied span heads have a UPOS missing from XTREME's precedence list"
EMPTY_FORM = "sentences with a form left empty by removing U+200C and spaces"

_UD_FILE_NAME = re.compile(r"([a-z]{2,3})_[^/]*-ud-[a-z]+\.conllu")  # {lang}_{treebank}-ud-{split}.conllu
_WORD_ID = re.compile(r"0|[1-9][0-9]*")
_EMPTY_NODE_HEAD = re.compile(r"[0-9]+\.[0-9]+")


def precedence_for(lang: Optional[str]) -> Tuple[str, ...]:
    """The UPOS precedence list XTREME uses for `lang` (its own list, else the default)."""
    return PRECEDENCE.get(lang or "", DEFAULT_PRECEDENCE)


def ud_file_lang(path: Path) -> Optional[str]:
    """The language a UD file name such as `es_gsd-ud-test.conllu` starts with, or None."""
    match = _UD_FILE_NAME.fullmatch(Path(path).name)
    return match.group(1) if match else None


def _word_index(path: Path, lineno: int, value: str, column: str, count: int) -> int:
    """Parse one head index, which must be 0 (the root) or one of the sentence's words."""
    if not _WORD_ID.fullmatch(value) or int(value) > count:
        raise input_error(path, lineno, f"{column} {snippet(value)}", f"0 or a word ID up to {count}")
    return int(value)


def heads_of(path: Path, lineno: int, head: str, deps: str, count: int) -> Set[int]:
    """A word's heads in XTREME's graph: HEAD plus the DEPS heads that are words or 0."""
    heads = {_word_index(path, lineno, head, "HEAD", count)}
    if deps == "_":
        return heads
    for pair in deps.split("|"):
        dep_head, colon, _ = pair.partition(":")
        if not colon:
            raise input_error(path, lineno, f"DEPS item {snippet(pair)}", "head:relation pairs separated by '|'")
        if not _EMPTY_NODE_HEAD.fullmatch(dep_head):  # heads that are empty nodes have no edge
            heads.add(_word_index(path, lineno, dep_head, "DEPS head", count))
    return heads


def ancestor_count(parents: Mapping[int, Set[int]], node: int) -> int:
    """How many nodes have a path to `node` (networkx's `len(ancestors)`; cycles allowed)."""
    seen: Set[int] = set()
    todo = list(parents.get(node, ()))
    while todo:
        head = todo.pop()
        if head not in seen:
            seen.add(head)
            todo.extend(parents.get(head, ()))
    seen.discard(node)  # a node on a cycle is not its own ancestor
    return len(seen)


def span_head(
    span: Sequence[int], parents: Mapping[int, Set[int]], upos: Mapping[int, str], precedence: Sequence[str]
) -> Optional[int]:
    """XTREME's head of a multiword token's words, or None where XTREME's ranking fails."""
    depths = [ancestor_count(parents, node) for node in span]
    highest = [node for node, depth in zip(span, depths) if depth == min(depths)]
    if len(highest) == 1:
        return highest[0]  # no ranking, so a UPOS outside the list does not matter here
    if any(upos[node] not in precedence for node in highest):
        return None
    # Strictly better ranks only, as XTREME's loop: the leftmost of equal ranks wins.
    return min(highest, key=lambda node: (precedence.index(upos[node]), node))


def xtreme_keeps(forms: List[str]) -> bool:
    """XTREME's sentence filter: no `_` form, or fewer than len - 1 of them."""
    empty = sum(1 for form in forms if form.strip() == "_")
    return empty == 0 or empty < len(forms) - 1


def clean_form(form: str) -> str:
    """XTREME's form: stripped, without U+200C (zero-width non-joiner) and ASCII spaces."""
    return "".join(form.strip().replace("\u200c", "").split(" "))
