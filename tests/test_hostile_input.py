"""The malformed-file table: every benchmark format against the same hostile files, through `convert`.

Each bad file must stop the conversion with exit status 1 and one message that names the file
(and line) and what was expected, leave an older output untouched and no temp file behind.
Byte-order marks and Windows line endings are not bad input: they convert to the same docs.
"""
import re
from pathlib import Path
from typing import Callable, Dict, List, Tuple

import pytest
from spacy.tokens import DocBin
from typer.testing import CliRunner

from dlfa_spacy.cli import app
from dlfa_spacy.tasks import FORMATS

# One well-formed sentence or row of each format, as its published files write it.
GOOD: Dict[str, str] = {
    "xnli": "premise one .\thypothesis one .\tneutral\n",
    "pawsx": "sentence one .\tsentence two .\t1\n",
    "wikiann": "en:Paris\tB-LOC\nen:is\tO\n\n",
    "ud": "# sent_id = 1\n1\tHallo\thallo\tINTJ\t_\t_\t0\troot\t_\t_\n2\t.\t.\tPUNCT\t_\t_\t1\tpunct\t_\t_\n\n",
    "sts": "a man plays .,a man plays music .,3.2\n",
}
HUGE = 2_000_000


def conllu_row(i: int, form: str, head: int, relation: str = "dep") -> str:
    return f"{i}\t{form}\t{form.lower()}\tNOUN\t_\t_\t{head}\t{relation}\t_\t_\n"


# (case, the file's bytes from the format's good text, the expected message after "NAME")
COMMON: List[Tuple[str, Callable[[str], bytes], str]] = [
    ("empty", lambda good: b"", ": found no sentences or rows; expected at least one"),
    ("blank lines only", lambda good: b"\n\n\n", ": found no sentences or rows; expected at least one"),
    ("binary", lambda good: b"\x00\x01\x02\xff\xfe garbage\n",
     ", line 1: found bytes that are not UTF-8 (invalid start byte at byte 4); expected UTF-8 text"),
    ("latin-1", lambda good: "caf\xe9\t\xe0\tneutral\n".encode("latin-1"),
     ", line 1: found bytes that are not UTF-8 (invalid continuation byte at byte 4); expected UTF-8 text"),
]
SPECIFIC: Dict[str, List[Tuple[str, str, str]]] = {
    "xnli": [
        ("truncated", GOOD["xnli"][:20], ", line 1: found 'premise one .\\thypoth'; expected a tsv header with "
                                         "gold_label, sentence1, sentence2"),
        ("unknown label", "p .\th .\tmaybe\n", ", line 1: found unknown NLI label 'maybe'; "
                                               "expected one of entailment, neutral, contradiction, -"),
        ("huge pair", "x" * HUGE + GOOD["xnli"], ", line 1: found a pair of 2000029 characters; expected sentences "
                                                 "of fewer than 1000000 characters (spaCy's nlp.max_length)"),
    ],
    "pawsx": [
        ("truncated", GOOD["pawsx"][:16], ", line 1: found 'sentence one .\\ts'; expected the header "
                                          "id<TAB>sentence1<TAB>sentence2<TAB>label or sentence1<TAB>sentence2<TAB>label"),
        ("unknown label", "s1 .\ts2 .\t2\n", ", line 1: found unknown PAWS-X label '2'; "
                                             "expected one of 0 (not_paraphrase), 1 (paraphrase)"),
        ("huge pair", "x" * HUGE + GOOD["pawsx"], ", line 1: found a pair of 2000028 characters; expected sentences "
                                                  "of fewer than 1000000 characters (spaCy's nlp.max_length)"),
    ],
    "wikiann": [
        ("truncated", GOOD["wikiann"][:13], ", line 1: found unknown NER tag 'B-LO'; "
                                            "expected one of O, B-LOC, I-LOC, B-ORG, I-ORG, B-PER, I-PER"),
        ("one field", "en:Paris\n\n", ", line 1: found 1 tab-separated field(s) in 'en:Paris'; "
                                      "expected 2 fields: lang:token<TAB>BIO tag"),
        ("huge sentence", "x" * HUGE + GOOD["wikiann"], ", line 1: found a sentence of 2000013 characters; expected "
                                                        "sentences of fewer than 1000000 characters (spaCy's nlp.max_length)"),
    ],
    "ud": [
        ("truncated", GOOD["ud"][:45], ", line 2: found 9 tab-separated field(s) in "
                                       "'1\\tHallo\\thallo\\tINTJ\\t_\\t_\\t0\\troot\\t_'; expected 10 CoNLL-U columns"),
        ("cycle, no root", conllu_row(1, "A", 2) + conllu_row(2, "B", 1) + "\n",
         ", line 1: found a sentence with no word with HEAD 0; expected exactly one root (HEAD 0)"),
        ("cycle beside the root", conllu_row(1, "A", 0, "root") + conllu_row(2, "B", 3) + conllu_row(3, "C", 2) + "\n",
         ", line 2: found word 2 whose heads run in a cycle (2 -> 3); expected heads that lead to the root"),
        ("self-headed", conllu_row(1, "A", 0, "root") + conllu_row(2, "B", 2) + "\n",
         ", line 2: found word 2 with HEAD 2, itself; expected a head that is another word or 0"),
        ("two roots", conllu_row(1, "A", 0, "root") + conllu_row(2, "B", 0, "root") + "\n",
         ", line 1: found a sentence with 2 words with HEAD 0 (IDs 1, 2); expected exactly one root (HEAD 0)"),
        ("huge sentence", "1\t" + "x" * HUGE + "\tx\tNOUN\t_\t_\t0\troot\t_\t_\n\n",
         ", line 1: found a sentence of 2000000 characters; expected sentences of fewer than 1000000 characters"),
    ],
    "sts": [
        ("truncated", GOOD["sts"][:19], ", line 1: found 2 comma-separated field(s) in 'a man plays .,a man'; "
                                        "expected 3 fields: sentence1,sentence2,score"),
        ("score out of range", "a .,b .,7.5\n", ", line 1: found score '7.5'; "
                                                "expected a similarity score, a number from 0 to 5"),
        ("unclosed quote", '"a .,b .,3.0\n', ", line 1: found bad CSV quoting (unexpected end of data)"),
        ("huge field", "x" * HUGE + GOOD["sts"], ", line 1: found a field longer than 131072 characters"),
    ],
}
CASES = [(fmt, case, make(GOOD[fmt]), expected) for fmt in FORMATS for case, make, expected in COMMON] + [
    (fmt, case, text.encode("utf8"), expected) for fmt in FORMATS for case, text, expected in SPECIFIC[fmt]]
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def convert(fmt: str, source: Path, out: Path):
    return CliRunner().invoke(app, ["convert", fmt, str(source), str(out), "--lang", "en"])


