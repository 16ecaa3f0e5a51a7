"""Checks of the bundled demo data in assets/demo (see assets/demo/README.md).

The files are parsed here with plain Python, independently of the project's
converters, and the expected sizes are written out literally: they are the
numbers scripts/demo_data/generate.py is designed to produce.
"""
import csv
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DEMO = ROOT / "assets" / "demo"
# The generator and its word lists live in scripts/demo_data/, outside the data folder.
GENERATE = ROOT / "scripts" / "demo_data" / "generate.py"
NOT_DATA = {"README.md"}
NOT_DATA_DIRS = {"__pycache__"}

NER_TAGS = {"O", "B-PER", "I-PER", "B-LOC", "I-LOC", "B-ORG", "I-ORG"}
UPOS = {"ADJ", "ADP", "ADV", "AUX", "CCONJ", "DET", "INTJ", "NOUN", "NUM", "PART", "PRON",
        "PROPN", "PUNCT", "SCONJ", "SYM", "VERB", "X"}
NLI_LABELS = {"entailment", "neutral", "contradiction"}
MNLI_HEADER = ["gold_label", "sentence1_binary_parse", "sentence2_binary_parse", "sentence1_parse",
               "sentence2_parse", "sentence1", "sentence2", "promptID", "pairID", "genre",
               "label1", "label2", "label3", "label4", "label5"]
XNLI_HEADER = ["language", "gold_label", "sentence1_binary_parse", "sentence2_binary_parse",
               "sentence1_parse", "sentence2_parse", "sentence1", "sentence2", "promptID",
               "pairID", "genre", "label1", "label2", "label3", "label4", "label5",
               "sentence1_tokenized", "sentence2_tokenized", "match"]

NER_FILES = {"en/train": 300, "en/dev": 60, "en/test": 80, "de/test": 80, "es/test": 80,
             "ru/test": 80, "zh/test": 80}
UD_FILES = {"en_demo-ud-train.conllu": 300, "en_demo-ud-dev.conllu": 60,
            "en_demo-ud-test.conllu": 80, "de_demo-ud-test.conllu": 80,
            "es_demo-ud-test.conllu": 80, "ru_demo-ud-test.conllu": 80,
            "zh_demo-ud-test.conllu": 80}
PAWS_FILES = {"en/train.tsv": 300, "en/dev_2k.tsv": 60, "en/test_2k.tsv": 80,
              "de/test_2k.tsv": 80, "es/test_2k.tsv": 80, "ru/test_2k.tsv": 80}
STSB_FILES = {"en-train": 300, "en-dev": 60, "en-test": 80, "de-test": 80, "es-test": 80,
              "ru-test": 80}
STS_TRACK_INPUT = "sts2017/STS2017.eval.v1.1/STS.input.track4a.es-en.txt"
STS_TRACK_GOLD = "sts2017/STS2017.gs/STS.gs.track4a.es-en.txt"
STS_EXTENDED = "sts2017/STS2017-extended/STS.en-de.txt"
STS_CROSS = 60
VOCAB_LINES = 5457


def read_text(rel):
    raw = (DEMO / rel).read_bytes()
    assert b"\r" not in raw, f"{rel}: CR characters"
    assert raw.endswith(b"\n"), f"{rel}: no final newline"
    return raw.decode("utf-8")


def has_cyrillic(text):
    return any("\u0400" <= ch <= "\u04ff" for ch in text)


def has_cjk(text):
    return any("\u4e00" <= ch <= "\u9fff" for ch in text)


def data_files(root):
    return sorted(str(p.relative_to(root)) for p in root.rglob("*")
                  if p.is_file() and p.name not in NOT_DATA
                  and not NOT_DATA_DIRS.intersection(p.relative_to(root).parts))


def test_generator_reproduces_committed_files(tmp_path):
    subprocess.run([sys.executable, str(GENERATE), "--output", str(tmp_path)],
                   check=True, capture_output=True)
    generated = data_files(tmp_path)
    assert generated == data_files(DEMO)
    assert len(generated) == 33
    assert [f for f in generated if f.startswith(("stsb/", "sts2017/"))] == sorted(
        [f"stsb/stsb-{name}.csv" for name in STSB_FILES] + [STS_TRACK_INPUT, STS_TRACK_GOLD, STS_EXTENDED])
    for rel in generated:
        assert (tmp_path / rel).read_bytes() == (DEMO / rel).read_bytes(), rel


def test_total_size_is_small():
    total = sum(p.stat().st_size for p in DEMO.rglob("*") if p.is_file())
    assert total < 1_500_000


# --- NER: WikiANN original ---------------------------------------------------

