"""Semantic textual similarity (STS) pairs with a gold score from 0 to 5: stsb-multi-mt, STS 2017, STS Benchmark.

One format, `sts`, reads every STS distribution, as `xnli` reads every NLI one: they
all hold the same thing (two sentences and a score), and the variant is recognised
from the first non-blank line, which no two variants share:

* no tab: stsb-multi-mt (PhilipMay/stsb-multi-mt, `stsb-{lang}-{split}.csv`), headerless
  excel-dialect CSV `sentence1,sentence2,score`; a field holding a comma is in double
  quotes (a record may not span lines, which that data never needs);
* 2 tab-separated fields: an STS 2017 track input (SemEval-2017 task 1,
  `STS.input.track{N}.{l1}-{l2}.txt`), `sentence1<TAB>sentence2`; its scores are in
  `STS.gs.track{N}.{l1}-{l2}.txt`, one per line, line for line: beside it, or in the
  sibling `STS2017.gs` folder (where the two published zips unzip side by side);
* 3 fields: STS2017-extended (sentence-transformers, `STS.{l1}-{l2}.txt`),
  `sentence1<TAB>sentence2<TAB>score`;
* 7 or more fields: the original English STS Benchmark (`sts-{train,dev,test}.csv`),
  `genre filename year id score sentence1 sentence2`, tab-separated without CSV
  quoting (quotes are text); the source fields some lines add after these are ignored.

Each row becomes a pair doc (`pair_doc`) whose `Doc._.sts_score` holds the gold score
as a float; LangDocBin stores it with the language. Language: the `lang` argument, or
else the file name's (`stsb-de-test.csv`: de; `STS.es-es.txt`: es; a cross-lingual
`STS.input.track2.ar-en.txt`: "ar-en", whose texts are tokenized by the multi-language
tokenizer since no spaCy language fits both), or else "en" for the STS Benchmark.
A score that is not a number from 0 to 5, a wrong number of fields, bad CSV quoting
and an STS 2017 gold file with another number of lines than its input are errors.
"""
import csv
import math
import re
from itertools import chain
from pathlib import Path
from typing import Iterable, Iterator, List, Optional, Sequence, Tuple

from spacy.language import Language
from spacy.tokens import Doc

from ..pairs import pair_doc
from ..pipeline.similarity import register_extension
from ..tasks.sts import MAX_SCORE, MIN_SCORE, STS_SCORE
from .lines import Line, ReadStats, blank_nlp, input_error, read_lines, set_lang, snippet, split_fields
from .pair_rows import first_line

ScoreRow = Tuple[str, str, float]  # sentence1, sentence2, gold score


_STSB_NAME = re.compile(r"stsb-([a-z]{2,3})-(?:train|dev|test)\.csv")
# STS 2017 track files (STS.input.track4a.es-en.txt, STS.gs.track4a.es-en.txt) and STS2017-extended (STS.en-de.txt).
_STS17_NAME = re.compile(r"STS\.(?:(?:input|gs)\.track\w+\.)?([a-z]{2,3})-([a-z]{2,3})\.txt")
_INPUT_PREFIX, _GOLD_PREFIX = "STS.input.", "STS.gs."

_CSV_FIELDS = "3 fields: sentence1,sentence2,score (a field holding a comma in double quotes)"
_BENCHMARK_FIELDS = "genre<TAB>filename<TAB>year<TAB>id<TAB>score<TAB>sentence1<TAB>sentence2"


def sts_file_lang(path: Path) -> Optional[str]:
    """The language an STS file name states (`stsb-de-test.csv`: de; `STS.ar-en.txt`: ar-en), or None."""
    name = Path(path).name
    match = _STSB_NAME.fullmatch(name)
    if match:
        return match.group(1)
    match = _STS17_NAME.fullmatch(name)
    if match:
        first, second = match.groups()
        return first if first == second else f"{first}-{second}"
    return None


def parse_score(path: Path, lineno: int, raw: str) -> float:
    """Read a gold similarity score, which must be a number from 0 to 5."""
    text = raw.strip()
    try:
        score = float(text)
    except ValueError:
        score = math.nan
    if not MIN_SCORE <= score <= MAX_SCORE:  # also rejects nan and inf
        expected = f"a similarity score, a number from {MIN_SCORE:g} to {MAX_SCORE:g}"
        raise input_error(path, lineno, f"score {text!r}", expected)
    return score


