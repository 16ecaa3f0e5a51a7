"""Tests for the STS converter (`sts`): real stsb-multi-mt samples and small fixtures of our own.

Expected rows of the real files come from the csv module reading each whole file (an
independent parse) and from literal first/last rows and counts; fixtures are written
out literally here.
"""
import csv
import os
import subprocess
import sys
import warnings
from collections import Counter
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import pytest
import spacy
from conftest import shared_data_dir
from spacy.tokens import Doc, DocBin

from dlfa_spacy.corpora import (LANG_KEY, ConversionSummary, ReadStats, blank_nlp, convert_file, convert_files, read_sts,
                                 sts_file_lang)
from dlfa_spacy.pairs import PAIR_SEPARATOR, find_separator, split_pair
from dlfa_spacy.pipeline.similarity import STS_SCORE, register_extension

REPO = Path(__file__).resolve().parents[1]
XX = spacy.blank("xx")
Row = Tuple[str, str, float]

register_extension()  # docs read back from a DocBin only show the score with it


@pytest.fixture(scope="session")
def stsb() -> Path:
    """The folder of real stsb-multi-mt samples; skip when this checkout has none beside it."""
    root = shared_data_dir() / "stsb"
    if not root.is_dir():
        pytest.skip(f"real STS samples not found at {root} (set DLFA_SHARED_DATA)")
    return root


def stsb_files() -> List[str]:
    """Names of the real stsb-multi-mt files, for parametrizing (empty when the folder is absent)."""
    return sorted(p.name for p in (shared_data_dir() / "stsb").glob("*.csv"))


def convert(path: Path, tmp_path: Path, **kwargs) -> Tuple[ConversionSummary, List[Doc]]:
    """Convert to a DocBin under tmp_path and read the docs back from disk."""
    out = tmp_path / f"{path.name}.spacy"
    summary = convert_file("sts", path, out, **kwargs)
    return summary, list(DocBin().from_disk(out).get_docs(XX.vocab))


def csv_rows(path: Path) -> List[Row]:
    """Rows of a whole CSV file read by the csv module as its documentation says (newline="")."""
    with path.open(encoding="utf-8-sig", newline="") as f:
        return [(a, b, float(score)) for a, b, score in csv.reader(f)]


def doc_rows(docs: List[Doc]) -> List[Row]:
    """(sentence1, sentence2, score) of pair docs."""
    return [(*split_pair(doc), doc._.sts_score) for doc in docs]


def buckets(scores: List[float]) -> Counter:
    """Scores counted per unit interval, 5.0 in 4-5."""
    return Counter(f"{min(int(s), 4)}-{min(int(s), 4) + 1}" for s in scores)


def check_pairs(docs: List[Doc], rows: List[Row], nlp) -> None:
    """Every doc is a pair doc of its row: one separator after the first text's tokens, both texts intact."""
    assert len(docs) == len(rows)
    for doc, (first, second, score) in zip(docs, rows):
        assert [t.text for t in doc].count(PAIR_SEPARATOR) == 1
        assert find_separator(doc[:]) == len(nlp.make_doc(first.strip()))
        assert split_pair(doc) == (first.strip(), second.strip())
        assert doc._.sts_score == score and isinstance(doc._.sts_score, float)
        assert doc.cats == {}


def pair_tokens(rows: List[Row], nlp) -> int:
    """Tokens of the pair docs of some rows: both texts as nlp splits them, plus one separator each."""
    return sum(len(nlp.make_doc(a.strip())) + 1 + len(nlp.make_doc(b.strip())) for a, b, _ in rows)


# ---------------------------------------------------------------- stsb-multi-mt, real samples

TEST_BUCKETS = Counter({"0-1": 30, "1-2": 16, "2-3": 16, "3-4": 19, "4-5": 19})