def parse_wikiann(rel):
    text = read_text(rel)
    assert text.endswith("\n\n")
    sentences = []
    for block in text[:-2].split("\n\n"):
        rows = []
        for line in block.split("\n"):
            token, tag = line.split("\t")
            lang, sep, word = token.partition(":")
            assert sep and word and " " not in word, line
            rows.append((lang, word, tag))
        sentences.append(rows)
    return sentences


@pytest.mark.parametrize("name,count", sorted(NER_FILES.items()))
def test_wikiann_file(name, count):
    sentences = parse_wikiann(f"wikiann/{name}")
    assert len(sentences) == count
    folder_lang = name.split("/")[0]
    tags = Counter()
    for rows in sentences:
        previous = "O"
        for lang, word, tag in rows:
            assert lang == folder_lang
            assert tag in NER_TAGS
            if tag.startswith("I-"):  # BIO: I-X only inside an X entity
                assert previous[2:] == tag[2:], rows
            previous = tag
            tags[tag] += 1
    assert {"B-PER", "I-PER", "B-LOC", "I-LOC", "B-ORG", "I-ORG", "O"} <= set(tags)
    words = "".join(word for rows in sentences for _, word, _ in rows)
    if folder_lang == "ru":
        assert has_cyrillic(words)
    if folder_lang == "zh":
        assert has_cjk(words)
        assert all(len(word) == 1 for rows in sentences for _, word, _ in rows)


def test_wikiann_test_languages():
    langs = sorted(p.parent.name for p in (DEMO / "wikiann").glob("*/test"))
    assert langs == ["de", "en", "es", "ru", "zh"]


# --- POS: CoNLL-U ------------------------------------------------------------

def parse_conllu(rel):
    text = read_text(rel)
    assert text.endswith("\n\n")
    sentences = []
    for block in text[:-2].split("\n\n"):
        lines = block.split("\n")
        comments = [l for l in lines if l.startswith("#")]
        rows = [l.split("\t") for l in lines if not l.startswith("#")]
        assert lines[: len(comments)] == comments, "comments come first"
        sentences.append((comments, rows))
    return sentences


def check_conllu_sentence(comments, rows):
    """Validate one sentence; return the number of multiword-token ranges."""
    assert comments[0].startswith("# sent_id = ")
    assert comments[1].startswith("# text = ")
    expected_id, ranges, words, surface = 1, 0, [], ""
    pending_range = None  # (last id of the range, misc) of an open multiword token
    for cols in rows:
        assert len(cols) == 10, cols
        if "-" in cols[0]:
            first, last = map(int, cols[0].split("-"))
            assert first == expected_id and last > first, cols
            assert cols[1] and cols[2:9] == ["_"] * 7, cols
            surface += cols[1] + ("" if "SpaceAfter=No" in cols[9] else " ")
            pending_range = last
            ranges += 1
            continue
        assert cols[0] == str(expected_id), (cols, expected_id)
        assert cols[3] in UPOS, cols
        assert cols[8] == "_"
        words.append(cols)
        if pending_range is None:
            surface += cols[1] + ("" if "SpaceAfter=No" in cols[9] else " ")
        else:
            assert cols[9] == "_", "MISC of the words inside a range stays empty"
            if expected_id == pending_range:
                pending_range = None
        expected_id += 1
    assert pending_range is None
    assert comments[1][len("# text = "):] == surface.rstrip()
    # A tree: one root, heads inside the sentence, no cycles.
    heads = {int(c[0]): int(c[6]) for c in words}
    roots = [c for c in words if c[6] == "0"]
    assert len(roots) == 1 and roots[0][7] == "root"
    assert all(c[7] != "root" for c in words if c[6] != "0")
    for i in heads:
        seen, node = set(), i
        while node != 0:
            assert node in heads and node not in seen, (i, heads)
            seen.add(node)
            node = heads[node]
    return ranges


@pytest.mark.parametrize("name,count", sorted(UD_FILES.items()))
def test_conllu_file(name, count):
    sentences = parse_conllu(f"ud/{name}")
    assert len(sentences) == count
    ranges = sum(check_conllu_sentence(c, r) for c, r in sentences)
    sent_ids = [c[0] for c, _ in sentences]
    assert len(set(sent_ids)) == count
    lang = name.split("_")[0]
    if lang == "es":
        assert ranges == 5
        forms = {r[1] for _, rows in sentences for r in rows if "-" in r[0]}
        assert forms == {"al", "del"}
    else:
        assert ranges == 0
    text = " ".join(c[1] for c, _ in sentences)
    if lang == "ru":
        assert has_cyrillic(text)
    if lang == "zh":
        assert has_cjk(text)
        assert all(r[9] == "SpaceAfter=No" for _, rows in sentences for r in rows)
    else:
        assert any("SpaceAfter=No" in r[9] for _, rows in sentences for r in rows)


