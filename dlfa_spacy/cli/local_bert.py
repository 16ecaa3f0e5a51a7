"""`local-bert`: a randomly initialised BERT built locally, for offline tests and demos."""
from pathlib import Path
from typing import List

from ..localmodel import build_local_bert, read_texts
from ._util import Arg, Opt, app, input_errors, msg


@app.command("local-bert")
@input_errors
def local_bert_cli(
    # fmt: off
    output_dir: Path = Arg(..., help="Folder to save the model and tokenizer to", file_okay=False),
    texts: List[Path] = Opt(..., "--texts", "-t", help="Text (one per line) or .spacy file to train the WordPiece vocabulary on; repeat for several"),
    vocab_size: int = Opt(2000, "--vocab-size", help="WordPiece vocabulary size", min=10),
    layers: int = Opt(4, "--layers", help="Number of encoder layers", min=2),
    width: int = Opt(64, "--width", help="Hidden width", min=1),
    heads: int = Opt(4, "--heads", help="Attention heads (must divide the width)", min=1),
    seed: int = Opt(0, "--seed", help="Random seed of the weights"),
    # fmt: on
) -> None:
    """Build a random BERT with a vocabulary trained on local texts (no download)."""
    path = build_local_bert(
        output_dir, read_texts(texts), vocab_size=vocab_size, num_layers=layers, width=width,
        heads=heads, seed=seed,
    )
    msg.good(f"Wrote a randomly initialised BERT to {path}")
