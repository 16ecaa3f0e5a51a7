"""Gradient plumbing for the kept lower layers: a per-batch sink that the fusion layers fill.

spacy-transformers sums listener gradients positionally (`d_tensors[i][j]`), so every
listener on one transformer must send the same tensors in the same order. Lower-layer
gradients therefore do not travel through `d_tensors`: each doc's data carries a
reference to its batch's sink, the fusion layers add into it, and the transformer model
reads it back when it backpropagates (see `transformer_model.forward`).
"""
from dataclasses import dataclass
from typing import Any, Dict, List, Optional, Tuple

from spacy_transformers.data_classes import FullTransformerBatch, TransformerData
from thinc.types import Floats3d


LAYER_KEY_PREFIX = "hidden_layer_"


def layer_key(layer: int) -> str:
    """Key of lower layer `layer` in a TransformerData's model_output."""
    return f"{LAYER_KEY_PREFIX}{layer}"


def layer_of_key(key: str) -> Optional[int]:
    """The lower layer a model_output key holds, or None for any other key."""
    number = key[len(LAYER_KEY_PREFIX):] if key.startswith(LAYER_KEY_PREFIX) else ""
    return int(number) if number.isdigit() else None


class LayerGrads:
    """Gradient sink for the kept lower layers of one batch, filled by the fusion layers."""

    def __init__(self, shape: Tuple[int, ...], ops: Any):
        self.shape = shape
        self.ops = ops
        self.arrays: Dict[int, Floats3d] = {}

    def add(self, layer: int, start: int, end: int, d_layer: Floats3d) -> None:
        """Add the gradient of rows start:end (one doc's spans) of lower layer `layer`."""
        if layer not in self.arrays:
            # Allocated on first use: a layer no listener backprops into costs nothing.
            self.arrays[layer] = self.ops.alloc(self.shape, dtype=d_layer.dtype)
        self.arrays[layer][start:end, : d_layer.shape[1]] += d_layer


@dataclass
class LayeredData(TransformerData):
    """TransformerData of one doc that knows where its lower-layer gradients go."""

    grad_sink: Optional[Tuple[LayerGrads, int, int]] = None


@dataclass
class LayeredBatch(FullTransformerBatch):
    """FullTransformerBatch whose per-doc data carry the batch's lower-layer gradient sink."""

    layer_grads: Optional[LayerGrads] = None

    def split_by_doc(self) -> List[TransformerData]:
        """Split per doc, as spacy-transformers does, and attach the gradient sink."""
        outputs: List[TransformerData] = []
        start = 0
        for data, doc_spans in zip(super().split_by_doc(), self.spans):
            # Mirrors the row bookkeeping of FullTransformerBatch.split_by_doc.
            if len(doc_spans) == 0 or len(doc_spans[0]) == 0:
                outputs.append(data)
                continue
            end = start + len(doc_spans)
            sink = (self.layer_grads, start, end) if self.layer_grads is not None else None
            outputs.append(
                LayeredData(
                    wordpieces=data.wordpieces,
                    model_output=data.model_output,
                    align=data.align,
                    grad_sink=sink,
                )
            )
            start = end
        return outputs