# name: (docs, lang, first row, last row)
STSB_REAL: Dict[str, Tuple[int, str, Row, Row]] = {
    "stsb-de-test.csv": (100, "de", ("Ein Mädchen frisiert ihr Haar.", "Ein Mädchen bürstet sich die Haare.", 2.5),
                         ("Ein junges asiatisches Mädchen trägt Eyeliner auf.",
                          "Ein Mädchen schminkt sich die Augen.", 2.4)),
    "stsb-en-dev.csv": (20, "en", ("A man with a hard hat is dancing.", "A man wearing a hard hat is dancing.", 5.0),
                        ("A man is speaking.", "A man is spitting.", 0.636)),
    "stsb-en-test.csv": (100, "en", ("A girl is styling her hair.", "A girl is brushing her hair.", 2.5),
                         ("A young Asian girl is applying eyeliner.", "A girl is putting on eye makeup.", 2.4)),
    "stsb-en-train.csv": (20, "en", ("A plane is taking off.", "An air plane is taking off.", 5.0),
                          ("The man is riding a horse.", "A man is riding on a horse.", 5.0)),
    "stsb-es-test.csv": (100, "es", ("Una chica se está arreglando el pelo.",
                                    "Una chica se está cepillando el pelo.", 2.5),
                         ("Una joven asiática se está aplicando el delineador de ojos.",
                          "Una chica se está maquillando los ojos.", 2.4)),
    "stsb-ja-test.csv": (100, "ja", ("女の子が髪をスタイリングしています。", "少女が髪をとかしている。", 2.5),
                         ("アジアの若い女の子がアイライナーを塗っています。", "女の子がアイメイクをしています。", 2.4)),
    "stsb-ru-test.csv": (100, "ru", ("Девушка укладывает волосы.", "Девушка расчесывает волосы.", 2.5),
                         ("Молодая азиатка наносит подводку для глаз.", "Девушка накрашивает глаза.", 2.4)),
    "stsb-zh-test.csv": (100, "zh", ("一个女孩正在给自己的头发做造型。", "一个女孩正在梳头。", 2.5),
                         ("一位年轻的亚洲女孩正在画眼线。", "一个女孩正在化眼妆。", 2.4)),
}


def test_every_real_file_has_expectations(stsb: Path) -> None:
    assert stsb_files() == sorted(STSB_REAL)


@pytest.mark.parametrize("name", stsb_files())
def test_stsb_multi_mt_real(stsb: Path, tmp_path: Path, name: str) -> None:
    path = stsb / name
    count, lang, first, last = STSB_REAL[name]
    rows = csv_rows(path)
    assert b"\r\n" in path.read_bytes()  # the published files have Windows line ends
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        summary, docs = convert(path, tmp_path)
    # Every language as training tokenizes it (xx), whatever tokenizer packages are installed.
    assert not [w for w in caught if "tokenizer" in str(w.message)]
    nlp = blank_nlp(None)
    assert summary.variant == "stsb-multi-mt CSV sentence1,sentence2,score"
    assert summary.docs == len(docs) == len(rows) == count
    assert doc_rows(docs)[0] == rows[0] == first
    assert doc_rows(docs)[-1] == rows[-1] == last
    check_pairs(docs, rows, nlp)
    assert summary.tokens == pair_tokens(rows, nlp)
    assert summary.label_kind == "scores"
    assert summary.labels == buckets([s for _, _, s in rows])
    if name.endswith("-test.csv"):  # the translations keep the English scores
        assert summary.labels == TEST_BUCKETS
    assert summary.languages == Counter({lang: count}) and summary.skipped_rows == 0
    assert {doc.user_data[LANG_KEY] for doc in docs} == {lang}
    assert f"{count} docs" in str(summary) and "scores: 0-1=" in str(summary) and f"lang {lang}" in str(summary)


def test_stsb_real_train_dev_buckets(stsb: Path, tmp_path: Path) -> None:
    summary, _ = convert(stsb / "stsb-en-train.csv", tmp_path)
    assert summary.labels == Counter({"0-1": 2, "1-2": 2, "2-3": 2, "3-4": 5, "4-5": 9})
    summary, _ = convert(stsb / "stsb-en-dev.csv", tmp_path)
    assert summary.labels == Counter({"0-1": 2, "1-2": 1, "2-3": 5, "3-4": 2, "4-5": 10})


def test_stsb_real_quoted_commas(stsb: Path, tmp_path: Path) -> None:
    # German line 43 quotes its second field, line 75 its first; Russian line 75 too.
    _, docs = convert(stsb / "stsb-de-test.csv", tmp_path)
    assert doc_rows(docs)[42] == ("Ein Mann spielt Gitarre.", "Ein Mann singt, während er Gitarre spielt.", 3.6)
    assert doc_rows(docs)[74] == (
        "Der Mann benutzt eine Kamera, um einen Nagel einzuschlagen.",
        "Jemand knallt eine Kameralinse gegen einen Nagel.",
        2.6,
    )
    assert all('"' not in doc.text for doc in docs)
    _, docs = convert(stsb / "stsb-ru-test.csv", tmp_path)
    assert doc_rows(docs)[74] == (
        "Человек использует камеру, чтобы забить гвоздь.", "Кто-то стучит камерной линзой о гвоздь.", 2.6
    )