def test_spanish_multiword_tokens_split_as_in_ud():
    for comments, rows in parse_conllu("ud/es_demo-ud-test.conllu"):
        for i, cols in enumerate(rows):
            if "-" in cols[0]:
                parts = [rows[i + 1][1].lower(), rows[i + 2][1].lower()]
                assert parts == {"al": ["a", "el"], "del": ["de", "el"]}[cols[1]]
                assert [rows[i + 1][3], rows[i + 2][3]] == ["ADP", "DET"]


# --- XNLI: MultiNLI txt and XNLI tsv -----------------------------------------

def read_tsv(rel, header):
    lines = read_text(rel)[:-1].split("\n")
    assert lines[0].split("\t") == header
    rows = [line.split("\t") for line in lines[1:]]
    assert all(len(r) == len(header) for r in rows)
    return [dict(zip(header, r)) for r in rows]


def test_mnli_train():
    rows = read_tsv("mnli/multinli_1.0_train.txt", MNLI_HEADER)
    assert len(rows) == 306
    assert Counter(r["gold_label"] for r in rows) == {
        "entailment": 100, "neutral": 100, "contradiction": 100, "-": 6}
    for r in rows:
        assert r["sentence1"] and r["sentence2"]
        assert r["label1"] in NLI_LABELS
        assert r["pairID"] == r["promptID"] + r["label1"][0]
        labels = [r[f"label{i}"] for i in range(1, 6)]
        if r["gold_label"] == "-":
            assert max(Counter(labels).values()) < 3
        else:
            assert r["label1"] == r["gold_label"] and labels[1:] == [""] * 4
        # The binary parse holds the same words as the sentence.
        words = r["sentence1_binary_parse"].replace("(", " ").replace(")", " ").split()
        assert "".join(words) == r["sentence1"].replace(" ", "")
        assert r["sentence1_parse"].startswith("(ROOT (S ")


