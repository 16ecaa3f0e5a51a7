import os
from pathlib import Path

import pytest

# Nothing in the tests may reach the model hub.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

from dlfa_spacy.testing.localmodel import build_local_bert  # noqa: E402

VOCAB_TEXTS = [
    "Anna lives in Berlin .",
    "Maria works at Siemens in Hamburg .",
    "Peter visited Paris with Lucy .",
    "The company Acme opened an office in Madrid .",
    "Иван живёт в Москве .",
    "Мария работает в Газпроме .",
    "北京是中国的首都。",
    "東京は日本の首都です。",
    "Die Katze schläft auf dem Sofa .",
    "El gato duerme en el sofá del salón .",
    "مرحبا بالعالم",
    "Emoji 😀 and 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 text .",
    "Nobody lives in the old house .",
]


def shared_data_dir() -> Path:
    """The real benchmark samples: $DLFA_SHARED_DATA or ../shared/data beside the repo."""
    env = os.environ.get("DLFA_SHARED_DATA")
    return Path(env) if env else Path(__file__).resolve().parents[2] / "shared" / "data"


@pytest.fixture(scope="session")
def tiny_bert(tmp_path_factory) -> Path:
    """A 4-layer, width-32 BERT with a locally trained vocabulary and no dropout."""
    path = tmp_path_factory.mktemp("tiny-bert")
    return build_local_bert(
        path, VOCAB_TEXTS * 3, vocab_size=400, num_layers=4, width=32, heads=4,
        dropout=0.0, seed=0,
    )
