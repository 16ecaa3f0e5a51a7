"""The DLFA listener: a TransformerListener that knows which lower layer its component fuses."""
import weakref
from dataclasses import dataclass
from typing import Any, Callable, List, Optional, Tuple

from spacy.errors import Errors
from spacy.tokens import Doc
from spacy_transformers.data_classes import TransformerData
from spacy_transformers.layers import TransformerListener
from spacy_transformers.pipeline_component import Transformer
from thinc.api import Model
from transformers.file_utils import ModelOutput

from .gradients import layer_key
from .transformer_model import (
    DLFATransformerModel,
    check_fusion_layer,
    num_hidden_layers,
)


class UpstreamRef:
    """A weak reference to the listened-to transformer component that pickles as a plain one."""

    # The listener must not keep its transformer alive, but pickle (nlp.pipe with
    # n_process under spawn, pickle.dumps(nlp)) refuses weakrefs: pickled, the reference
    # becomes the component itself, which pickle stores once with the rest of nlp.

    def __init__(self, component: Optional[Transformer]):
        self._ref = weakref.ref(component) if component is not None else None

    def __call__(self) -> Optional[Transformer]:
        return self._ref() if self._ref is not None else None

    def __reduce__(self) -> Tuple[type, Tuple[Optional[Transformer]]]:
        return (UpstreamRef, (self(),))


@dataclass
class LeanData(TransformerData):
    """A doc's TransformerData after its fused layers were dropped: remembers which."""

    dropped_layers: Tuple[int, ...] = ()


class FusionListener(TransformerListener):
    """Receives the transformer output for one component that fuses `layer` (or none)."""

    name = "dlfa-listener"

    def __init__(self, upstream_name: str, layer: Optional[int]):
        Model.__init__(
            self,
            name=self.name,
            forward=forward,
            init=init,
            dims={"nO": None},
            attrs={"layer": layer},
        )
        self.upstream_name = upstream_name
        self._batch_id = None
        self._outputs = None
        self._backprop = None
        # Set when a transformer component links this listener (see `link_listeners`).
        self.upstream: Optional[UpstreamRef] = None
        self.drop_layer_after_use = True

    @property
    def layer(self) -> Optional[int]:
        """The lower layer this listener fuses, or None."""
        return self.attrs["layer"]


def init(model: FusionListener, X: Optional[List[Doc]] = None, Y: Any = None) -> None:
    """Check that a matching transformer is upstream and that the layer exists in it."""
    component = model.upstream() if model.upstream is not None else None
    if component is None:
        raise ValueError(
            f"The DLFA listener (upstream = '{model.upstream_name}') found no transformer "
            "component to listen to. Add a 'transformer' component before this component "
            "in the pipeline, or set `upstream` to the name of the transformer component."
        )
    layer = model.layer
    if layer is None:
        return
    trf_model = component.model
    if not isinstance(trf_model, DLFATransformerModel):
        raise ValueError(
            f"DLFA.v1 with layer = {layer} needs the transformer component "
            f"'{component.name}' to use @architectures = \"dlfa_spacy.TransformerModel.v1\"; "
            "its model does not keep lower layers (stock spacy-transformers drops their "
            "gradients)."
        )
    if trf_model.attrs["has_transformer"]:
        check_fusion_layer(layer, num_hidden_layers(trf_model), trf_model.attrs["name"])


def forward(
    model: FusionListener, docs: List[Doc], is_train: bool
) -> Tuple[List[TransformerData], Callable]:
    """Return the batch's transformer output (training) or each doc's trf_data."""
    if is_train and model._batch_id is not None:
        model.verify_inputs(docs)
        return model._outputs, model.backprop_and_clear
    # Prediction, or training with a frozen transformer that annotates the docs.
    return [_read_doc(model, doc, is_train) for doc in docs], lambda d_outputs: []


def _read_doc(model: FusionListener, doc: Doc, is_train: bool) -> TransformerData:
    data = doc._.trf_data
    layer = model.layer
    if data is None:
        if is_train:
            raise ValueError(Errors.E203.format(name="transformer"))
        # During nlp.initialize the transformer has not run on the sample docs yet.
        data = TransformerData.zeros(len(doc), model.get_dim("nO"), xp=model.ops.xp)
        if layer is not None:
            data.model_output[layer_key(layer)] = data.model_output.last_hidden_state
        return data
    if layer is not None and model.drop_layer_after_use:
        key = layer_key(layer)
        if key in data.model_output:
            # Later components do not need this layer: keep only what the stock
            # pipeline keeps on the doc.
            kept = ModelOutput()
            for name, value in data.model_output.items():
                if name != key:
                    kept[name] = value
            dropped = getattr(data, "dropped_layers", ()) + (layer,)
            doc._.trf_data = LeanData(
                wordpieces=data.wordpieces, model_output=kept, align=data.align, dropped_layers=dropped
            )
    return data


def link_listeners(component: Transformer) -> None:
    """Tell the transformer model which layers its listeners fuse, and each listener its upstream."""
    listeners = [node for node in component.listeners if isinstance(node, FusionListener)]
    layers = sorted({node.layer for node in listeners if node.layer is not None})
    if isinstance(component.model, DLFATransformerModel):
        component.model.attrs["fusion_layers"] = layers
    for i, node in enumerate(listeners):
        node.upstream = UpstreamRef(component)
        needed_later = {later.layer for later in listeners[i + 1 :]}
        node.drop_layer_after_use = node.layer not in needed_later


def _install_link_hook() -> None:
    """Make the stock transformer component link DLFA listeners whenever it adds or removes one."""
    add, remove = Transformer.add_listener, Transformer.remove_listener
    if getattr(add, "_dlfa_linked", False):
        return

    def add_listener(self: Transformer, listener: TransformerListener, component_name: str) -> None:
        add(self, listener, component_name)
        link_listeners(self)

    def remove_listener(self: Transformer, listener: TransformerListener, component_name: str) -> bool:
        removed = remove(self, listener, component_name)
        link_listeners(self)
        return removed

    add_listener._dlfa_linked = True  # type: ignore[attr-defined]
    add_listener.__doc__ = add.__doc__
    remove_listener.__doc__ = remove.__doc__
    Transformer.add_listener = add_listener  # type: ignore[assignment]
    Transformer.remove_listener = remove_listener  # type: ignore[assignment]


# spaCy links listeners inside Language (on creation, load and initialize) and gives the
# transformer component no other hook; the fusion layers must be known before the encoder
# runs so that only those layers are kept.
_install_link_hook()
