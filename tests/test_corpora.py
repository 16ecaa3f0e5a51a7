"""Tests for the benchmark converters: real published samples and small fixtures of our own.

Expected numbers are computed here from the raw files with a few lines of
independent parsing (or written out literally for our fixtures), never by
running the converter a second time.
"""
import json
import os
import warnings
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Dict, List, Tuple

import pytest
import spacy
from seqeval.metrics.sequence_labeling import get_entities
from spacy.tokens import Doc, DocBin

from dlfa_spacy.corpora import (
    LANG_KEY,
    PAWSX_LABELS,
    UPOS_TAGS,
    WIKIANN_LABELS,
    XNLI_LABELS,
    ConversionSummary,
    ReadStats,
    convert_file,
    read_pawsx,
    read_ud,
    read_wikiann,
    read_xnli,
)
from dlfa_spacy.pairs import PAIR_SEPARATOR

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "data" / "corpora"
XX = spacy.blank("xx")


def shared_root() -> Path:
    """Where the real benchmark samples live: $DLFA_SHARED_DATA or shared/data beside the repo."""
    env = os.environ.get("DLFA_SHARED_DATA")
    return Path(env) if env else Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.fixture(scope="session")
def shared() -> Path:
    """The folder of real benchmark samples; skip when this checkout has none beside it."""
    root = shared_root()
    if not root.is_dir():
        pytest.skip(f"real benchmark samples not found at {root} (set DLFA_SHARED_DATA)")
    return root


def shared_files(pattern: str) -> List[str]:
    """Relative paths of real sample files, for parametrizing (empty when the folder is absent)."""
    root = shared_root()
    return sorted(str(p.relative_to(root)) for p in root.glob(pattern) if p.is_file())


def convert(fmt: str, path: Path, tmp_path: Path, **kwargs) -> Tuple[ConversionSummary, List[Doc]]:
    """Convert to a DocBin under tmp_path and read the docs back from disk."""
    out = tmp_path / f"{path.name}.spacy"
    summary = convert_file(fmt, path, out, **kwargs)
    docs = list(DocBin().from_disk(out).get_docs(XX.vocab))
    return summary, docs


# ---------------------------------------------------------------- independent parsing


def raw_lines(path: Path) -> List[str]:
    """Lines of a file without BOM and line endings."""
    return path.read_bytes().decode("utf-8-sig").replace("\r\n", "\n").split("\n")


def raw_blocks(path: Path) -> List[List[str]]:
    """Blank-line separated blocks of lines."""
    blocks, block = [], []
    for line in raw_lines(path) + [""]:
        if line.strip():
            block.append(line)
        elif block:
            blocks.append(block)
            block = []
    return blocks


def expected_ner(path: Path, prefix: str = "") -> Tuple[List[List[str]], List[List[Tuple[str, int, int]]]]:
    """Words and seqeval entities (label, start, end exclusive) of each sentence of a BIO file."""
    words, ents = [], []
    for block in raw_blocks(path):
        rows = [line.split("\t") for line in block]
        words.append([token[len(prefix):] for token, _ in rows])
        ents.append([(label, start, end + 1) for label, start, end in get_entities([tag for _, tag in rows])])
    return words, ents


def conllu_sentences(path: Path) -> List[Dict]:
    """Per sentence: text comment, word forms/UPOS/XPOS (integer IDs only), and multiword ranges."""
    sentences = []
    for block in raw_blocks(path):
        sent = {"text": None, "forms": [], "upos": [], "xpos": [], "ranges": []}
        for line in block:
            if line.startswith("# text = "):
                sent["text"] = line[len("# text = "):]
            if line.startswith("#"):
                continue
            cols = line.split("\t")
            if cols[0].isdigit():
                sent["forms"].append(cols[1])
                sent["upos"].append(cols[3])
                sent["xpos"].append(cols[4])
            elif "-" in cols[0]:
                first, last = map(int, cols[0].split("-"))
                sent["ranges"].append((first, last, cols[1]))
        sentences.append(sent)
    return sentences


def tsv_rows(path: Path, header: bool) -> List[List[str]]:
    """Tab-separated rows of a file, without the header line."""
    rows = [line.split("\t") for line in raw_lines(path) if line.strip()]
    return rows[1:] if header else rows


def pair_tokens(premise: str, hypothesis: str, nlp=XX) -> int:
    """Tokens of a pair doc: both stripped texts as the tokenizer splits them, plus the separator."""
    return len(nlp.make_doc(premise.strip())) + 1 + len(nlp.make_doc(hypothesis.strip()))


def positive_cats(docs: List[Doc]) -> Counter:
    """Count the one positive category of each doc, checking exclusivity."""
    counts = Counter()
    for doc in docs:
        assert sorted(doc.cats.values()) == [0.0] * (len(doc.cats) - 1) + [1.0]
        counts.update(name for name, value in doc.cats.items() if value == 1.0)
    return counts


def doc_ents(doc: Doc) -> List[Tuple[str, int, int]]:
    """Entities of a doc as (label, start, end)."""
    return [(ent.label_, ent.start, ent.end) for ent in doc.ents]


# ---------------------------------------------------------------- WikiANN / PAN-X, real samples


