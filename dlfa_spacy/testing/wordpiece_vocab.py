"""A WordPiece vocabulary learned from texts, the same in every process, for the locally built BERTs.

The `tokenizers` WordPiece trainer breaks ties between equally frequent merges in hash
order, so the same texts gave a different vocabulary (and different ids) in each process,
and with it a different demo encoder on every run. This learns the vocabulary as that
trainer does (BERT's normalisation and pre-tokenisation, every character, then the most
frequent adjacent pair merged again and again, `##` marking a piece inside a word), with
ties broken by the pieces themselves.
"""
import heapq
from collections import Counter, defaultdict
from typing import Dict, Iterable, List, Sequence, Set, Tuple

CONTINUATION = "##"
Pair = Tuple[str, str]


def count_words(texts: Iterable[str]) -> Counter:
    """How often each word occurs, after BERT's cased normalisation and pre-tokenisation."""
    from tokenizers.normalizers import BertNormalizer
    from tokenizers.pre_tokenizers import BertPreTokenizer

    normalizer = BertNormalizer(clean_text=True, handle_chinese_chars=True, strip_accents=False, lowercase=False)
    pre_tokenizer = BertPreTokenizer()
    counts: Counter = Counter()
    for text in texts:
        counts.update(word for word, _ in pre_tokenizer.pre_tokenize_str(normalizer.normalize_str(text)))
    return counts


def _merged(a: str, b: str) -> str:
    return a + b[len(CONTINUATION):]


def _pairs(pieces: Sequence[str]) -> List[Pair]:
    return list(zip(pieces, pieces[1:]))


def _apply_merge(pieces: List[str], pair: Pair) -> List[str]:
    """The word's pieces with every occurrence of `pair`, from the left, joined into one."""
    out: List[str] = []
    i = 0
    while i < len(pieces):
        if i + 1 < len(pieces) and (pieces[i], pieces[i + 1]) == pair:
            out.append(_merged(*pair))
            i += 2
        else:
            out.append(pieces[i])
            i += 1
    return out


def train_wordpiece_vocab(
    texts: Iterable[str],
    vocab_size: int,
    special_tokens: Sequence[str],
    min_frequency: int = 2,
    limit_alphabet: int = 1000,
) -> List[str]:
    """The vocabulary in id order: special tokens, the characters, then the merged pieces in merge order."""
    counts = count_words(texts)
    # The alphabet: the most frequent characters (ties by character); as in the trainer, the
    # characters beyond the limit are left out of the words.
    chars: Counter = Counter()
    for word, n in counts.items():
        for c in word:
            chars[c] += n
    kept = set(sorted(chars, key=lambda c: (-chars[c], c))[:limit_alphabet])
    words = sorted(counts)
    pieces = [[c if j == 0 else CONTINUATION + c for j, c in enumerate(w) if c in kept] for w in words]
    vocab = list(special_tokens) + sorted({p for ps in pieces for p in ps})
    known: Set[str] = set(vocab)
    pair_counts: Dict[Pair, int] = defaultdict(int)
    holders: Dict[Pair, Set[int]] = defaultdict(set)
    for i, ps in enumerate(pieces):
        for pair in _pairs(ps):
            pair_counts[pair] += counts[words[i]]
            holders[pair].add(i)
    # A heap of (-count, pair); entries whose count has changed since are skipped when popped.
    heap = [(-n, pair) for pair, n in pair_counts.items()]
    heapq.heapify(heap)
    while len(vocab) < vocab_size and heap:
        negative, pair = heapq.heappop(heap)
        if pair_counts.get(pair) != -negative:
            continue
        if -negative < min_frequency:
            break
        token = _merged(*pair)
        if token not in known:
            vocab.append(token)
            known.add(token)
        changed: Set[Pair] = set()
        for i in sorted(holders.pop(pair)):
            n = counts[words[i]]
            for old in _pairs(pieces[i]):
                pair_counts[old] -= n
                changed.add(old)
            pieces[i] = _apply_merge(pieces[i], pair)
            for new in _pairs(pieces[i]):
                pair_counts[new] += n
                holders[new].add(i)
                changed.add(new)
        for p in changed:
            if pair_counts[p] > 0:
                heapq.heappush(heap, (-pair_counts[p], p))
            else:
                pair_counts.pop(p, None)
                holders.pop(p, None)
    return vocab
