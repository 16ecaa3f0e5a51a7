"""What a packaged pipeline's meta says: licence, sources (the data sets and the encoder), author, description.

Without it `spacy package` writes "License n/a" and no sources. The facts per source are the
publishers' own statements; where a source has no single licence, the meta says where to read it.
"""
from typing import Any, Dict, List, Optional

from .tasks import get_task

AUTHOR = "dlfa-spacy"
# The code's licence; the weights are also bound by the licences of the data they were trained on.
CODE_LICENSE = "MIT"
PAPER = ("Chen, Guo, Liu, Tao: Feature Aggregation in Zero-Shot Cross-Lingual Transfer Using Multilingual "
         "BERT, ICPR 2022, arXiv 2205.08497")

# {task: [source, ...]}: the training data, then the test data.
DATA_SOURCES: Dict[str, List[Dict[str, str]]] = {
    "ner": [{"name": "WikiANN / PAN-X (Rahimi et al. 2019 splits, as XTREME)",
             "url": "https://s3.amazonaws.com/datasets.huggingface.co/wikiann/1.1.0/panx_dataset.zip",
             "license": "see https://elisa-ie.github.io/wikiann/ (derived from Wikipedia)"}],
    "pos": [{"name": "Universal Dependencies 2.5", "url": "http://hdl.handle.net/11234/1-3105",
             "license": "per treebank: see each treebank's LICENSE.txt"}],
    "xnli": [{"name": "MultiNLI (English training data, via XNLI-MT 1.0)", "url": "https://cims.nyu.edu/~sbowman/multinli/",
              "license": "see the MultiNLI data description"},
             {"name": "XNLI 1.0", "url": "https://github.com/facebookresearch/XNLI", "license": "CC BY-NC 4.0"}],
    "pawsx": [{"name": "PAWS-X", "url": "https://github.com/google-research-datasets/paws",
               "license": "free for any use; acknowledgement of Google LLC as the source appreciated"}],
    "sts": [{"name": "stsb-multi-mt (STS Benchmark and its DeepL translations)",
             "url": "https://github.com/PhilipMay/stsb-multi-mt",
             "license": "scores CC BY-SA 4.0; each text source its own (see the STS Benchmark)"}],
}
ENCODER_LICENSES = {
    "bert-base-multilingual-cased": "Apache-2.0",
    "xlm-roberta-base": "MIT",
    "setu4993/LaBSE": "Apache-2.0",
}


def encoder_source(encoder: str) -> Dict[str, str]:
    """The encoder as a meta source: a hub id with its licence, or a local folder."""
    license_ = ENCODER_LICENSES.get(encoder, "see the encoder's model card")
    url = f"https://huggingface.co/{encoder}" if encoder in ENCODER_LICENSES else encoder
    return {"name": f"encoder: {encoder}", "url": url, "license": license_}


def package_meta(task: str, encoder: str, layer: Optional[object] = None) -> Dict[str, Any]:
    """The meta fields `spacy package --meta-path` adds to a task's DLFA pipeline."""
    spec = get_task(task)
    fusion = "a learned mix of the lower layers" if layer == "auto" else f"layer {layer}" if layer else "one lower layer"
    return {
        "author": AUTHOR,
        "license": f"{CODE_LICENSE} (code); the weights are also bound by the licences of the sources",
        "description": (f"{spec.title} fine-tuned on English and applied zero-shot to other languages, with DLFA: the "
                        f"task head reads a learned, per-token fusion (AIF) of the encoder's last layer and {fusion}. "
                        f"Method: {PAPER}. Built with dlfa-spacy."),
        "sources": [*DATA_SOURCES[spec.name], encoder_source(encoder)],
    }