def test_stsb_real_cjk(stsb: Path, tmp_path: Path) -> None:
    # Chinese: a fullwidth comma is text, not a delimiter; the xx tokenizer of training tokenizes it.
    _, docs = convert(stsb / "stsb-zh-test.csv", tmp_path)
    assert doc_rows(docs)[17] == ("一个男人在唱歌，弹吉他。", "一个男人在弹吉他。", 3.6)
    assert [t.text for t in docs[17]] == ([t.text for t in XX.make_doc("一个男人在唱歌，弹吉他。")] + [PAIR_SEPARATOR]
                                         + [t.text for t in XX.make_doc("一个男人在弹吉他。")])
    assert docs[0].text == "一个女孩正在给自己的头发做造型。 [SEP] 一个女孩正在梳头。"
    _, docs = convert(stsb / "stsb-ja-test.csv", tmp_path)
    assert doc_rows(docs)[60] == ("男は女にキスをしたり、抱きついたりしている。", "男性が女性と抱き合ってキスをしています。", 5.0)


def test_read_sts_generator(stsb: Path) -> None:
    stats = ReadStats()
    docs = list(read_sts(stsb / "stsb-en-train.csv", stats=stats))
    assert len(docs) == 20 and stats.variant.startswith("stsb-multi-mt")
    assert docs[1].text == "A man is playing a large flute. [SEP] A man is playing a flute."
    assert docs[1]._.sts_score == 3.8 and docs[1].user_data[LANG_KEY] == "en"
    # An explicit language wins over the file name's, as for XTREME's file names.
    assert {doc.user_data[LANG_KEY] for doc in read_sts(stsb / "stsb-en-train.csv", "de")} == {"de"}


# ---------------------------------------------------------------- STS 2017 tracks, fixtures

TRACKS = {
    "track1.ar-ar": (
        ["رجل يعزف على الجيتار.\tرجل يغني ويعزف على الجيتار.",
         "امرأة تقطع البصل.\tامرأة تقطع الطماطم.",
         "طفل صغير يركب حصانا.\tطفل يركب حصانا."],
        ["3.6", "1.4", "4.2"]),
    "track2.ar-en": (
        ["رجل يعزف على الجيتار.\tA man is playing the guitar.",
         "امرأة تقطع البصل.\tA woman is slicing a tomato."],
        ["5.0", "1.2"]),
    "track3.es-es": (
        ["Un hombre está tocando la flauta.\tUn hombre toca una flauta grande.",
         "Dos perros juegan en la nieve.\tUn gato duerme en el sofá.",
         "La mujer corta una cebolla.\tUna mujer está cortando una cebolla."],
        ["3.8", "0.0", "5.0"]),
}


def write_track(folder: Path, track: str, gold: Optional[List[str]] = None, crlf_bom: bool = False) -> Path:
    """Write STS.input.{track}.txt and its STS.gs file; the gold file may be given instead of TRACKS'."""
    pairs, scores = TRACKS[track]
    scores = scores if gold is None else gold
    end = "\r\n" if crlf_bom else "\n"
    path = folder / f"STS.input.{track}.txt"
    path.write_bytes(("\ufeff" if crlf_bom else "").encode() + end.join(pairs + [""]).encode("utf-8"))
    (folder / f"STS.gs.{track}.txt").write_bytes(end.join(scores + [""]).encode("utf-8"))
    return path