@pytest.mark.parametrize("name", shared_files("panx/*.tsv"))
def test_wikiann_xtreme_real(shared: Path, tmp_path: Path, name: str) -> None:
    path = shared / name
    words, ents = expected_ner(path)
    summary, docs = convert("wikiann", path, tmp_path)
    assert summary.variant.startswith("XTREME")
    assert summary.docs == len(docs) == len(words)
    assert summary.tokens == sum(map(len, words))
    assert [[t.text for t in doc] for doc in docs] == words
    assert [doc_ents(doc) for doc in docs] == ents
    assert summary.labels == Counter(label for sent in ents for label, _, _ in sent)
    assert summary.skipped_rows == 0
    assert all(doc.text == " ".join(w) for doc, w in zip(docs, words))


def test_wikiann_xtreme_real_counts(shared: Path, tmp_path: Path) -> None:
    # Literal numbers for the English dev sample, and the Japanese test sample whose
    # I-ORG/I-LOC after O (orphan I- tags) seqeval reads as new entities.
    summary, _ = convert("wikiann", shared / "panx" / "dev-en.tsv", tmp_path)
    assert (summary.docs, summary.tokens) == (1000, 8184)
    assert summary.labels == Counter(LOC=513, ORG=452, PER=487)
    summary, _ = convert("wikiann", shared / "panx" / "test-ja.tsv", tmp_path)
    assert (summary.docs, summary.tokens) == (200, 6136)
    assert summary.labels == Counter(LOC=97, ORG=96, PER=82)


# fr is left out only because importing spaCy's French module takes ~5 s; the
# reader has nothing language-specific and eight other languages run through it.
@pytest.mark.parametrize("name", [n for n in shared_files("panx/original/*/*") if "/fr/" not in n])
def test_wikiann_original_real(shared: Path, tmp_path: Path, name: str) -> None:
    path = shared / name
    lang = path.parent.name
    words, ents = expected_ner(path, prefix=f"{lang}:")
    summary, docs = convert("wikiann", path, tmp_path)
    assert summary.variant.startswith("original")
    assert summary.docs == len(words)
    assert summary.tokens == sum(map(len, words))
    assert [[t.text for t in doc] for doc in docs] == words
    assert [doc_ents(doc) for doc in docs] == ents
    assert all(doc.user_data[LANG_KEY] == lang for doc in docs)
    assert summary.languages == Counter({lang: len(words)})


# ---------------------------------------------------------------- WikiANN, fixtures


def test_wikiann_original_fixture_orphan_i_tags(tmp_path: Path) -> None:
    summary, docs = convert("wikiann", FIXTURES / "wikiann_original_en.txt", tmp_path)
    assert (summary.docs, summary.tokens) == (3, 14)
    assert summary.labels == Counter(ORG=2, LOC=2, PER=3)
    assert docs[0].text == "Sioux Falls Arena in South Dakota :"  # "en::" is the token ":"
    # I-LOC after O starts LOC; I-PER after B-LOC starts PER; B-PER B-PER are two
    # entities; I-ORG at the start of a sentence starts ORG.
    assert doc_ents(docs[0]) == [("ORG", 0, 3), ("LOC", 4, 6)]
    assert doc_ents(docs[1]) == [("LOC", 0, 1), ("PER", 1, 2), ("PER", 3, 4), ("PER", 4, 5)]
    assert doc_ents(docs[2]) == [("ORG", 0, 2)]
    assert [doc.user_data[LANG_KEY] for doc in docs] == ["en"] * 3


def test_wikiann_crlf_bom_fixture(tmp_path: Path) -> None:
    raw = (FIXTURES / "wikiann_xtreme_crlf_bom.tsv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf") and b"\r\n" in raw
    summary, docs = convert("wikiann", FIXTURES / "wikiann_xtreme_crlf_bom.tsv", tmp_path, lang="de")
    assert (summary.docs, summary.tokens) == (2, 5)
    assert [doc.text for doc in docs] == ["Berlin ist schön", "Angela Merkel"]
    assert doc_ents(docs[0]) == [("LOC", 0, 1)]
    assert doc_ents(docs[1]) == [("PER", 0, 2)]
    assert all("\r" not in t.text and "\ufeff" not in t.text for doc in docs for t in doc)
    assert summary.languages == Counter(de=2)


def test_read_wikiann_generator() -> None:
    docs = list(read_wikiann(FIXTURES / "wikiann_original_en.txt"))
    assert [len(doc) for doc in docs] == [7, 5, 2]


# ---------------------------------------------------------------- UD, real samples


@pytest.mark.parametrize("name", shared_files("ud/*.conllu"))
def test_ud_conllu_real(shared: Path, tmp_path: Path, name: str) -> None:
    path = shared / name
    sentences = conllu_sentences(path)
    summary, docs = convert("ud", path, tmp_path)
    assert summary.variant == "CoNLL-U"
    assert summary.docs == len(docs) == len(sentences)
    assert summary.tokens == sum(len(s["forms"]) for s in sentences)
    assert summary.labels == Counter(tag for s in sentences for tag in s["upos"])
    for doc, sent in zip(docs, sentences):
        assert [t.text for t in doc] == sent["forms"]
        assert [t.pos_ for t in doc] == sent["upos"]
        assert [t.tag_ for t in doc] == [("" if x == "_" else x) for x in sent["xpos"]]
        # Without ranges whose words differ from the surface form (del = de + el),
        # SpaceAfter reproduces the sentence text exactly.
        if all("".join(sent["forms"][a - 1 : b]) == form for a, b, form in sent["ranges"]):
            assert doc.text == sent["text"]
        else:
            assert doc.text != sent["text"]


