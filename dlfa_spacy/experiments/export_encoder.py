"""Export the fine-tuned encoder of a trained pipeline as a Hugging Face checkpoint folder.

This is how intermediate-task training reuses an encoder: train POS or a parser on
English, export its transformer, and give the folder as `--encoder.name` of the XNLI or
PAWS-X training. The target task then starts from exactly the weights that sourcing the
trained `transformer` component would give it, while its config stays the task's own (one
config per task, with or without an intermediate task).
"""
from pathlib import Path
from typing import Union

from spacy.language import Language
from thinc.api import Model

from ..atomic import replace_folder
from .pipeline_io import load_model


def transformer_name(nlp: Language) -> str:
    """The name of the pipeline's first transformer component; ValueError naming the pipes otherwise."""
    for name in nlp.pipe_names:
        if nlp.get_pipe_meta(name).factory == "transformer":
            return name
    raise ValueError(f"The pipeline has no transformer component to export; it has {list(nlp.pipe_names)}")


def write_vocab_file(trf: Model, folder: Path) -> None:
    """Write the tokenizer's vocabulary file (XLM-R's sentencepiece model) if save_pretrained left it out."""
    tokenizer = trf.tokenizer
    if not hasattr(tokenizer, "vocab_file"):
        return
    # A loaded pipeline keeps this file's bytes in the model, but the tokenizer's
    # vocab_file names a temporary folder that is gone; save_pretrained then silently
    # skips it, and spacy-transformers cannot start from the folder without it.
    contents = trf.layers[0].shims[0]._hfmodel.vocab_file_contents
    target = folder / tokenizer.vocab_files_names["vocab_file"]
    if not target.exists() and contents is not None:
        target.write_bytes(contents)
    if not target.exists():
        raise ValueError(f"The tokenizer has no vocabulary file to export ({target.name}): export a pipeline loaded from disk")


def export_encoder(model: Union[str, Path, Language], output: Union[str, Path]) -> Path:
    """Save the pipeline's encoder and tokenizer with save_pretrained into `output` (replaced atomically)."""
    nlp = load_model(model)
    trf = nlp.get_pipe(transformer_name(nlp)).model
    if trf.transformer is None or trf.tokenizer is None:
        raise ValueError("The transformer component is not initialised: export a trained pipeline (model-best)")
    with replace_folder(output) as tmp:
        trf.transformer.save_pretrained(str(tmp))
        trf.tokenizer.save_pretrained(str(tmp))
        write_vocab_file(trf, tmp)
    return Path(output)