@pytest.mark.parametrize("track,lang", [("track1.ar-ar", "ar"), ("track2.ar-en", "ar-en"), ("track3.es-es", "es")])
def test_sts17_track_fixture(tmp_path: Path, track: str, lang: str) -> None:
    path = write_track(tmp_path, track, crlf_bom=track.startswith("track1"))
    pairs, scores = TRACKS[track]
    rows = [(*pair.split("\t"), float(score)) for pair, score in zip(pairs, scores)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a cross-lingual pair uses xx on purpose: no warning
        summary, docs = convert(path, tmp_path)
    assert summary.variant == "STS 2017 track sentence1<TAB>sentence2 + STS.gs scores"
    assert doc_rows(docs) == rows
    # ar-en holds Arabic and English texts: no spaCy language fits both.
    nlp = XX  # every language, as training tokenizes it
    check_pairs(docs, rows, nlp)
    assert summary.tokens == pair_tokens(rows, nlp)
    assert summary.languages == Counter({lang: len(rows)})
    assert [doc.user_data[LANG_KEY] for doc in docs] == [lang] * len(rows)
    assert all("\r" not in doc.text and "\ufeff" not in doc.text for doc in docs)


def test_sts17_track_gold_trailing_blank_lines(tmp_path: Path) -> None:
    path = write_track(tmp_path, "track3.es-es", gold=["3.8", "0.0", "5.0", "", ""])
    summary, docs = convert(path, tmp_path)
    assert [doc._.sts_score for doc in docs] == [3.8, 0.0, 5.0]
    assert summary.labels == Counter({"3-4": 1, "0-1": 1, "4-5": 1})


def test_sts_file_lang() -> None:
    assert sts_file_lang(Path("data/stsb-pl-train.csv")) == "pl"
    assert sts_file_lang(Path("STS.input.track4a.es-en.txt")) == "es-en"
    assert sts_file_lang(Path("STS.gs.track5.en-en.txt")) == "en"
    assert sts_file_lang(Path("STS2017-extended/STS.en-de.txt")) == "en-de"
    assert sts_file_lang(Path("sts-train.csv")) is None
    assert sts_file_lang(Path("test-de.tsv")) is None


# ---------------------------------------------------------------- STS2017-extended and STS Benchmark, fixtures

EXTENDED = [
    "A man is playing a flute.\tEin Mann spielt eine große Flöte.\t3.8",
    "Three men are playing chess.\tZwei Männer spielen Schach.\t2.6",
    "A woman is dancing.\tEin Mann spricht.\t0",
    "A plane is taking off.\tEin Flugzeug hebt ab.\t5.0",
]


def test_sts17_extended_fixture(tmp_path: Path) -> None:
    path = tmp_path / "STS.en-de.txt"
    path.write_text("\n".join(EXTENDED) + "\n\n", encoding="utf-8")  # a blank line at the end is tolerated
    summary, docs = convert(path, tmp_path)
    assert summary.variant == "STS2017-extended sentence1<TAB>sentence2<TAB>score"
    rows = [(a, b, float(s)) for a, b, s in (line.split("\t") for line in EXTENDED)]
    assert doc_rows(docs) == rows
    check_pairs(docs, rows, XX)
    assert summary.languages == Counter({"en-de": 4})
    assert summary.labels == Counter({"3-4": 1, "2-3": 1, "0-1": 1, "4-5": 1})
    same = tmp_path / "STS.es-es.txt"
    same.write_text("Un hombre toca la guitarra.\tUn hombre está tocando la guitarra.\t4.8\n", encoding="utf-8")
    summary, docs = convert(same, tmp_path)
    assert summary.languages == Counter(es=1)
    assert [t.text for t in docs[0]][:3] == ["Un", "hombre", "toca"]


BENCHMARK = [
    "main-captions\tMSRvid\t2012test\t0001\t5.000\tA plane is taking off.\tAn air plane is taking off.",
    "main-captions\tMSRvid\t2012test\t0004\t3.800\tA man is playing a large flute.\tA man is playing a flute.",
    # quotes are text in these files, and a comma is no separator
    'main-news\theadlines\t2013\t0027\t1.400\t"Obama" signs jobs bill, aides say\tObama to sign "jobs" bill',
    # some lines carry source fields after the seven
    "main-news\theadlines\t2015\t0014\t4.000\tSyria peace talks to resume\tSyrian peace talks set to resume"
    "\tnews-2015-0014-a\tnews-2015-0014-b",
    "main-forums\tdeft-forum\t2014\t0035\t0.000\tI'd say no.\tThe cat sleeps.",
]
BENCHMARK_ROWS = [
    ("A plane is taking off.", "An air plane is taking off.", 5.0),
    ("A man is playing a large flute.", "A man is playing a flute.", 3.8),
    ('"Obama" signs jobs bill, aides say', 'Obama to sign "jobs" bill', 1.4),
    ("Syria peace talks to resume", "Syrian peace talks set to resume", 4.0),
    ("I'd say no.", "The cat sleeps.", 0.0),
]


def write_benchmark(folder: Path) -> Path:
    """An STS Benchmark sts-train.csv with CRLF line ends."""
    path = folder / "sts-train.csv"
    path.write_bytes(("\r\n".join(BENCHMARK) + "\r\n").encode("utf-8"))
    return path


def test_sts_benchmark_fixture(tmp_path: Path) -> None:
    summary, docs = convert(write_benchmark(tmp_path), tmp_path)
    assert summary.variant.startswith("STS Benchmark genre<TAB>filename")
    assert doc_rows(docs) == BENCHMARK_ROWS
    check_pairs(docs, BENCHMARK_ROWS, XX)
    assert summary.tokens == pair_tokens(BENCHMARK_ROWS, XX)
    # The original benchmark is English: recorded although the file name does not say so.
    assert summary.languages == Counter(en=5)
    assert summary.labels == Counter({"4-5": 2, "3-4": 1, "1-2": 1, "0-1": 1})


# ---------------------------------------------------------------- DocBin round trip


def test_docbin_keeps_scores_and_languages(tmp_path: Path) -> None:
    out = tmp_path / "train.spacy"
    convert_file("sts", write_benchmark(tmp_path), out)
    docs = list(DocBin().from_disk(out).get_docs(XX.vocab))
    assert [doc._.get(STS_SCORE) for doc in docs] == [5.0, 3.8, 1.4, 4.0, 0.0]
    assert docs[0].user_data == {LANG_KEY: "en", ("._.", STS_SCORE, None, None): 5.0}


def test_docbin_keeps_scores_without_language(tmp_path: Path) -> None:
    # A file name that states no language: the scores alone are user data worth storing.
    path = tmp_path / "pairs.tsv"
    path.write_text("\n".join(EXTENDED), encoding="utf-8")
    summary, docs = convert(path, tmp_path)
    assert summary.languages == Counter()
    assert [doc._.sts_score for doc in docs] == [3.8, 2.6, 0.0, 5.0]
    assert all(LANG_KEY not in doc.user_data for doc in docs)


def test_extension_registration_is_idempotent() -> None:
    register_extension()
    register_extension()
    assert Doc.has_extension(STS_SCORE)
    assert XX.make_doc("no score")._.sts_score is None


def test_similarity_and_sts_reader_need_no_torch() -> None:
    # spaCy imports torch itself when it can, so torch is made unimportable instead.
    code = ("import sys; sys.modules['torch'] = None; "
            "import dlfa_spacy.pipeline.similarity, dlfa_spacy.corpora.sts; print('ok')")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120,
                            env=module_env())
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "ok"