def test_ud_real_counts(shared: Path, tmp_path: Path) -> None:
    # en_ewt dev: 1000 sentences; the empty node "8.1 write" is not a token.
    summary, docs = convert("ud", shared / "ud" / "en_ewt-ud-dev.conllu", tmp_path)
    assert (summary.docs, summary.tokens) == (1000, 14063)
    assert summary.labels["NOUN"] == 2341 and summary.labels["PUNCT"] == 1823
    # es_gsd test head: "del" is split into "de" + "el".
    summary, docs = convert("ud", shared / "ud" / "es_gsd-ud-test.conllu", tmp_path)
    assert (summary.docs, summary.tokens) == (150, 3953)
    assert [t.text for t in docs[0]][5:8] == ["de", "el", "escritor"]
    assert docs[0].text.startswith("De allí procedía la familia de el escritor")


@pytest.mark.parametrize("name", ["zh_gsd-ud-test.conllu", "ja_gsd-ud-test.conllu"])
def test_ud_no_spaces_zh_ja(shared: Path, tmp_path: Path, name: str) -> None:
    path = shared / "ud" / name
    sentences = conllu_sentences(path)
    summary, docs = convert("ud", path, tmp_path, lang=name[:2])
    assert summary.docs == 150
    assert [doc.text for doc in docs] == [s["text"] for s in sentences]
    # Spaces only where the text has them (between Latin-script words, say): none
    # between CJK words, and none at the end of a sentence.
    spaced = sum(1 for doc in docs for t in doc if t.whitespace_)
    assert spaced == sum(s["text"].count(" ") for s in sentences) == (9 if name.startswith("zh") else 2)
    assert all(doc.user_data[LANG_KEY] == name[:2] for doc in docs)


@pytest.mark.parametrize("name", shared_files("udpos_xtreme/*.tsv"))
def test_udpos_xtreme_real(shared: Path, tmp_path: Path, name: str) -> None:
    path = shared / name
    blocks = raw_blocks(path)
    summary, docs = convert("ud", path, tmp_path)
    assert summary.variant.startswith("XTREME")
    assert summary.docs == len(blocks) == 150
    assert summary.tokens == sum(map(len, blocks))
    assert summary.labels == Counter(line.split("\t")[1] for block in blocks for line in block)
    assert [[t.text for t in doc] for doc in docs] == [[l.split("\t")[0] for l in b] for b in blocks]


# ---------------------------------------------------------------- UD, fixtures


def test_ud_multiword_fixture(tmp_path: Path) -> None:
    summary, docs = convert("ud", FIXTURES / "ud_multiword.conllu", tmp_path)
    assert (summary.docs, summary.tokens) == (4, 24)
    assert summary.labels == Counter(VERB=5, PUNCT=5, PRON=4, ADP=3, DET=3, NOUN=2, AUX=1, PART=1)
    assert [doc.text for doc in docs] == [
        "Vino de el pueblo.",  # es del = de + el
        "Il va à le marché.",  # fr au = à + le
        "Wir gehen zu dem.",  # de zum = zu + dem; SpaceAfter=No on the range line
        "I didn't go, you did.",  # did + n't spell didn't; empty node 7.1 skipped
    ]
    assert [t.text for t in docs[3]] == ["I", "did", "n't", "go", ",", "you", "did", "."]
    assert [t.tag_ for t in docs[2]] == ["PPER", "VVFIN", "APPR", "ART", "$."]
    assert [t.tag_ for t in docs[0]] == [""] * 5  # XPOS "_" gives no tag
    assert LANG_KEY not in docs[0].user_data  # no --lang, and CoNLL-U does not say


def test_ud_zh_fixture(tmp_path: Path) -> None:
    summary, docs = convert("ud", FIXTURES / "ud_zh.conllu", tmp_path, lang="zh")
    assert (summary.docs, summary.tokens) == (2, 7)
    # The last word of the second sentence has no SpaceAfter=No: still no trailing space.
    assert [doc.text for doc in docs] == ["我爱北京。", "他来了"]
    assert summary.labels == Counter(PRON=2, VERB=2, PROPN=1, PUNCT=1, AUX=1)


def test_udpos_xtreme_fixture(tmp_path: Path) -> None:
    # Leading blank line as in XTREME's files; "#<TAB>SYM" is a token, not a comment.
    docs = list(read_ud(FIXTURES / "udpos_xtreme.tsv"))
    assert [doc.text for doc in docs] == ["The cat sat .", "# 1"]
    assert [[t.pos_ for t in doc] for doc in docs] == [["DET", "NOUN", "VERB", "PUNCT"], ["SYM", "NUM"]]


# ---------------------------------------------------------------- XNLI / MultiNLI, real samples


@pytest.mark.parametrize("name", shared_files("xnli/dev-*.tsv"))
def test_xnli_xtreme_real(shared: Path, tmp_path: Path, name: str) -> None:
    path = shared / name
    rows = tsv_rows(path, header=False)
    summary, docs = convert("xnli", path, tmp_path)
    assert summary.variant.startswith("XTREME")
    assert summary.docs == len(rows) == (600 if "-en" in name else 150)
    assert positive_cats(docs) == summary.labels == Counter(label for _, _, label in rows)
    assert summary.skipped_rows == 0
    assert sum(1 for doc in docs for t in doc if t.text == PAIR_SEPARATOR) == len(rows)
    # XTREME's file name (dev-ar.tsv) says the language, which is recorded; the tokens are xx's.
    lang = Path(name).stem.split("-")[1]
    assert summary.tokens == sum(pair_tokens(p, h, XX) for p, h, _ in rows)
    assert summary.languages == Counter({lang: len(rows)})
    assert all(doc.user_data[LANG_KEY] == lang for doc in docs)


