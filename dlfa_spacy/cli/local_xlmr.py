"""`local-xlmr`: a randomly initialised XLM-R with a sentencepiece vocabulary built locally, for offline tests and demos."""
from pathlib import Path
from typing import List

from ..localmodel import build_local_xlmr, read_texts
from ._util import Arg, Opt, app, input_errors, msg


@app.command("local-xlmr")
@input_errors
def local_xlmr_cli(
    # fmt: off
    output_dir: Path = Arg(..., help="Folder to save the model and tokenizer to", file_okay=False),
    texts: List[Path] = Opt(..., "--texts", "-t", help="Text (one per line) or .spacy file to train the sentencepiece (unigram) vocabulary on; repeat for several"),
    vocab_size: int = Opt(2000, "--vocab-size", help="Sentencepiece vocabulary size (a small corpus may give fewer pieces)", min=10),
    layers: int = Opt(4, "--layers", help="Number of encoder layers", min=2),
    width: int = Opt(64, "--width", help="Hidden width", min=1),
    heads: int = Opt(4, "--heads", help="Attention heads (must divide the width)", min=1),
    seed: int = Opt(0, "--seed", help="Random seed of the weights"),
    # fmt: on
) -> None:
    """Build a random XLM-R with a sentencepiece vocabulary trained on local texts (no download)."""
    if width % heads:
        raise ValueError(f"--heads {heads} must divide --width {width}")
    path = build_local_xlmr(output_dir, read_texts(texts), vocab_size=vocab_size, num_layers=layers, width=width,
                            heads=heads, seed=seed)
    msg.good(f"Wrote a randomly initialised XLM-R to {path}")