def test_the_table_covers_every_format():
    assert sorted(SPECIFIC) == sorted(FORMATS)
    assert all(len(SPECIFIC[fmt]) >= 3 for fmt in FORMATS)


@pytest.mark.parametrize("fmt, case, content, expected", CASES, ids=[f"{f}-{c}" for f, c, _, _ in CASES])
def test_a_malformed_file_is_one_clear_error_and_nothing_is_written(tmp_path, fmt, case, content, expected):
    source = tmp_path / f"{fmt}-input.txt"
    source.write_bytes(content)
    out = tmp_path / "out" / "data.spacy"
    out.parent.mkdir()
    out.write_bytes(b"an older output")
    result = convert(fmt, source, out)
    assert result.exit_code == 1
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    message = " ".join(ANSI.sub("", result.output).split())
    assert message.startswith(f"✘ {source}{expected}"), message
    assert message.count("✘") == 1 and "Traceback" not in message
    assert out.read_bytes() == b"an older output"
    assert [p.name for p in out.parent.iterdir()] == ["data.spacy"]


def annotations(path: Path) -> list:
    """What a converted file holds: each doc's words, entities, tags, cats and user data."""
    import spacy

    docs = DocBin().from_disk(path).get_docs(spacy.blank("xx").vocab)
    return [([t.text for t in d], [(e.start, e.end, e.label_) for e in d.ents], [t.pos_ for t in d], d.cats,
             dict(d.user_data)) for d in docs]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("variant", ["byte-order mark", "CRLF line endings"])
def test_a_bom_or_windows_line_endings_convert_to_the_same_docs(tmp_path, fmt, variant):
    plain = tmp_path / "plain.txt"
    plain.write_text(GOOD[fmt] * 2, encoding="utf8")
    other = tmp_path / "other.txt"
    text = GOOD[fmt] * 2
    other.write_bytes(b"\xef\xbb\xbf" + text.encode() if variant == "byte-order mark"
                      else text.replace("\n", "\r\n").encode())
    assert convert(fmt, plain, tmp_path / "plain.spacy").exit_code == 0
    assert convert(fmt, other, tmp_path / "other.spacy").exit_code == 0
    expected = annotations(tmp_path / "plain.spacy")
    assert len(expected) == 2 and expected[0][0]
    assert annotations(tmp_path / "other.spacy") == expected