@pytest.mark.parametrize("lang", ["de", "zh", "sw"])
def test_xnli_xtreme_real_lang(shared: Path, tmp_path: Path, lang: str) -> None:
    # --lang is recorded on every doc; every language is tokenized as training tokenizes (xx),
    # so the docs do not depend on which tokenizer packages are installed.
    path = shared / "xnli" / f"dev-{lang}.tsv"
    rows = tsv_rows(path, header=False)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no fallback warning any more
        summary, docs = convert("xnli", path, tmp_path, lang=lang)
    tokenizer = XX
    assert summary.docs == len(rows) == 150
    assert summary.tokens == sum(pair_tokens(p, h, tokenizer) for p, h, _ in rows)
    assert summary.languages == Counter({lang: 150})
    assert all(doc.user_data[LANG_KEY] == lang for doc in docs)


def test_xnli_original_tsv_real(shared: Path, tmp_path: Path) -> None:
    path = shared / "xnli" / "original" / "XNLI-1.0" / "xnli.dev.tsv"
    rows = tsv_rows(path, header=True)
    languages = Counter(row[0] for row in rows)
    summary, docs = convert("xnli", path, tmp_path)
    assert summary.docs == len(rows) == 15
    assert summary.languages == languages and len(languages) == 15
    assert [doc.user_data[LANG_KEY] for doc in docs] == [row[0] for row in rows]
    assert positive_cats(docs) == Counter(row[1] for row in rows)
    assert summary.tokens == sum(pair_tokens(row[6], row[7]) for row in rows)
    # pairID (column 10) is each row's item, the same item in every language.
    assert [doc.user_data["item"] for doc in docs] == [row[9] for row in rows]

    summary, docs = convert("xnli", path, tmp_path, lang="de")
    german = [row for row in rows if row[0] == "de"]
    assert summary.docs == len(german) == 1
    assert docs[0].text == f"{german[0][6]} {PAIR_SEPARATOR} {german[0][7]}"
    assert sum(summary.other_languages.values()) == 14


def test_xnli_original_jsonl_real(shared: Path, tmp_path: Path) -> None:
    path = shared / "xnli" / "original" / "XNLI-1.0" / "xnli.test.jsonl"
    records = [json.loads(line) for line in raw_lines(path) if line.strip()]
    summary, docs = convert("xnli", path, tmp_path, lang="ar")
    assert summary.docs == len(records) == 5
    assert positive_cats(docs) == Counter(r["gold_label"] for r in records)
    assert [doc.user_data["item"] for doc in docs] == [str(r["pairID"]) for r in records]
    with pytest.raises(ValueError, match="no rows for language 'de'.*ar"):
        convert_file("xnli", path, tmp_path / "none.spacy", lang="de")


@pytest.mark.parametrize(
    "name",
    [
        "mnli/original/multinli_1.0/multinli_1.0_train.txt",
        "mnli/original/multinli_1.0/multinli_1.0_dev_matched.txt",
        "mnli/original/multinli_1.0/multinli_1.0_dev_mismatched.jsonl",
        "mnli/k-shot/train.tsv",
        "xnli/original/XNLI-MT-1.0/multinli/multinli.train.de.tsv",
        "xnli/original/XNLI-MT-1.0/xnli/xnli.dev.en.tsv",
    ],
)
def test_nli_other_real(shared: Path, tmp_path: Path, name: str) -> None:
    path = shared / name
    if path.suffix == ".jsonl":
        records = [json.loads(line) for line in raw_lines(path) if line.strip()]
        gold = [r["gold_label"] for r in records]
    else:
        rows = tsv_rows(path, header=True)
        names = raw_lines(path)[0].split("\t")
        gold = [row[names.index("gold_label" if "gold_label" in names else "label")] for row in rows]
    summary, docs = convert("xnli", path, tmp_path)
    expected = Counter(g for g in gold if g != "-")
    assert summary.docs == sum(expected.values())
    assert positive_cats(docs) == expected
    assert summary.skipped_rows == gold.count("-")


def test_mnli_counts_real(shared: Path, tmp_path: Path) -> None:
    # train.txt drops empty trailing label columns on some rows (11 of 15 fields).
    summary, _ = convert("xnli", shared / "mnli/original/multinli_1.0/multinli_1.0_train.txt", tmp_path)
    assert summary.docs == 4 and summary.labels == Counter(entailment=3, neutral=1)
    summary, _ = convert("xnli", shared / "mnli/k-shot/train.tsv", tmp_path)
    assert summary.docs == 48 and summary.labels == Counter(entailment=16, neutral=16, contradiction=16)


# ---------------------------------------------------------------- XNLI, fixtures


