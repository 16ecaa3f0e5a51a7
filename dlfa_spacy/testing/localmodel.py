"""Build a randomly initialised BERT or XLM-R (vocabulary trained locally) for offline tests and demos."""
import tempfile
from pathlib import Path
from typing import Iterable, List, Optional, Union

from .wordpiece_vocab import train_wordpiece_vocab

SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]
# XLM-R's sentencepiece model holds <unk> <s> </s> as pieces 0, 1, 2; HF's XLMRobertaTokenizer
# maps them to fairseq's <s>=0 <pad>=1 </s>=2 <unk>=3, every other piece to its id + 1, and
# appends <mask> last.
XLMR_SPM_FILE = "sentencepiece.bpe.model"


def read_texts(paths: Iterable[Union[str, Path]]) -> List[str]:
    """Read training texts: one per line from text files, one per doc from .spacy files."""
    texts: List[str] = []
    for path in map(Path, paths):
        if not path.exists():
            raise FileNotFoundError(f"No such text file: {path}")
        if path.suffix == ".spacy":
            import spacy
            from spacy.tokens import DocBin

            texts.extend(doc.text for doc in DocBin().from_disk(path).get_docs(spacy.blank("xx").vocab))
        else:
            texts.extend(line.strip() for line in path.read_text(encoding="utf-8-sig").splitlines())
    texts = [t for t in texts if t]
    if not texts:
        raise ValueError(f"No text found in {', '.join(map(str, paths))}")
    return texts


def build_local_bert(
    output: Union[str, Path],
    texts: List[str],
    *,
    vocab_size: int = 2000,
    num_layers: int = 4,
    width: int = 64,
    heads: int = 4,
    intermediate: Optional[int] = None,
    max_position: int = 512,
    pad_vocab_to: Optional[int] = None,
    dropout: float = 0.1,
    seed: int = 0,
) -> Path:
    """Learn a cased WordPiece vocabulary from `texts` (the same in every process) and save a random BERT with it to `output`."""
    import torch
    from transformers import BertConfig, BertModel, BertTokenizerFast

    output = Path(output)
    output.mkdir(parents=True, exist_ok=True)
    # Not the `tokenizers` trainer: it breaks ties in hash order, so each process got another vocabulary.
    words = train_wordpiece_vocab(texts, vocab_size, SPECIAL_TOKENS)
    if pad_vocab_to is not None:
        # Filler entries give the exact vocabulary size of a real encoder (e.g. mBERT's
        # 119547) without needing its vocabulary file.
        words += [f"[unused{i}]" for i in range(pad_vocab_to - len(words))]
    with tempfile.TemporaryDirectory() as tmp:
        vocab_file = Path(tmp) / "vocab.txt"
        vocab_file.write_text("".join(w + "\n" for w in words), encoding="utf-8")
        tokenizer = BertTokenizerFast(
            vocab_file=str(vocab_file), do_lower_case=False, strip_accents=False,
            tokenize_chinese_chars=True, model_max_length=max_position,
        )
        tokenizer.save_pretrained(str(output))
    config = BertConfig(
        vocab_size=len(words),
        hidden_size=width,
        num_hidden_layers=num_layers,
        num_attention_heads=heads,
        intermediate_size=intermediate or 4 * width,
        max_position_embeddings=max_position,
        type_vocab_size=2,
        hidden_dropout_prob=dropout,
        attention_probs_dropout_prob=dropout,
    )
    torch.manual_seed(seed)
    BertModel(config).save_pretrained(str(output))
    return output


def build_mbert_sized(output: Union[str, Path], texts: List[str], seed: int = 0) -> Path:
    """A random encoder with the exact bert-base-multilingual-cased dimensions (177,853,440 parameters)."""
    return build_local_bert(
        output, texts, vocab_size=5000, num_layers=12, width=768, heads=12,
        intermediate=3072, max_position=512, pad_vocab_to=119547, seed=seed,
    )


def build_local_xlmr(
    output: Union[str, Path],
    texts: List[str],
    *,
    vocab_size: int = 2000,
    num_layers: int = 4,
    width: int = 64,
    heads: int = 4,
    max_position: int = 512,
    dropout: float = 0.1,
    seed: int = 0,
) -> Path:
    """Train a unigram sentencepiece model on `texts` and save a random XLM-R (slow and fast tokenizer) to `output`."""
    import sentencepiece as spm
    import torch
    from transformers import XLMRobertaConfig, XLMRobertaModel, XLMRobertaTokenizerFast

    output = Path(output)
    output.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        spm_file = Path(tmp) / XLMR_SPM_FILE
        with spm_file.open("wb") as f:
            # XLM-R's layout: no padding piece; a small corpus may give fewer pieces than asked.
            spm.SentencePieceTrainer.train(
                sentence_iterator=iter(texts), model_writer=f, vocab_size=vocab_size,
                model_type="unigram", unk_id=0, bos_id=1, eos_id=2, pad_id=-1,
                character_coverage=1.0, hard_vocab_limit=False, num_threads=1, minloglevel=2,
            )
        # Converted from the slow tokenizer as HF converts XLM-R's own file; save_pretrained
        # writes tokenizer.json and the sentencepiece file, which spacy-transformers reads back.
        tokenizer = XLMRobertaTokenizerFast(vocab_file=str(spm_file), model_max_length=max_position)
        tokenizer.save_pretrained(str(output))
    config = XLMRobertaConfig(
        vocab_size=len(tokenizer),
        hidden_size=width,
        num_hidden_layers=num_layers,
        num_attention_heads=heads,
        intermediate_size=4 * width,
        # Positions start after the padding index (1), as in XLM-R's 514 for 512 tokens.
        max_position_embeddings=max_position + 2,
        pad_token_id=tokenizer.pad_token_id,
        bos_token_id=tokenizer.bos_token_id,
        eos_token_id=tokenizer.eos_token_id,
        type_vocab_size=1,
        hidden_dropout_prob=dropout,
        attention_probs_dropout_prob=dropout,
    )
    torch.manual_seed(seed)
    XLMRobertaModel(config).save_pretrained(str(output))
    return output