def _csv_fields(path: Path, lineno: int, text: str) -> List[str]:
    """Split one line of excel-dialect CSV into fields."""
    try:
        # strict: a stray quote is an error rather than silently part of the field.
        return next(csv.reader([text], dialect="excel", strict=True))
    except csv.Error as err:
        if "field larger than field limit" in str(err):
            limit = csv.field_size_limit()
            raise input_error(path, lineno, f"a field longer than {limit} characters in {snippet(text)}",
                              f"fields of a sentence's length, at most {limit} characters each") from None
        raise input_error(path, lineno, f"bad CSV quoting ({err}) in {snippet(text)}", _CSV_FIELDS) from None


def _csv_rows(path: Path, lines: Iterable[Line]) -> Iterator[ScoreRow]:
    """Rows of stsb-multi-mt's headerless `sentence1,sentence2,score` CSV."""
    for lineno, text in lines:
        fields = _csv_fields(path, lineno, text)
        if len(fields) != 3:
            raise input_error(path, lineno, f"{len(fields)} comma-separated field(s) in {snippet(text)}", _CSV_FIELDS)
        yield fields[0], fields[1], parse_score(path, lineno, fields[2])


def _extended_rows(path: Path, lines: Iterable[Line]) -> Iterator[ScoreRow]:
    """Rows of STS2017-extended's `sentence1<TAB>sentence2<TAB>score`."""
    for lineno, text in lines:
        first, second, score = split_fields(path, lineno, text, 3, "sentence1<TAB>sentence2<TAB>score")
        yield first, second, parse_score(path, lineno, score)


def _benchmark_rows(path: Path, lines: Iterable[Line]) -> Iterator[ScoreRow]:
    """Rows of the STS Benchmark's tab-separated files: 7 fields, and maybe source fields after them."""
    for lineno, text in lines:
        fields = text.split("\t")
        if len(fields) < 7:
            found = f"{len(fields)} tab-separated field(s) in {snippet(text)}"
            raise input_error(path, lineno, found, f"at least 7 fields: {_BENCHMARK_FIELDS}")
        yield fields[5], fields[6], parse_score(path, lineno, fields[4])


# The folder of the published gold zip (sts2017.gs.zip); unzipped beside the input zip's
# STS2017.eval.v1.1 folder, it is the input folder's sibling.
GOLD_FOLDER = "STS2017.gs"


def _gold_places(path: Path, name: str, gold_dirs: Sequence[Path]) -> List[List[Path]]:
    """Where the gold file `name` of `path` may be, in order: beside it, the sibling gold folder, each gold dir."""
    places = [[path.with_name(name)], [path.parent.parent / GOLD_FOLDER / name]]
    return places + [sorted(Path(folder).rglob(name)) for folder in gold_dirs]


def _gold_path(path: Path, gold_dirs: Sequence[Path] = ()) -> Path:
    """The STS.gs file that holds the scores of an STS.input file: the first place that has it."""
    if not path.name.startswith(_INPUT_PREFIX):
        raise ValueError(
            f"{path}: found sentence1<TAB>sentence2 without scores in a file not named {_INPUT_PREFIX}*; "
            f"expected an STS 2017 track input {_INPUT_PREFIX}track{{N}}.{{l1}}-{{l2}}.txt with its "
            f"scores in {_GOLD_PREFIX}track{{N}}.{{l1}}-{{l2}}.txt beside it, or a score in a third field"
        )
    name = _GOLD_PREFIX + path.name[len(_INPUT_PREFIX):]
    places = _gold_places(path, name, gold_dirs)
    for found in ([p for p in group if p.is_file()] for group in places):
        if len(found) > 1:
            raise ValueError(f"{path}: found {len(found)} gold files {', '.join(str(p) for p in found)}; expected one")
        if found:
            return found[0]
    beside, sibling = places[0][0], places[1][0]
    where = f"{beside}, {sibling}" + "".join(f", or under {d}" for d in gold_dirs)
    raise FileNotFoundError(f"{beside}: no such file; expected the gold scores of {path} there ({where})")