@pytest.mark.parametrize("split,per_lang", [("dev", 60), ("test", 90)])
def test_xnli_file(split, per_lang):
    rows = read_tsv(f"xnli/xnli.{split}.tsv", XNLI_HEADER)
    assert Counter(r["language"] for r in rows) == {
        "en": per_lang, "de": per_lang, "es": per_lang, "ru": per_lang}
    pair_ids = {}
    for lang in ("en", "de", "es", "ru"):
        mine = [r for r in rows if r["language"] == lang]
        assert Counter(r["gold_label"] for r in mine) == {label: per_lang // 3 for label in NLI_LABELS}
        pair_ids[lang] = [r["pairID"] for r in mine]
    assert pair_ids["en"] == pair_ids["de"] == pair_ids["es"] == pair_ids["ru"]
    assert len(set(pair_ids["en"])) == per_lang
    for r in rows:
        labels = [r[f"label{i}"] for i in range(1, 6)]
        assert set(labels) <= NLI_LABELS and Counter(labels)[r["gold_label"]] >= 3
        assert r["sentence1_tokenized"].replace(" ", "") == r["sentence1"].replace(" ", "")
        assert r["sentence2_tokenized"].replace(" ", "") == r["sentence2"].replace(" ", "")
        assert r["match"] == "True"
        assert all(r[c] == "" for c in XNLI_HEADER[2:6])
    assert has_cyrillic(" ".join(r["sentence1"] for r in rows if r["language"] == "ru"))


# --- PAWS-X ------------------------------------------------------------------

@pytest.mark.parametrize("name,count", sorted(PAWS_FILES.items()))
def test_pawsx_file(name, count):
    rows = read_tsv(f"pawsx/{name}", ["id", "sentence1", "sentence2", "label"])
    assert len(rows) == count
    assert Counter(r["label"] for r in rows) == {"1": count // 2, "0": count // 2}
    ids = [int(r["id"]) for r in rows]
    assert len(set(ids)) == count and ids == sorted(ids)
    for r in rows:
        assert r["sentence1"] and r["sentence2"] and r["sentence1"] != r["sentence2"]
        # PAWS: both sentences use (nearly) the same words; compare 4-letter stems
        # because Russian names change case ("Ольга старше Дарьи" / "Дарья младше Ольги").
        w1, w2 = ({w.strip(".,")[:4] for w in r[key].lower().split()} for key in ("sentence1", "sentence2"))
        assert len(w1 & w2) >= 2
    if name.startswith("ru/"):
        assert has_cyrillic(rows[0]["sentence1"])


def test_pawsx_test_sets_are_parallel():
    ids = {lang: [l.split("\t")[0] for l in read_text(f"pawsx/{lang}/test_2k.tsv").splitlines()]
           for lang in ("en", "de", "es", "ru")}
    assert ids["en"] == ids["de"] == ids["es"] == ids["ru"]


# --- STS: stsb-multi-mt CSV, STS 2017 track input + gold, STS2017-extended ---

def read_stsb(name):
    """Rows (sentence1, sentence2, score text) of stsb/stsb-{name}.csv."""
    rows = list(csv.reader(read_text(f"stsb/stsb-{name}.csv").splitlines(), dialect="excel",
                           strict=True))
    assert all(len(r) == 3 for r in rows)
    return rows


def check_scores(scores, pattern):
    """Every score is a number from 0 to 5 written as `pattern`; they spread over 0-5."""
    assert all(re.fullmatch(pattern, s) for s in scores), scores
    values = [float(s) for s in scores]
    assert all(0 <= v <= 5 for v in values)
    # Roughly uniform: each unit interval holds 10-35% of the pairs; many distinct values.
    buckets = Counter(min(int(v), 4) for v in values)
    assert all(0.10 * len(values) <= buckets[b] <= 0.35 * len(values) for b in range(5)), buckets
    assert len(set(values)) >= 30
    assert max(Counter(values).values()) <= 0.1 * len(values)


@pytest.mark.parametrize("name,count", sorted(STSB_FILES.items()))
def test_stsb_file(name, count):
    rows = read_stsb(name)
    assert len(rows) == count
    check_scores([r[2] for r in rows], r"[0-5]\.\d")
    assert all(r[0] and r[1] and r[0] != r[1] for r in rows)
    # Some sentences hold a comma, so their fields are quoted; others are not.
    lines = read_text(f"stsb/stsb-{name}.csv").splitlines()
    assert any(line.startswith('"') for line in lines)
    assert any('"' not in line for line in lines)
    assert any("," in r[0] for r in rows) and "\t" not in read_text(f"stsb/stsb-{name}.csv")
    if name.startswith("ru"):
        assert has_cyrillic(rows[0][0])


def test_stsb_test_sets_are_parallel():
    scores = {lang: [r[2] for r in read_stsb(f"{lang}-test")] for lang in ("en", "de", "es", "ru")}
    assert scores["en"] == scores["de"] == scores["es"] == scores["ru"]
    assert len({r[0] for lang in scores for r in read_stsb(f"{lang}-test")[:1]}) == 4


def test_sts2017_track():
    inputs = read_text(STS_TRACK_INPUT).splitlines()
    gold = read_text(STS_TRACK_GOLD).splitlines()
    assert len(inputs) == len(gold) == STS_CROSS
    assert all(len(line.split("\t")) == 2 and all(line.split("\t")) for line in inputs)
    check_scores(gold, r"[0-5]\.\d\d")
    assert any("," in line for line in inputs)


def test_sts2017_extended():
    rows = [line.split("\t") for line in read_text(STS_EXTENDED).splitlines()]
    assert len(rows) == STS_CROSS
    assert all(len(r) == 3 and r[0] and r[1] for r in rows)
    check_scores([r[2] for r in rows], r"[0-5]\.\d")


# --- vocabulary text ---------------------------------------------------------

def test_vocab_corpus_holds_every_sentence():
    lines = read_text("text/vocab_corpus.txt")[:-1].split("\n")
    assert len(lines) == VOCAB_LINES
    assert len(set(lines)) == len(lines) and all(lines)
    corpus = set(lines)
    expected = set()
    for name in NER_FILES:
        lang = name.split("/")[0]
        for rows in parse_wikiann(f"wikiann/{name}"):
            expected.add(("" if lang == "zh" else " ").join(word for _, word, _ in rows))
    for name in UD_FILES:
        expected.update(c[1][len("# text = "):] for c, _ in parse_conllu(f"ud/{name}"))
    for r in read_tsv("mnli/multinli_1.0_train.txt", MNLI_HEADER):
        expected.update([r["sentence1"], r["sentence2"]])
    for split in ("dev", "test"):
        for r in read_tsv(f"xnli/xnli.{split}.tsv", XNLI_HEADER):
            expected.update([r["sentence1"], r["sentence2"]])
    for name in PAWS_FILES:
        for r in read_tsv(f"pawsx/{name}", ["id", "sentence1", "sentence2", "label"]):
            expected.update([r["sentence1"], r["sentence2"]])
    for name in STSB_FILES:
        expected.update(s for r in read_stsb(name) for s in r[:2])
    for rel in (STS_TRACK_INPUT, STS_EXTENDED):
        expected.update(s for line in read_text(rel).splitlines() for s in line.split("\t")[:2])
    assert corpus == expected
