"""Each doc's first wordpiece vector, [CLS] for BERT (<s> for XLM-R): a pair's representation for the STS head."""
from typing import Callable, List, Tuple

from spacy_transformers.data_classes import TransformerData
from thinc.api import Model
from thinc.types import Floats2d
from transformers.file_utils import ModelOutput


def first_wordpiece() -> Model[List[TransformerData], Floats2d]:
    """(n_docs, width): the first wordpiece of each doc's first span; zeros for an empty doc."""
    return Model("first-wordpiece", forward)


def _has_vectors(data: TransformerData) -> bool:
    last = data.model_output.get("last_hidden_state") if data.model_output else None
    return last is not None and last.size > 0


def forward(model: Model, datas: List[TransformerData], is_train: bool) -> Tuple[Floats2d, Callable]:
    """Pick row [0, 0] of each doc's last_hidden_state (after any fusion)."""
    present = [_has_vectors(d) for d in datas]
    width = next((d.width for d, has in zip(datas, present) if has), 0)
    output = model.ops.alloc2f(len(datas), width)
    for i, (data, has) in enumerate(zip(datas, present)):
        if has:
            output[i] = data.model_output.last_hidden_state[0, 0]

    def backprop(d_output: Floats2d) -> List[TransformerData]:
        # As trfs2arrays: one gradient per doc that has a last_hidden_state, in order.
        d_datas = []
        for i, (data, has) in enumerate(zip(datas, present)):
            if "last_hidden_state" not in data.model_output:
                continue
            last = data.model_output.last_hidden_state
            d_last = model.ops.alloc(last.shape, dtype=last.dtype)
            if has:
                d_last[0, 0] = d_output[i]
            d_datas.append(TransformerData(wordpieces=data.wordpieces, align=data.align,
                                           model_output=ModelOutput(last_hidden_state=d_last)))
        return d_datas

    return output, backprop


def transformer_output(tok2vec: Model, where: str) -> List[Model]:
    """The layers of a transformer tok2vec before its wordpiece-to-token pooling (listener, fusion)."""
    # DLFA.v1 and spacy-transformers' TransformerListener.v1 are chains ending in
    # trfs2arrays; what comes before it yields the (fused) wordpiece vectors, [CLS] included.
    if not tok2vec.layers or tok2vec.layers[-1].name != "trfs2arrays":
        raise ValueError(
            f"{where} needs a transformer tok2vec (dlfa_spacy.DLFA.v1 or spacy-transformers.TransformerListener.v1), "
            f"whose wordpieces hold the [CLS] vector; got a {tok2vec.name!r} model"
        )
    return list(tok2vec.layers[:-1])