# ---------------------------------------------------------------- bad input

SCORE_EXPECTED = "a similarity score, a number from 0 to 5"
CSV_EXPECTED = "3 fields: sentence1,sentence2,score (a field holding a comma in double quotes)"
BENCH_OK = "g\tf\t2012\t0001\t5.000\tA.\tB."


def bad(name: str, content: str, line: int, found: str, expected: str, case_id: str):
    """One malformed-input case: file name and content, the line, and the found/expected parts of the message."""
    return pytest.param(name, content, line, found, expected, id=case_id)


MALFORMED = [
    bad("stsb-en-test.csv", "A.,B.,2.5\nA.,B.,5.5\n", 2, "score '5.5'", SCORE_EXPECTED, "csv-score-above-5"),
    bad("stsb-en-test.csv", "A.,B.,-0.1\n", 1, "score '-0.1'", SCORE_EXPECTED, "csv-score-negative"),
    bad("stsb-en-test.csv", "A.,B.,2.5\nA.,B.,high\n", 2, "score 'high'", SCORE_EXPECTED, "csv-score-not-a-number"),
    bad("stsb-en-test.csv", "A.,B.,nan\n", 1, "score 'nan'", SCORE_EXPECTED, "csv-score-nan"),
    bad("stsb-en-test.csv", "A.,B.,2.5\nA.,B.\n", 2, "2 comma-separated field(s) in 'A.,B.'", CSV_EXPECTED,
        "csv-missing-field"),
    bad("stsb-en-test.csv", 'A.,B.,2.5\nA.,"B, C.",D.,1.0\n', 2, "4 comma-separated field(s)", CSV_EXPECTED,
        "csv-extra-field"),
    bad("stsb-en-test.csv", 'A.,B.,2.5\n"A, B.,C.,1.0\n', 2, "bad CSV quoting (unexpected end of data)",
        CSV_EXPECTED, "csv-unclosed-quote"),
    bad("stsb-en-test.csv", '"A" B.,C.,1.0\n', 1, "bad CSV quoting (',' expected after '\"')", CSV_EXPECTED,
        "csv-text-after-quote"),
    bad("STS.en-de.txt", "A.\tB.\t1.0\nA.\tB.\n", 2, "2 tab-separated field(s) in 'A.\\tB.'",
        "3 fields: sentence1<TAB>sentence2<TAB>score", "extended-missing-field"),
    bad("STS.en-de.txt", "A.\tB.\t1.0\nA.\tB.\t5.01\n", 2, "score '5.01'", SCORE_EXPECTED, "extended-score"),
    bad("sts-dev.csv", f"{BENCH_OK}\ng\tf\t2012\t0002\t4.0\tA.\n", 2, "6 tab-separated field(s)",
        "at least 7 fields: genre<TAB>filename<TAB>year<TAB>id<TAB>score<TAB>sentence1<TAB>sentence2",
        "benchmark-missing-field"),
    bad("sts-dev.csv", f"{BENCH_OK}\ng\tf\t2012\t0002\t\tA.\tB.\n", 2, "score ''", SCORE_EXPECTED,
        "benchmark-empty-score"),
    bad("STS.input.track5.en-en.txt", "A.\tB.\nA.\tB.\tC.\n", 2, "3 tab-separated field(s)",
        "2 fields: sentence1<TAB>sentence2", "track-extra-field"),
    bad("pairs.txt", "A.\tB.\tC.\tD.\t1.0\n", 1, "5 tab-separated fields in",
        "sentence1,sentence2,score (CSV); sentence1<TAB>sentence2 (STS.input with STS.gs beside it)",
        "unknown-layout"),
]


