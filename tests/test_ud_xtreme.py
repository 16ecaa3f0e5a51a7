"""XTREME's UD POS preparation: fused multiword tokens, the `_` sentence filter, form cleaning, merged treebanks.

The rules come from XTREME's source (third_party/ud-conversion-tools/lib/conll.py and
conllu_to_conll.py, utils_preprocess.py udpos_preprocess). Expectations are written out
for our fixtures, worked out by hand from the CoNLL-U lines for real samples, or computed
by an independent re-implementation of XTREME's graph with networkx; never by running the
reader a second time.
"""
import re
from collections import Counter
from pathlib import Path
from typing import List, Optional, Tuple

import pytest
import spacy
from spacy.tokens import Doc, DocBin
from typer.testing import CliRunner

from dlfa_spacy.cli import app
from dlfa_spacy.corpora import ReadStats, convert_file, read_ud
from dlfa_spacy.corpora.prepare import prepare_task
from dlfa_spacy.corpora.ud_fused import EMPTY_FORM, NO_TEXT, UNRANKED, precedence_for, ud_file_lang

from conftest import shared_data_dir

FIXTURES = Path(__file__).resolve().parent / "data" / "corpora"
FUSED = FIXTURES / "ud_xtreme_fused.conllu"
FILTER = FIXTURES / "ud_xtreme_filter.conllu"
DEMO = Path(__file__).resolve().parents[1] / "assets" / "demo"
XX = spacy.blank("xx")

# conllu_to_conll.py lines 29-33, as XTREME writes them (the default list ends with "").
XTREME_PRECEDENCE = {
    "default": "VERB NOUN PROPN PRON ADJ NUM ADV INTJ AUX ADP DET PART CCONJ SCONJ X PUNCT ".split(" "),
    "es": "VERB AUX PRON ADP DET".split(" "),
    "fr": "VERB AUX PRON NOUN ADJ ADV ADP DET PART SCONJ CONJ".split(" "),
    "it": "VERB AUX ADV PRON ADP DET INTJ".split(" "),
}


def fused(path: Path, lang: Optional[str] = None) -> Tuple[List[Doc], ReadStats]:
    """The docs of a file read with XTREME's tokens, and the reader's stats."""
    stats = ReadStats()
    return list(read_ud(path, lang, tokens="fused", stats=stats)), stats


def triples(doc: Doc) -> List[Tuple[str, str, str]]:
    """(text, UPOS, XPOS) of each token."""
    return [(t.text, t.pos_, t.tag_) for t in doc]


def n_docs(path: Path) -> int:
    return len(DocBin().from_disk(path))


# ---------------------------------------------------------------- fused forms, fixtures


def test_fused_forms_default_precedence() -> None:
    docs, stats = fused(FUSED)
    assert stats.variant == "CoNLL-U, XTREME fused forms"
    assert [triples(doc) for doc in docs] == [
        # depth beats precedence: x (NOUN, under the root) heads y (VERB)
        [("xy", "NOUN", "NN"), (".", "PUNCT", ".")],
        # ties: ADP before DET (the left word), NOUN before DET (the right word)
        [("Vino", "VERB", "V"), ("del", "ADP", "P"), ("pueblo", "NOUN", "N"), ("lacasa", "NOUN", "N"),
         (".", "PUNCT", "F")],
        # PRON (rank 3) before AUX (rank 8) in the default list
        [("yoha", "PRON", "PP"), ("visto", "VERB", "VM")],
        # three words: da is the only one under the root
        [("dámelo", "VERB", "V"), (".", "PUNCT", "F")],
        # equal ranks: the leftmost word, me (PP1), gives the tags
        [("Da", "VERB", "V"), ("melo", "PRON", "PP1")],
        # enhanced DEPS: I also hangs from help, so 'm is closer to the root
        [("I'm", "AUX", "VBP"), ("glad", "ADJ", "JJ"), ("to", "PART", "TO"), ("help", "VERB", "VB"),
         (".", "PUNCT", ".")],
        # a DEPS head that is an empty node is no edge: a tie, PRON; the empty node 3.1 is no token
        [("we're", "PRON", "PRP"), ("going", "VERB", "VBG"), (".", "PUNCT", ".")],
    ]
    # XTREME's tokens reach the tokenizer one by one: one space between every two, SpaceAfter=No or not.
    assert [doc.text for doc in docs][1:4] == ["Vino del pueblo lacasa .", "yoha visto", "dámelo ."]
    # $ (SYM) and 5 (NUM) tie, and SYM is in no list: XTREME's .index() fails, the sentence is counted.
    assert stats.skipped == Counter({UNRANKED: 1})


