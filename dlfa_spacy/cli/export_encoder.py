"""`export-encoder`: a trained pipeline's fine-tuned encoder as a Hugging Face checkpoint folder."""
from pathlib import Path

from ._util import Arg, app, input_errors, msg


@app.command("export-encoder")
@input_errors
def export_encoder_cli(
    # fmt: off
    model: str = Arg(..., help="Trained pipeline with a transformer component: a path or an installed package name"),
    output_dir: Path = Arg(..., help="Folder for the checkpoint (config, weights, tokenizer); replaced if it exists", file_okay=False),
    # fmt: on
) -> None:
    """Save the pipeline's fine-tuned encoder and tokenizer, to train another task from it (--encoder.name FOLDER)."""
    from ..experiments.export_encoder import export_encoder

    path = export_encoder(model, output_dir)
    msg.good(f"Wrote the encoder to {path}: use it as --encoder.name {path}")
