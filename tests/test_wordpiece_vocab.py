"""The locally learned WordPiece vocabulary: exact merges, ties broken by the pieces, the same in every process."""
import subprocess
import sys
from pathlib import Path

from dlfa_spacy.testing.localmodel import SPECIAL_TOKENS, build_local_bert, read_texts
from dlfa_spacy.testing.wordpiece_vocab import train_wordpiece_vocab

ROOT = Path(__file__).resolve().parents[1]
DEMO_TEXTS = ROOT / "assets" / "demo" / "text" / "vocab_corpus.txt"
SPECIALS = len(SPECIAL_TOKENS)


def test_the_most_frequent_pair_is_merged_first_and_ties_go_by_the_pieces():
    # ab x3, abc x1, bc x1: (a, ##b) occurs 4 times; then (ab, ##c) and (b, ##c) once each.
    texts = ["ab ab ab abc", "bc"]
    alphabet = ["##b", "##c", "a", "b"]
    assert train_wordpiece_vocab(texts, 100, SPECIAL_TOKENS) == SPECIAL_TOKENS + alphabet + ["ab"]
    assert train_wordpiece_vocab(texts, 100, SPECIAL_TOKENS, min_frequency=1) == \
        SPECIAL_TOKENS + alphabet + ["ab", "abc", "bc"]
    # vocab_size counts the special tokens; the alphabet is kept whole even past it.
    assert train_wordpiece_vocab(texts, SPECIALS + 4, SPECIAL_TOKENS, min_frequency=1) == SPECIAL_TOKENS + alphabet
    assert train_wordpiece_vocab(texts, 2, SPECIAL_TOKENS) == SPECIAL_TOKENS + alphabet


def test_bert_normalisation_and_the_alphabet_limit():
    # Punctuation and CJK characters are words of their own, as BERT's pre-tokenizer splits them.
    assert train_wordpiece_vocab(["北京, 北京"], 100, SPECIAL_TOKENS) == SPECIAL_TOKENS + [",", "京", "北"]
    # Beyond the limit the rarer characters are left out of the words (b here).
    assert train_wordpiece_vocab(["aab aab"], 100, SPECIAL_TOKENS, limit_alphabet=1) == \
        SPECIAL_TOKENS + ["##a", "a", "aa"]


def test_the_demo_vocabulary_is_the_same_in_every_process_and_covers_its_texts(tmp_path):
    texts = read_texts([DEMO_TEXTS])
    vocab = train_wordpiece_vocab(texts, 3000, SPECIAL_TOKENS)
    assert vocab[:SPECIALS] == SPECIAL_TOKENS and len(vocab) == len(set(vocab)) <= 3000
    script = ("from dlfa_spacy.testing.localmodel import SPECIAL_TOKENS, read_texts; "
              "from dlfa_spacy.testing.wordpiece_vocab import train_wordpiece_vocab; "
              f"print('\\n'.join(train_wordpiece_vocab(read_texts([{str(DEMO_TEXTS)!r}]), 3000, SPECIAL_TOKENS)))")
    for seed in ("1", "2"):  # string hashing differs between these processes
        out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                             env={"PYTHONHASHSEED": seed, "PATH": ""}).stdout
        assert out.splitlines() == vocab
    # The encoder the demo builds uses exactly this vocabulary, and every text is covered.
    from transformers import AutoTokenizer

    path = build_local_bert(tmp_path / "bert", texts, vocab_size=3000, num_layers=1, width=8, heads=2)
    tokenizer = AutoTokenizer.from_pretrained(str(path))
    assert tokenizer.convert_ids_to_tokens(list(range(len(vocab)))) == vocab
    assert all(tokenizer.unk_token_id not in tokenizer(t)["input_ids"] for t in texts[:500])