@pytest.mark.parametrize("name,content,line,found,expected", MALFORMED)
def test_malformed_input(tmp_path: Path, name: str, content: str, line: int, found: str, expected: str) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    if name.startswith("STS.input."):
        (tmp_path / name.replace("STS.input.", "STS.gs.")).write_text("1.0\n2.0\n", encoding="utf-8")
    message = conversion_error(path, tmp_path)
    assert message.startswith(f"{path}, line {line}: found ")
    assert f"found {found}" in message and f"; expected {expected}" in message


def conversion_error(path: Path, tmp_path: Path, error: type = ValueError) -> str:
    """Convert a bad file: the error message, after checking that nothing was written."""
    out = tmp_path / "out.spacy"
    with pytest.raises(error) as err:
        convert_file("sts", path, out)
    assert not out.exists() and not list(tmp_path.glob(".out.spacy*"))
    return str(err.value)


def test_track_gold_score_error_names_gold_file(tmp_path: Path) -> None:
    path = write_track(tmp_path, "track3.es-es", gold=["3.8", "five", "5.0"])
    message = conversion_error(path, tmp_path)
    gold = tmp_path / "STS.gs.track3.es-es.txt"
    assert message == f"{gold}, line 2: found score 'five'; expected {SCORE_EXPECTED}"


@pytest.mark.parametrize("gold", [["3.8", "0.0"], ["3.8", "0.0", "5.0", "4.0"]])
def test_track_line_count_mismatch(tmp_path: Path, gold: List[str]) -> None:
    path = write_track(tmp_path, "track3.es-es", gold=gold)
    message = conversion_error(path, tmp_path)
    gold_path = tmp_path / "STS.gs.track3.es-es.txt"
    assert message == (f"{path}: found 3 lines, but its gold file {gold_path} has {len(gold)}; "
                       "expected one score per sentence pair")


def test_track_without_gold_file(tmp_path: Path) -> None:
    path = write_track(tmp_path, "track2.ar-en")
    gold = tmp_path / "STS.gs.track2.ar-en.txt"
    gold.unlink()
    message = conversion_error(path, tmp_path, FileNotFoundError)
    sibling = tmp_path.parent / "STS2017.gs" / gold.name
    assert message == f"{gold}: no such file; expected the gold scores of {path} there ({gold}, {sibling})"