def test_xnli_original_fixture_lang_selection(tmp_path: Path) -> None:
    path = FIXTURES / "xnli_original.tsv"
    summary, docs = convert("xnli", path, tmp_path)
    assert summary.docs == 6 and summary.skipped == Counter({"without gold label": 1})
    assert summary.languages == Counter(de=3, en=2, fr=1)
    assert summary.labels == Counter(neutral=3, entailment=2, contradiction=1)
    assert summary.tokens == 48  # every pair here is 4 + 1 + 3 tokens

    summary, docs = convert("xnli", path, tmp_path, lang="de")
    assert [doc.text for doc in docs] == [
        "Ein Mann schläft. [SEP] Er träumt.",
        "Ein Mann schläft. [SEP] Er rennt.",
        "Ein Mann schläft. [SEP] Er ruht.",
    ]
    assert positive_cats(docs) == Counter(neutral=1, contradiction=1, entailment=1)
    assert summary.skipped_rows == 0 and summary.other_languages == Counter(en=3, fr=1)

    summary, docs = convert("xnli", path, tmp_path, lang="en")
    assert summary.docs == 2 and summary.skipped_rows == 1
    assert [doc.user_data[LANG_KEY] for doc in docs] == ["en", "en"]


def test_xnli_original_jsonl_fixture(tmp_path: Path) -> None:
    summary, docs = convert("xnli", FIXTURES / "xnli_original.jsonl", tmp_path, lang="de")
    assert summary.docs == 3 and docs[0].text == "Ein Mann schläft. [SEP] Er träumt."
    assert docs[0].cats == {"entailment": 0.0, "neutral": 1.0, "contradiction": 0.0}
    assert summary.other_languages == Counter(en=3, fr=1)
    summary, docs = convert("xnli", FIXTURES / "xnli_original.jsonl", tmp_path)
    assert summary.docs == 6 and summary.skipped_rows == 1


def test_multinli_fixture_skips_dash(tmp_path: Path) -> None:
    summary, docs = convert("xnli", FIXTURES / "multinli_dev.txt", tmp_path)
    assert (summary.docs, summary.skipped_rows) == (3, 2)
    assert summary.labels == Counter(neutral=1, contradiction=1, entailment=1)
    assert summary.tokens == 8 + 8 + 9
    assert "skipped rows: 2" in str(summary)


def test_xnli_mt_train_fixture_contradictory(tmp_path: Path) -> None:
    summary, docs = convert("xnli", FIXTURES / "xnli_mt_train.tsv", tmp_path, lang="en")
    assert summary.variant == "XNLI-MT training tsv"
    assert positive_cats(docs) == Counter(neutral=1, contradiction=1, entailment=1)
    assert docs[1].cats["contradiction"] == 1.0


def test_read_xnli_generator_reports_skips() -> None:
    stats = ReadStats()
    docs = list(read_xnli(FIXTURES / "multinli_dev.txt", stats=stats))
    assert [doc.text for doc in docs][0] == "A man sleeps. [SEP] He dreams."
    assert len(docs) == 3 and stats.skipped == Counter({"without gold label": 2})
    assert stats.variant.startswith("tsv with header")


def test_xnli_crlf_bom_fixture(tmp_path: Path) -> None:
    summary, docs = convert("xnli", FIXTURES / "xnli_xtreme_crlf_bom.tsv", tmp_path)
    assert (summary.docs, summary.tokens) == (4, 33)
    assert docs[0].text == "A man sleeps. [SEP] He dreams."  # no BOM, no "\r"
    assert positive_cats(docs) == Counter(neutral=2, contradiction=1, entailment=1)
    assert docs[0].cats == {"entailment": 0.0, "neutral": 1.0, "contradiction": 0.0}


# ---------------------------------------------------------------- PAWS-X


@pytest.mark.parametrize(
    "name", shared_files("pawsx/dev-*.tsv") + shared_files("pawsx/original/**/*.tsv")
)
def test_pawsx_real(shared: Path, tmp_path: Path, name: str) -> None:
    path = shared / name
    original = "original" in name
    rows = tsv_rows(path, header=original)
    if original:
        rows = [row[1:] for row in rows]
    summary, docs = convert("pawsx", path, tmp_path)
    assert summary.variant.startswith("original" if original else "XTREME")
    assert summary.docs == len(rows)
    names = {"1": "paraphrase", "0": "not_paraphrase"}
    assert positive_cats(docs) == summary.labels == Counter(names[label] for _, _, label in rows)
    # XTREME's file names (dev-de.tsv) say the language, whose tokenizer is then used.
    nlp = XX  # the training tokenizer, in every language
    assert summary.tokens == sum(pair_tokens(a, b, nlp) for a, b, _ in rows)


def test_pawsx_real_counts(shared: Path, tmp_path: Path) -> None:
    summary, _ = convert("pawsx", shared / "pawsx" / "dev-en.tsv", tmp_path)
    assert summary.docs == 600 and summary.labels == Counter(not_paraphrase=334, paraphrase=266)
    summary, _ = convert("pawsx", shared / "pawsx/original/with-header/zh-test.tsv", tmp_path)
    assert summary.docs == 150 and summary.labels == Counter(not_paraphrase=86, paraphrase=64)


def test_pawsx_fixtures(tmp_path: Path) -> None:
    summary, docs = convert("pawsx", FIXTURES / "pawsx_original.tsv", tmp_path, lang="en")
    assert summary.docs == 3 and summary.labels == Counter(paraphrase=2, not_paraphrase=1)
    assert docs[0].cats == {"paraphrase": 0.0, "not_paraphrase": 1.0}
    assert docs[2].text == "He left in 1990. [SEP] In 1990 he left."
    summary, docs = convert("pawsx", FIXTURES / "pawsx_xtreme.tsv", tmp_path)
    assert (summary.docs, summary.tokens) == (2, 30)
    assert list(docs[1].cats) == list(PAWSX_LABELS)
    assert [len(doc) for doc in read_pawsx(FIXTURES / "pawsx_xtreme.tsv")] == [15, 15]


