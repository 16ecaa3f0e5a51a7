"""Developer commands, `python -m dlfa_spacy.testing COMMAND`: tiny random encoders built locally, for offline tests and demos.

Not part of the user CLI (`python -m dlfa_spacy`). torch, transformers and spaCy are imported
only when a command runs (in localmodel), so `--help` stays fast.
"""
from pathlib import Path
from typing import List, Optional

import typer
from typer.main import get_command

# The user CLI's helpers: importing them loads no command's dependencies (see cli/__init__.py).
from ..cli._util import Arg, Opt, input_errors, msg
from .localmodel import build_local_bert, build_local_xlmr, read_texts

COMMAND = "python -m dlfa_spacy.testing"
HELP = """Developer tools of dlfa-spacy: tiny randomly initialised encoders for offline tests and demos."""

app = typer.Typer(name=COMMAND, help=HELP, no_args_is_help=True, add_completion=False, rich_markup_mode=None)


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


def main(argv: Optional[List[str]] = None) -> None:
    """Run the developer command line."""
    command = get_command(app)
    command(args=argv, prog_name=COMMAND)