def test_track_gold_in_the_sibling_gold_folder(tmp_path: Path) -> None:
    """The published zips unzip side by side: STS2017.eval.v1.1/STS.input.* and STS2017.gs/STS.gs.*."""
    inputs, golds = tmp_path / "STS2017.eval.v1.1", tmp_path / "STS2017.gs"
    inputs.mkdir()
    path = write_track(inputs, "track3.es-es")
    golds.mkdir()
    (inputs / "STS.gs.track3.es-es.txt").rename(golds / "STS.gs.track3.es-es.txt")
    summary, docs = convert(path, tmp_path, progress=False)
    assert summary.docs == len(TRACKS["track3.es-es"][0])
    assert [d._.sts_score for d in docs] == [float(s) for s in TRACKS["track3.es-es"][1]]


def test_track_gold_under_a_gold_dir_and_ambiguous_gold(tmp_path: Path) -> None:
    """convert_files(sts_gold_dirs=...) finds the gold file at any depth; two copies are an error."""
    inputs, golds = tmp_path / "in", tmp_path / "gold.unpacked" / "STS2017.gs"
    inputs.mkdir()
    path = write_track(inputs, "track2.ar-en")
    golds.mkdir(parents=True)
    (inputs / "STS.gs.track2.ar-en.txt").rename(golds / "STS.gs.track2.ar-en.txt")
    out = tmp_path / "out.spacy"
    summary = convert_files("sts", [path], out, progress=False, sts_gold_dirs=[tmp_path / "gold.unpacked"])
    assert summary.docs == len(TRACKS["track2.ar-en"][0])
    docs = DocBin().from_disk(out).get_docs(XX.vocab)
    assert [d._.sts_score for d in docs] == [float(s) for s in TRACKS["track2.ar-en"][1]]
    copy = tmp_path / "gold.unpacked" / "STS.gs.track2.ar-en.txt"
    copy.write_bytes((golds / copy.name).read_bytes())
    out.unlink()
    with pytest.raises(ValueError) as err:
        convert_files("sts", [path], out, progress=False, sts_gold_dirs=[tmp_path / "gold.unpacked"])
    assert str(err.value) == (f"{path}: found 2 gold files {copy}, {golds / copy.name}; expected one")
    assert not out.exists()


def test_two_fields_outside_a_track_file(tmp_path: Path) -> None:
    path = tmp_path / "pairs.tsv"
    path.write_text("A.\tB.\n", encoding="utf-8")
    message = conversion_error(path, tmp_path)
    assert message.startswith(f"{path}: found sentence1<TAB>sentence2 without scores in a file not named STS.input.*")
    assert "expected an STS 2017 track input STS.input.track{N}.{l1}-{l2}.txt" in message


def test_failed_conversion_keeps_existing_output(tmp_path: Path) -> None:
    out = tmp_path / "out.spacy"
    out.write_bytes(b"previous")
    path = tmp_path / "stsb-en-dev.csv"
    path.write_text("A.,B.,2.5\nA.,B.,9\n", encoding="utf-8")
    with pytest.raises(ValueError, match="line 2: found score '9'"):
        convert_file("sts", path, out)
    assert out.read_bytes() == b"previous"


# ---------------------------------------------------------------- command line


def module_env() -> Dict[str, str]:
    """The environment for `python -m dlfa_spacy` and other child processes: this checkout first."""
    return dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))


def test_cli_convert_stsb(stsb: Path, tmp_path: Path) -> None:
    out = tmp_path / "cli" / "zh.spacy"
    result = subprocess.run(
        [sys.executable, "-m", "dlfa_spacy", "convert", "sts", str(stsb / "stsb-zh-test.csv"), str(out)],
        capture_output=True, text=True, cwd=REPO, env=module_env(), timeout=300,
    )
    assert result.returncode == 0, result.stderr
    text = " ".join(result.stdout.split())  # wasabi wraps long lines
    assert "100 docs" in text and "lang zh" in text
    assert "scores: 0-1=30 1-2=16 2-3=16 3-4=19 4-5=19" in text
    docs = list(DocBin().from_disk(out).get_docs(XX.vocab))
    assert len(docs) == 100 and docs[0]._.sts_score == 2.5 and docs[-1]._.sts_score == 2.4


def test_a_huge_field_is_named_as_such(tmp_path: Path) -> None:
    path = tmp_path / "stsb-en-test.csv"
    path.write_text("A man sings.,A man plays.,3.2\n" + "x" * 200_000 + ",y,1.0\n", encoding="utf8")
    with pytest.raises(ValueError, match=r"line 2: found a field longer than 131072 characters in 'xxx.*; expected "
                                         r"fields of a sentence's length, at most 131072 characters each"):
        convert(path, tmp_path)