def test_label_constants() -> None:
    assert XNLI_LABELS == ("entailment", "neutral", "contradiction")
    assert PAWSX_LABELS == ("paraphrase", "not_paraphrase")
    assert WIKIANN_LABELS == ("LOC", "ORG", "PER") and len(UPOS_TAGS) == 17


# ---------------------------------------------------------------- bad input

CONLLU_WORD = b"1\tVino\tvenir\tVERB\t_\t_\t0\troot\t_\t_\n"
XNLI_HEADER = b"language\tgold_label\tsentence1\tsentence2\n"


def bad(fmt: str, content: bytes, line: int, found: str, expected: str, case_id: str):
    """One malformed-input case: the line and the found/expected parts of the message."""
    return pytest.param(fmt, content, line, found, expected, id=case_id)


MALFORMED = [
    bad("wikiann", b"Berlin\tB-LOC\nist O\n", 2,
        "1 tab-separated field(s) in 'ist O'", "2 fields: token<TAB>BIO tag", "wikiann-no-tab"),
    bad("wikiann", b"en:A\tO\nen:B\tO\n\nde:C\tO\n", 4,
        "token 'de:C'", "the prefix 'en:'", "wikiann-mixed-prefix"),
    bad("ud", b"# text = x\n" + CONLLU_WORD + b"2\tx\tx\tNOUN\t_\t_\t1\tobj\t_\n", 3,
        "9 tab-separated field(s)", "10 fields: the 10 CoNLL-U columns", "conllu-9-columns"),
    bad("ud", CONLLU_WORD + CONLLU_WORD.replace(b"1\t", b"3\t", 1), 2,
        "ID '3'", "word ID 2", "conllu-id-gap"),
    bad("ud", b"a\tNOUN\nb\tNOUN\textra\n", 2,
        "3 tab-separated field(s)", "2 fields: token<TAB>UPOS", "udpos-xtreme-3-fields"),
    bad("ud", b"\xff\n", 1, "bytes that are not UTF-8", "UTF-8 text", "not-utf8"),
    bad("xnli", b"A.\tB.\tneutral\nA.\tB.\n", 2,
        "2 tab-separated field(s)", "3 fields: premise<TAB>hypothesis<TAB>label", "xnli-xtreme-2-fields"),
    bad("xnli", b'{"gold_label": "neutral", "sentence1": "A", "sentence2": "B"}\n{"gold_label": \n', 2,
        "invalid JSON", "a JSON object", "xnli-jsonl"),
    bad("xnli", XNLI_HEADER + b"de\tneutral\tA.\tB.\nde\tneutral\tA.\n", 3,
        "3 tab-separated field(s)", "4 fields as named by the header on line 1", "xnli-header-row"),
    bad("pawsx", b"id\tsentence1\tsentence2\tlabel\n1\tA.\tB.\t1\n2\tA.\t0\n", 3,
        "3 tab-separated field(s)", "4 fields: id<TAB>sentence1<TAB>sentence2<TAB>label", "pawsx-original"),
    bad("pawsx", b"A.\tB.\t1\nA.\tB.\t0\t9\n", 2,
        "4 tab-separated field(s)", "3 fields: sentence1<TAB>sentence2<TAB>label", "pawsx-xtreme"),
]


@pytest.mark.parametrize("fmt,content,line,found,expected", MALFORMED)
def test_malformed_input(tmp_path: Path, fmt: str, content: bytes, line: int, found: str, expected: str) -> None:
    path = tmp_path / f"bad-{fmt}.txt"
    path.write_bytes(content)
    with pytest.raises(ValueError) as err:
        convert_file(fmt, path, tmp_path / "out.spacy")
    message = str(err.value)
    assert message.startswith(f"{path}, line {line}: found ")
    assert f"found {found}" in message and f"; expected {expected}" in message
    assert not (tmp_path / "out.spacy").exists()


@pytest.mark.parametrize(
    "fmt,content,line,known",
    [
        ("wikiann", "Paris\tB-LOC\nInc\tB-MISC\n", 2, "O, B-LOC, I-LOC, B-ORG, I-ORG, B-PER, I-PER"),
        ("ud", "a\tNOUN\nb\tNOUNS\n", 2, ", ".join(UPOS_TAGS)),
        ("xnli", "A.\tB.\tneutral\nA.\tB.\tmaybe\n", 2, "entailment, neutral, contradiction, -"),
        ("pawsx", "A.\tB.\t1\nA.\tB.\t2\n", 2, "0 (not_paraphrase), 1 (paraphrase)"),
    ],
)
def test_unknown_label_lists_known(tmp_path: Path, fmt: str, content: str, line: int, known: str) -> None:
    path = tmp_path / "labels.tsv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ValueError) as err:
        convert_file(fmt, path, tmp_path / "out.spacy")
    message = str(err.value)
    assert f"{path}, line {line}: found unknown" in message
    assert f"expected one of {known}" in message