def _without_trailing_blanks(lines: Iterable[Line]) -> List[Line]:
    """All lines of a file but the blank ones at its end."""
    kept = list(lines)
    while kept and not kept[-1][1].strip():
        kept.pop()
    return kept


def _track_rows(path: Path, progress: bool, gold_dirs: Sequence[Path] = ()) -> Iterator[ScoreRow]:
    """Rows of an STS 2017 track input with the scores of its STS.gs file, line by line."""
    gold = _gold_path(path, gold_dirs)
    # Blank lines in the middle are kept: dropping them from one file would misalign the two.
    inputs = _without_trailing_blanks(read_lines(path, progress))
    scores = _without_trailing_blanks(read_lines(gold))
    if len(inputs) != len(scores):
        raise ValueError(
            f"{path}: found {len(inputs)} lines, but its gold file {gold} has {len(scores)}; "
            "expected one score per sentence pair"
        )
    for (lineno, text), (gold_lineno, score) in zip(inputs, scores):
        first, second = split_fields(path, lineno, text, 2, "sentence1<TAB>sentence2")
        yield first, second, parse_score(gold, gold_lineno, score)


def _tokenizer(path: Path, lang: Optional[str]) -> Language:
    """The blank pipeline that tokenizes the pairs: the training pipelines' (xx), whatever the language.

    A language's own tokenizer would make the docs depend on which optional packages
    (SudachiPy, PyThaiNLP, ...) are installed, and a cross-lingual pair has two languages.
    """
    return blank_nlp(None)


def _score_docs(path: Path, rows: Iterable[ScoreRow], lang: Optional[str]) -> Iterator[Doc]:
    """Turn scored rows into pair Docs with Doc._.sts_score and the language."""
    register_extension()
    nlp = _tokenizer(path, lang)
    for first, second, score in rows:
        doc = pair_doc(nlp, first, second)
        doc._.set(STS_SCORE, score)
        yield set_lang(doc, lang)


def read_sts(
    path: Path,
    lang: Optional[str] = None,
    *,
    stats: Optional[ReadStats] = None,
    progress: bool = False,
    gold_dirs: Sequence[Path] = (),
) -> Iterator[Doc]:
    """Read STS pairs (stsb-multi-mt CSV, STS 2017 track or extended, STS Benchmark) as Docs with Doc._.sts_score.

    gold_dirs: folders searched (at any depth) for an STS 2017 track's STS.gs file when it
    is neither beside the input nor in the sibling STS2017.gs folder.
    """
    path, stats = Path(path), stats if stats is not None else ReadStats()
    lines, first = first_line(path, progress)
    if first is None:
        return
    fields = first[1].split("\t")
    file_lang = sts_file_lang(path)
    if len(fields) == 1:
        stats.variant = "stsb-multi-mt CSV sentence1,sentence2,score"
        rows = _csv_rows(path, chain([first], lines))
    elif len(fields) == 2:
        stats.variant = "STS 2017 track sentence1<TAB>sentence2 + STS.gs scores"
        lines.close()  # the pairs are re-read with their blank lines, to stay aligned with the scores
        rows = _track_rows(path, progress, gold_dirs)
    elif len(fields) == 3:
        stats.variant = "STS2017-extended sentence1<TAB>sentence2<TAB>score"
        rows = _extended_rows(path, chain([first], lines))
    elif len(fields) >= 7:
        stats.variant = "STS Benchmark genre<TAB>filename<TAB>year<TAB>id<TAB>score<TAB>sentence1<TAB>sentence2"
        rows = _benchmark_rows(path, chain([first], lines))
        # The original benchmark is English only; its file names do not say so.
        file_lang = file_lang or "en"
    else:
        raise input_error(
            path,
            first[0],
            f"{len(fields)} tab-separated fields in {snippet(first[1])}",
            "sentence1,sentence2,score (CSV); sentence1<TAB>sentence2 (STS.input with STS.gs beside it); "
            f"sentence1<TAB>sentence2<TAB>score; or at least 7 fields {_BENCHMARK_FIELDS}",
        )
    yield from _score_docs(path, rows, lang or file_lang)