def test_fused_forms_spanish_precedence() -> None:
    docs, stats = fused(FUSED, "es")
    by_first = {doc[0].text: triples(doc) for doc in docs}
    assert by_first["yoha"] == [("yoha", "AUX", "VA"), ("visto", "VERB", "VM")]  # AUX (1) before PRON (2)
    assert by_first["we're"][0] == ("we're", "AUX", "VBP")
    assert by_first["xy"][0] == ("xy", "NOUN", "NN")  # a single highest word needs no list
    # NOUN and DET tie in "lacasa" and NOUN is not in es's list; SYM/NUM as before.
    assert "Vino" not in by_first
    assert stats.skipped == Counter({UNRANKED: 2})


def test_precedence_lists_are_xtremes() -> None:
    for lang in ("es", "fr", "it"):
        assert list(precedence_for(lang)) == XTREME_PRECEDENCE[lang]
    assert list(precedence_for("en")) == list(precedence_for(None)) == XTREME_PRECEDENCE["default"]
    assert ud_file_lang(Path("x/es_gsd-ud-test.conllu")) == "es"
    assert ud_file_lang(Path("en_ewt-ud-train.conllu")) == "en"
    assert ud_file_lang(FUSED) is None


def test_words_reading_is_unchanged_by_default() -> None:
    docs = list(read_ud(FUSED))
    assert [t.text for t in docs[1]] == ["Vino", "de", "el", "pueblo", "la", "casa", "."]
    assert [t.text for t in docs[-1]] == ["Pay", "$", "5"]  # nothing is left out
    assert len(docs) == 8


# ---------------------------------------------------------------- filter and cleaning, fixtures


def test_filter_boundary_and_cleaning() -> None:
    docs, stats = fused(FILTER)
    assert [[t.text for t in doc] for doc in docs] == [
        ["_", "a", "_", "b"],  # 2 "_" of 4: 2 < 4 - 1, kept
        ["a", "b", "c"],  # no "_"
        ["a"],  # no "_"
        ["ab", "xy", "10\u00a0000"],  # ASCII space and U+200C removed, NBSP kept
    ]
    # Dropped: 2 of 3, 3 of 3, 1 of 2, 1 of 1, and the fused "_" + "c" (1 of 2).
    assert stats.skipped == Counter({NO_TEXT: 5, EMPTY_FORM: 1})
    # The syntactic-word reading keeps all ten sentences as they are.
    words = list(read_ud(FILTER))
    assert len(words) == 10
    assert [t.text for t in words[7]] == ["a", "b", "c"] and [t.text for t in words[8]][:2] == ["a b", "x\u200cy"]