@pytest.mark.parametrize(
    "fmt,content,reason",
    [
        ("wikiann", "", "no sentences or rows"),
        ("ud", "\n\n\r\n", "no sentences or rows"),
        ("xnli", XNLI_HEADER.decode(), "no sentences or rows"),
        ("xnli", XNLI_HEADER.decode() + "en\t-\tA.\tB.\n", "only rows without gold label"),
        ("pawsx", "id\tsentence1\tsentence2\tlabel\n", "no sentences or rows"),
        ("pawsx", "\ufeff", "no sentences or rows"),
    ],
)
def test_empty_input_is_an_error(tmp_path: Path, fmt: str, content: str, reason: str) -> None:
    path = tmp_path / "empty.txt"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ValueError, match=reason) as err:
        convert_file(fmt, path, tmp_path / "out.spacy")
    assert str(path) in str(err.value)
    assert not (tmp_path / "out.spacy").exists()


def test_wikiann_lang_mismatch(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match=r"line 1: found language prefix 'en:'; expected 'de:'"):
        convert_file("wikiann", FIXTURES / "wikiann_original_en.txt", tmp_path / "o.spacy", lang="de")


def test_unknown_format_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="xnli, pawsx, wikiann, ud, sts"):
        convert_file("conll", FIXTURES / "pawsx_xtreme.tsv", tmp_path / "o.spacy")
    with pytest.raises(FileNotFoundError):
        convert_file("pawsx", tmp_path / "missing.tsv", tmp_path / "o.spacy")
    with pytest.raises(ValueError, match="found a directory"):
        convert_file("pawsx", FIXTURES / "pawsx_xtreme.tsv", tmp_path)
    with pytest.raises(ValueError, match="overwrite the input"):
        convert_file("pawsx", FIXTURES / "pawsx_xtreme.tsv", FIXTURES / "pawsx_xtreme.tsv")


# ---------------------------------------------------------------- output handling


def test_failed_conversion_keeps_existing_output(tmp_path: Path) -> None:
    out = tmp_path / "out.spacy"
    out.write_bytes(b"previous")
    bad = tmp_path / "bad.tsv"
    bad.write_text("A.\tB.\tneutral\nA.\tB.\tmaybe\n", encoding="utf-8")
    with pytest.raises(ValueError):
        convert_file("xnli", bad, out)
    assert out.read_bytes() == b"previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.tsv", "out.spacy"]


def test_failed_write_leaves_no_temp_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    out = tmp_path / "out.spacy"
    out.write_bytes(b"previous")

    def broken_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", broken_replace)
    with pytest.raises(OSError, match="disk full"):
        convert_file("pawsx", FIXTURES / "pawsx_xtreme.tsv", out)
    assert out.read_bytes() == b"previous"
    assert [p.name for p in tmp_path.iterdir()] == ["out.spacy"]


def test_output_replaced_and_parent_created(tmp_path: Path) -> None:
    out = tmp_path / "new" / "dir" / "en.spacy"
    convert_file("pawsx", FIXTURES / "pawsx_xtreme.tsv", out)
    convert_file("pawsx", FIXTURES / "pawsx_original.tsv", out)
    assert len(DocBin().from_disk(out)) == 3
    assert [p.name for p in out.parent.iterdir()] == ["en.spacy"]


def test_limit(tmp_path: Path) -> None:
    summary, docs = convert("xnli", FIXTURES / "xnli_original.tsv", tmp_path, limit=2)
    assert summary.docs == len(docs) == 2
    assert [doc.user_data[LANG_KEY] for doc in docs] == ["de", "en"]
    summary, docs = convert("wikiann", FIXTURES / "wikiann_original_en.txt", tmp_path, limit=1)
    assert (summary.docs, summary.tokens) == (1, 7)
    with pytest.raises(ValueError, match="limit"):
        convert_file("ud", FIXTURES / "ud_zh.conllu", tmp_path / "o.spacy", limit=0)


def test_progress_only_on_large_files(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    small = FIXTURES / "wikiann_original_en.txt"
    convert_file("wikiann", small, tmp_path / "small.spacy", progress=True)
    assert capsys.readouterr().err == ""
    large = tmp_path / "large.tsv"
    large.write_text(("a\tO\n" * 50 + "\n") * 1000, encoding="utf-8")  # 51,000 lines
    summary = convert_file("wikiann", large, tmp_path / "large.spacy", progress=True)
    assert (summary.docs, summary.tokens) == (1000, 50_000)
    assert "large.tsv" in capsys.readouterr().err
    convert_file("wikiann", large, tmp_path / "large.spacy", progress=False)
    assert capsys.readouterr().err == ""


def test_summary_is_one_line(tmp_path: Path) -> None:
    summary = convert_file("xnli", FIXTURES / "xnli_original.tsv", tmp_path / "o.spacy", lang="en")
    text = str(summary)
    assert "\n" not in text
    for part in ("2 docs", "16 tokens", "entailment=1", "neutral=1", "skipped rows: 1", "lang en"):
        assert part in text


def test_cli_convert(tmp_path: Path) -> None:
    out = tmp_path / "cli" / "en.spacy"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(REPO), os.environ.get("PYTHONPATH")])))
    result = subprocess.run(
        [sys.executable, "-m", "dlfa_spacy", "convert", "xnli", str(FIXTURES / "xnli_original.tsv"), str(out),
         "--lang", "de", "--limit", "2"],
        capture_output=True, text=True, cwd=REPO, env=env, timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert "2 docs" in result.stdout and "lang de" in result.stdout
    docs = list(DocBin().from_disk(out).get_docs(XX.vocab))
    assert [doc.user_data[LANG_KEY] for doc in docs] == ["de", "de"]


@pytest.mark.parametrize("name", ["en_ewt-ud-dev.conllu", "es_gsd-ud-test.conllu", "ar_pud-ud-test.conllu"])
def test_ud_words_keep_the_dependency_tree(shared, tmp_path, name):
    """convert ud (syntactic words) sets HEAD and DEPREL, as a parser trains on them (root: ROOT, its own head)."""
    path = shared / "ud" / name
    convert_file("ud", path, tmp_path / "out.spacy")
    docs = list(DocBin().from_disk(tmp_path / "out.spacy").get_docs(spacy.blank("xx").vocab))
    sentences = [b for b in path.read_text(encoding="utf-8").replace("\r\n", "\n").split("\n\n") if b.strip()]
    for doc, block in zip(docs, sentences):
        rows = [line.split("\t") for line in block.splitlines()
                if line and not line.startswith("#") and line.split("\t")[0].isdigit()]
        assert [t.text for t in doc] == [r[1] for r in rows]
        assert [t.head.i for t in doc] == [i if r[6] == "0" else int(r[6]) - 1 for i, r in enumerate(rows)]
        assert [t.dep_ for t in doc] == ["ROOT" if r[6] == "0" else r[7] for r in rows]


def test_ud_bad_head_names_the_line(tmp_path):
    path = tmp_path / "bad.conllu"
    path.write_text("1\tAnna\tAnna\tPROPN\t_\t_\t2\tnsubj\t_\t_\n2\tsleeps\tsleep\tVERB\t_\t_\t7\troot\t_\t_\n\n",
                    encoding="utf-8")
    with pytest.raises(ValueError) as err:
        convert_file("ud", path, tmp_path / "out.spacy")
    assert str(err.value).startswith(f"{path}, line 2: found HEAD '7'; expected a word ID in 0..2 (0 = the root)")


def test_pawsx_original_items_are_the_same_in_every_language(shared: Path, tmp_path: Path) -> None:
    # The original PAWS-X test files list one id per pair, in one order for every language.
    items = {}
    for lang in ("de", "zh"):
        path = shared / "pawsx" / "original" / "x-final" / lang / "test_2k.tsv"
        _, docs = convert("pawsx", path, tmp_path, lang=lang)
        items[lang] = [doc.user_data["item"] for doc in docs]
        assert items[lang] == [row[0] for row in tsv_rows(path, header=True)]
    assert items["de"] == items["zh"] and len(items["de"]) >= 2


def conllu_sentence(heads) -> str:
    """A CoNLL-U sentence of len(heads) words with the given HEAD column."""
    rows = [f"{i}\tw{i}\tw{i}\tNOUN\t_\t_\t{head}\t{'root' if head == 0 else 'dep'}\t_\t_"
            for i, head in enumerate(heads, 1)]
    return "# text = " + " ".join(f"w{i}" for i in range(1, len(heads) + 1)) + "\n" + "\n".join(rows) + "\n\n"


# The second sentence of the file: its words are on lines 6 to 9.
@pytest.mark.parametrize("heads,message", [
    ([0, 1, 0], "line 6: found a sentence with 2 words with HEAD 0 (IDs 1, 3); expected exactly one root (HEAD 0)"),
    ([2, 1, 2], "line 6: found a sentence with no word with HEAD 0; expected exactly one root (HEAD 0)"),
    ([0, 2, 1], "line 7: found word 2 with HEAD 2, itself; expected a head that is another word or 0"),
    ([0, 3, 4, 2], "line 7: found word 2 whose heads run in a cycle (2 -> 3 -> 4); expected heads that lead to the root"),
])
def test_ud_trees_must_be_trees(tmp_path: Path, heads, message) -> None:
    path = tmp_path / "bad.conllu"
    path.write_text(conllu_sentence([0, 1]) + conllu_sentence(heads), encoding="utf8")
    # The first sentence is fine; the second names its line. Nothing is written.
    with pytest.raises(ValueError) as err:
        convert_file("ud", path, tmp_path / "out.spacy", progress=False)
    assert str(err.value) == f"{path}, {message}"
    assert not (tmp_path / "out.spacy").exists()


def test_a_pair_longer_than_spacy_takes_names_its_line(tmp_path: Path) -> None:
    path = tmp_path / "dev-de.tsv"
    path.write_text("Ein Satz.\tNoch einer.\t1\n" + "a " * 600_000 + "\tkurz.\t0\n", encoding="utf8")
    with pytest.raises(ValueError, match=r"dev-de.tsv, line 2: found a pair of 1200005 characters; expected sentences "
                                         r"of fewer than 1000000 characters"):
        convert_file("pawsx", path, tmp_path / "out.spacy", progress=False)


def test_a_killed_writes_temp_file_is_cleaned_up(tmp_path: Path) -> None:
    out = tmp_path / "out.spacy"
    old, fresh = tmp_path / ".out.spacy.aaaaaaaaaaaa.tmp", tmp_path / ".out.spacy.bbbbbbbbbbbb.tmp"
    old.write_bytes(b"half")
    fresh.write_bytes(b"being written")
    os.utime(old, (0, 0))  # left by a write killed long ago
    convert_file("pawsx", FIXTURES / "pawsx_xtreme.tsv", out)
    assert sorted(p.name for p in tmp_path.iterdir()) == [fresh.name, "out.spacy"]