def test_filtered_sentences_are_reported(tmp_path: Path) -> None:
    summary = convert_file("ud", FILTER, tmp_path / "out.spacy", ud_tokens="fused")
    assert summary.docs == 4 and summary.skipped_rows == 6
    assert f"5 {NO_TEXT}" in str(summary) and f"1 {EMPTY_FORM}" in str(summary)
    textless = tmp_path / "en_esl-ud-test.conllu"
    textless.write_text("1\t_\t_\tNOUN\t_\t_\t0\troot\t_\t_\n2\t_\t_\tNOUN\t_\t_\t1\tdep\t_\t_\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"found only input that is left out \(1 sentences without text"):
        convert_file("ud", textless, tmp_path / "esl.spacy", ud_tokens="fused")
    with pytest.raises(ValueError, match=r"unknown UD tokens 'subwords'; expected one of words, fused"):
        convert_file("ud", FILTER, tmp_path / "out.spacy", ud_tokens="subwords")


WORD = "1\ta\ta\tNOUN\t_\t_\t0\troot\t_\t_\n"


@pytest.mark.parametrize("content,line,found,expected", [
    (WORD + "2\tb\tb\tNOUN\t_\t_\tx\tdep\t_\t_\n", 2, "HEAD 'x'", "0 or a word ID up to 2"),
    (WORD + "2\tb\tb\tNOUN\t_\t_\t3\tdep\t_\t_\n", 2, "HEAD '3'", "0 or a word ID up to 2"),
    (WORD + "2\tb\tb\tNOUN\t_\t_\t1\tdep\tnsubj\t_\n", 2, "DEPS item 'nsubj'", "head:relation pairs"),
    (WORD + "2\tb\tb\tNOUN\t_\t_\t1\tdep\t1:dep|07:x\t_\n", 2, "DEPS head '07'", "0 or a word ID up to 2"),
    ("1-2\tab\t_\t_\t_\t_\t_\t_\t_\t_\n" + WORD + "2-3\tbc\t_\t_\t_\t_\t_\t_\t_\t_\n", 3,
     "multiword token ID '2-3'", "after the previous multiword token"),
], ids=["head-not-a-number", "head-outside", "deps-no-colon", "deps-head", "overlapping-ranges"])
def test_malformed_heads_are_errors(tmp_path: Path, content: str, line: int, found: str, expected: str) -> None:
    path = tmp_path / "bad.conllu"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(ValueError) as err:
        convert_file("ud", path, tmp_path / "out.spacy", ud_tokens="fused")
    message = str(err.value)
    assert message.startswith(f"{path}, line {line}: found {found}; expected ")
    assert expected in message
    assert not (tmp_path / "out.spacy").exists()


# ---------------------------------------------------------------- prepare: merged treebanks


def _sentences(*forms_per_sentence: List[str]) -> str:
    """A CoNLL-U text: one flat sentence (word 1 the root, UPOS NOUN) per list of forms."""
    blocks = []
    for forms in forms_per_sentence:
        blocks.append("".join(f"{i}\t{form}\t_\tNOUN\t_\t_\t{0 if i == 1 else 1}\tdep\t_\t_\n"
                              for i, form in enumerate(forms, 1)))
    return "\n".join(blocks)


@pytest.fixture()
def treebanks(tmp_path: Path) -> Path:
    """Two English treebanks (one sentence without text), another language's train, two Spanish tests."""
    root = tmp_path / "ud-treebanks"
    files = {
        "UD_English-A/en_a-ud-train.conllu": _sentences(["a", "b"], ["c"]),
        "UD_English-A/en_a-ud-dev.conllu": _sentences(["d"]),
        "UD_English-B/en_b-ud-train.conllu": _sentences(["e"], ["_", "_", "_"], ["f", "g"]),
        "UD_English-B/en_b-ud-dev.conllu": _sentences(["h"], ["i"]),
        "UD_German-X/de_x-ud-train.conllu": _sentences(["j"]),
        "UD_Spanish-T/es_t-ud-test.conllu": FUSED.read_text(encoding="utf-8"),
        "UD_Spanish-U/es_u-ud-test.conllu": _sentences(["k"]),
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


def test_prepare_merges_every_english_treebank(tmp_path: Path, treebanks: Path) -> None:
    out = tmp_path / "corpus"
    train, dev, test = prepare_task("pos", [treebanks], out, ["es"])
    assert [p.name for p in train.input_paths] == ["en_a-ud-train.conllu", "en_b-ud-train.conllu"]
    assert (train.docs, train.skipped) == (4, Counter({NO_TEXT: 1}))  # 2 + 3, less the one without text
    assert [p.name for p in dev.input_paths] == ["en_a-ud-dev.conllu", "en_b-ud-dev.conllu"] and dev.docs == 3
    assert [p.name for p in test.input_paths] == ["es_t-ud-test.conllu", "es_u-ud-test.conllu"]
    # es_t is read with es's precedence list, named by its file: 6 sentences of FUSED, then k.
    assert test.docs == 7 and test.skipped == Counter({UNRANKED: 2})
    docs = list(DocBin().from_disk(out / "test" / "es.spacy").get_docs(XX.vocab))
    assert triples(docs[1])[0] == ("yoha", "AUX", "VA")
    assert n_docs(out / "train.spacy") == 4


def test_prepare_one_treebank_and_the_words_reading(tmp_path: Path, treebanks: Path) -> None:
    train, dev, _ = prepare_task("pos", [treebanks], tmp_path / "b", ["es"], train_treebank="en_b")
    assert [p.name for p in train.input_paths + dev.input_paths] == ["en_b-ud-train.conllu", "en_b-ud-dev.conllu"]
    # The words reading keeps the old default treebank, en_ewt...
    with pytest.raises(FileNotFoundError, match=r"'\*\*/en_ewt-ud-train.conllu'"):
        prepare_task("pos", [treebanks], tmp_path / "w", ["es"], ud_tokens="words")
    # ... and neither filters nor fuses.
    train, _, test = prepare_task("pos", [treebanks], tmp_path / "w", ["es"], ud_tokens="words", train_treebank="en_b")
    assert (train.docs, train.skipped_rows, train.variant) == (3, 0, "CoNLL-U")
    fused_words = sum(line.split("\t")[0].isdigit() for line in FUSED.read_text(encoding="utf-8").splitlines())
    assert (test.docs, test.tokens) == (8 + 1, fused_words + 1)
    with pytest.raises(ValueError, match="unknown UD tokens 'x'"):
        prepare_task("pos", [treebanks], tmp_path / "x", ["es"], ud_tokens="x")
    assert not (tmp_path / "x").exists()


def test_demo_prepares_with_the_xtreme_default(tmp_path: Path) -> None:
    langs = ["en", "de", "es", "ru", "zh"]
    summaries = prepare_task("pos", [DEMO], tmp_path / "fused", langs)
    words = prepare_task("pos", [DEMO], tmp_path / "words", langs, ud_tokens="words", train_treebank="en_demo")
    assert [s.docs for s in summaries] == [s.docs for s in words] == [300, 60] + [80] * 5
    assert all(s.skipped_rows == 0 for s in summaries)
    # Only Spanish has multiword tokens: five two-word ranges (al, del), one token each.
    es_lines = (DEMO / "ud" / "es_demo-ud-test.conllu").read_text(encoding="utf-8").splitlines()
    es_ranges = sum(1 for line in es_lines if re.match(r"[0-9]+-[0-9]+\t", line))
    assert es_ranges == 5
    assert [f.tokens - w.tokens for f, w in zip(summaries, words)] == [0, 0, 0, 0, -es_ranges, 0, 0]
    docs = list(DocBin().from_disk(tmp_path / "fused" / "test" / "es.spacy").get_docs(XX.vocab))
    fused_tokens = [t for doc in docs for t in doc if t.text in ("al", "del")]
    assert len(fused_tokens) == 5 and {t.pos_ for t in fused_tokens} == {"ADP"}  # ADP before DET in es's list


def test_cli_ud_tokens(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["convert", "ud", str(FUSED), str(tmp_path / "f.spacy"), "--ud-tokens", "fused"])
    assert result.exit_code == 0, result.output
    output = " ".join(result.output.split())  # the printer wraps long lines
    assert "XTREME fused forms" in output and f"1 {UNRANKED}" in output
    result = runner.invoke(app, ["convert", "ud", str(FUSED), str(tmp_path / "w.spacy")])
    assert result.exit_code == 0 and n_docs(tmp_path / "w.spacy") == 8  # words by default
    result = runner.invoke(app, ["convert", "ud", str(FUSED), str(tmp_path / "x.spacy"), "--ud-tokens", "bad"])
    assert result.exit_code == 1 and "unknown UD tokens 'bad'" in result.output
    result = runner.invoke(app, ["prepare", "pos", str(tmp_path / "p"), "--source", str(DEMO), "--langs", "es",
                                 "--ud-tokens", "words", "--train-treebank", "en_demo"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(app, ["prepare", "pos", str(tmp_path / "q"), "--source", str(DEMO), "--langs", "es"])
    assert result.exit_code == 0, result.output
    assert "XTREME fused forms" in " ".join(result.output.split())
    assert n_docs(tmp_path / "q" / "train.spacy") == 300


# ---------------------------------------------------------------- real UD samples


@pytest.fixture(scope="module")
def shared() -> Path:
    root = shared_data_dir()
    if not root.is_dir():
        pytest.skip(f"real benchmark samples not found at {root} (set DLFA_SHARED_DATA)")
    return root


def shared_ud(name: str) -> Path:
    return shared_data_dir() / "ud" / name


def conllu_blocks(path: Path) -> List[List[str]]:
    """The non-comment lines of each sentence."""
    blocks, block = [], []
    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        if not line.strip():
            if block:
                blocks.append(block)
            block = []
        elif not line.startswith("#"):
            block.append(line)
    return blocks


def xtreme_sentence(lines: List[str], precedence: List[str]) -> Tuple[List[str], List[str]]:
    """Forms and UPOS of one sentence as XTREME's read_conll_u and _keep_fused_form give them."""
    import networkx as nx  # a declared test extra (setup.cfg): missing fails, not skips
    graph, nodes, ranges = nx.DiGraph(), {}, []
    for line in lines:
        cols = line.split("\t")
        if "." in cols[0]:
            continue  # parse_id: empty nodes are no nodes, and have no edges
        if "-" in cols[0]:
            ranges.append((*map(int, cols[0].split("-")), cols[1]))
            continue
        node = int(cols[0])
        nodes[node] = (cols[1], cols[3])
        graph.add_edge(int(cols[6]), node)
        for pair in ([] if cols[8] == "_" else cols[8].split("|")):
            head = pair.split(":")[0]
            if head.isdigit():  # parse_deps keeps the heads that are words or 0
                graph.add_edge(int(head), node)
    for first, last, form in ranges:
        span = list(range(first, last + 1))
        depth = {x: len(nx.ancestors(graph, x)) for x in span}
        highest = [x for x in span if depth[x] == min(depth.values())]
        head = highest[0] if len(highest) == 1 else min(highest, key=lambda x: precedence.index(nodes[x][1]))
        for x in span:
            if x != head:
                del nodes[x]  # the other subtokens go
        nodes[head] = (form, nodes[head][1])  # the range's form, the head's UPOS
    return [nodes[x][0] for x in sorted(nodes)], [nodes[x][1] for x in sorted(nodes)]


@pytest.mark.parametrize("name", [
    "en_ewt-ud-dev.conllu", "es_gsd-ud-test.conllu", "fr_gsd-ud-test.conllu", "de_gsd-ud-test.conllu",
    "ar_pud-ud-test.conllu", "zh_gsd-ud-test.conllu",
])
def test_real_samples_follow_xtremes_rules(shared: Path, name: str) -> None:
    path = shared / "ud" / name
    precedence = XTREME_PRECEDENCE.get(name[:2], XTREME_PRECEDENCE["default"])
    expected = [xtreme_sentence(block, precedence) for block in conllu_blocks(path)]
    docs, stats = fused(path)
    assert stats.skipped == Counter()  # these treebanks have text: the filter keeps every sentence
    assert [([t.text for t in doc], [t.pos_ for t in doc]) for doc in docs] == expected


def test_real_counts(shared: Path, tmp_path: Path) -> None:
    for name, sentences in (("en_ewt-ud-dev.conllu", 1000), ("es_gsd-ud-test.conllu", 150),
                            ("fr_gsd-ud-test.conllu", 150), ("de_gsd-ud-test.conllu", 150)):
        path = shared / "ud" / name
        words = ranges_words = 0
        for block in conllu_blocks(path):
            for line in block:
                token_id = line.split("\t")[0]
                words += token_id.isdigit()
                if "-" in token_id:
                    first, last = map(int, token_id.split("-"))
                    ranges_words += last - first  # a range of n words is one token
        summary = convert_file("ud", path, tmp_path / f"{name}.spacy", ud_tokens="fused")
        assert (summary.docs, summary.tokens, summary.skipped_rows) == (sentences, words - ranges_words, 0)
    # en_ewt dev: 14063 words, 144 two-word ranges.
    assert convert_file("ud", shared / "ud" / "en_ewt-ud-dev.conllu", tmp_path / "en.spacy",
                        ud_tokens="fused").tokens == 14063 - 144


def _sentence_lines(path: Path, sent_id: str) -> Tuple[int, List[str]]:
    """The index of the sentence with this sent_id and its non-comment lines."""
    blocks = path.read_text(encoding="utf-8").split("\n\n")
    for index, block in enumerate(blocks):
        if f"# sent_id = {sent_id}\n" in block + "\n":
            return index, [line for line in block.splitlines() if not line.startswith("#")]
    raise AssertionError(sent_id)


def test_real_del_by_hand(shared: Path) -> None:
    path = shared / "ud" / "es_gsd-ud-test.conllu"
    index, lines = _sentence_lines(path, "es-dev-003-s414")
    # 6-7 del = 6 de (ADP, head 8) + 7 el (DET, head 8): siblings, so equally far from the root;
    # es's list VERB AUX PRON ADP DET puts ADP first: one token "del", ADP. The rest are the words.
    assert lines[5].split("\t")[:2] == ["6-7", "del"]
    assert [line.split("\t")[i] for line in lines[6:8] for i in (1, 3, 6)] == ["de", "ADP", "8", "el", "DET", "8"]
    forms = [line.split("\t")[1] for line in lines if line.split("\t")[0].isdigit()]
    upos = [line.split("\t")[3] for line in lines if line.split("\t")[0].isdigit()]
    expected = list(zip(forms[:5] + ["del"] + forms[7:], upos[:5] + ["ADP"] + upos[7:]))
    docs, _ = fused(path)
    assert [(t.text, t.pos_) for t in docs[index]] == expected
    assert docs[index].text.startswith("De allí procedía la familia del escritor vallisoletano")


def test_real_enhanced_edge_decides(shared: Path) -> None:
    path = shared / "ud" / "en_ewt-ud-dev.conllu"
    index, lines = _sentence_lines(path, "weblog-typepad.com_ripples_20050410122300_ENG_20050410_122300-0031")
    # 1-2 I'm: I (PRON) has HEAD 3 and DEPS 3:nsubj|5:nsubj:xsubj, 'm (AUX) HEAD 3 and DEPS 3:cop;
    # 3 is the root, 5 hangs from 3. Ancestors: I {3, 5, 0}, 'm {3, 0}: 'm is the span head, AUX.
    # On HEAD alone they would tie and the default list would pick PRON.
    cols = [line.split("\t") for line in lines[:6]]
    assert cols[0][:2] == ["1-2", "I'm"]
    assert (cols[1][3], cols[1][6], cols[1][8]) == ("PRON", "3", "3:nsubj|5:nsubj:xsubj")
    assert (cols[2][3], cols[2][6], cols[2][8]) == ("AUX", "3", "3:cop")
    assert (cols[3][6], cols[5][6]) == ("0", "3")
    docs, _ = fused(path)
    assert [(t.text, t.pos_) for t in docs[index][:2]] == [("I'm", "AUX"), ("inclined", "ADJ")]


def test_fused_japanese_words_stay_apart(tmp_path) -> None:
    # Japanese UD marks every word SpaceAfter=No: joined, kana would run across word boundaries.
    path = tmp_path / "ja.conllu"
    path.write_text("# text = 東京は日本\n"
                    "1\t東京\t東京\tPROPN\t_\t_\t3\tnsubj\t_\tSpaceAfter=No\n"
                    "2\tは\tは\tADP\t_\t_\t1\tcase\t_\tSpaceAfter=No\n"
                    "3\t日本\t日本\tPROPN\t_\t_\t0\troot\t_\tSpaceAfter=No\n\n", encoding="utf8")
    docs, _ = fused(path)
    assert docs[0].text == "東京 は 日本" and [t.text for t in docs[0]] == ["東京", "は", "日本"]
