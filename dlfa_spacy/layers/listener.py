"""The DLFA listener: a TransformerListener that knows which lower layers its component fuses."""
import weakref
from dataclasses import dataclass
from typing import Any, Callable, FrozenSet, List, Optional, Sequence, Set, Tuple

from spacy.errors import Errors
from spacy.tokens import Doc
from spacy_transformers.data_classes import TransformerData
from spacy_transformers.layers import TransformerListener
from spacy_transformers.pipeline_component import Transformer
from thinc.api import Model
from transformers.file_utils import ModelOutput

from .gradients import layer_key, layer_of_key
from .inference_mix import PLANNED_MIX_ATTR, PREMIXED_KEY, MixPlan, mix_key
from .layer_choice import (
    ALL_LOWER,
    ALL_STATES,
    WHOLE_RANGES,
    LayerSetting,
    Request,
    requested_layers,
    resolve_layers,
)
from .transformer_model import DLFATransformerModel, check_requests, num_hidden_layers


class UpstreamRef:
    """A weak reference (to the listened-to transformer, or from it to a listener) that pickles as a plain one."""

    # The listener must not keep its transformer alive, but pickle (nlp.pipe with
    # n_process under spawn, pickle.dumps(nlp)) refuses weakrefs: pickled, the reference
    # becomes the component itself, which pickle stores once with the rest of nlp.

    def __init__(self, component: Optional[Any]):
        self._ref = weakref.ref(component) if component is not None else None

    def __call__(self) -> Optional[Any]:
        return self._ref() if self._ref is not None else None

    def __reduce__(self) -> Tuple[type, Tuple[Optional[Any]]]:
        return (UpstreamRef, (self(),))


@dataclass
class LeanData(TransformerData):
    """A doc's TransformerData after its fused layers were dropped: remembers which."""

    dropped_layers: Tuple[int, ...] = ()


class FusionListener(TransformerListener):
    """Receives the transformer output for one component that fuses `layer` (or none, or "auto")."""

    name = "dlfa-listener"

    def __init__(self, upstream_name: str, layer: LayerSetting, candidates: Optional[Sequence[int]] = None):
        Model.__init__(
            self,
            name=self.name,
            forward=forward,
            init=init,
            dims={"nO": None},
            attrs={"layer": layer, "candidates": list(candidates) if candidates else None},
        )
        self.upstream_name = upstream_name
        self._batch_id = None
        self._outputs = None
        self._backprop = None
        # Set when a transformer component links this listener (see `link_listeners`).
        self.upstream: Optional[UpstreamRef] = None
        # What the listeners after this one still read (see `link_listeners`).
        self.needed_later: FrozenSet[Request] = frozenset()
        # Where the transformer puts this listener's premixed layers at prediction (see `link_listeners`).
        self.mix_key: Optional[str] = None
        # The layer that mixes what this listener hands on ("auto"'s fusion, ScalarMix), if any:
        # a plain attribute, as thinc refs must point into the node's own subtree.
        self.mixer: Optional[Model] = None

    @property
    def layer(self) -> LayerSetting:
        """The lower layer this listener fuses, "auto", or None."""
        return self.attrs["layer"]

    @property
    def requests(self) -> Tuple[Request, ...]:
        """What this listener asks the transformer to keep (see `layer_choice`)."""
        return requested_layers(self.attrs["layer"], self.attrs["candidates"])

    def inference_plan(self) -> Optional[MixPlan]:
        """The weighted sum the encoder may build for this listener at prediction, once its mixer is initialised."""
        if self.mix_key is None or self.mixer is None:
            return None
        planned = self.mixer.attrs.get(PLANNED_MIX_ATTR)
        mix = planned(self.mixer) if planned is not None else None
        return MixPlan(self.mix_key, tuple(mix[0]), tuple(mix[1])) if mix else None


def init(model: FusionListener, X: Optional[List[Doc]] = None, Y: Any = None) -> None:
    """Check that a matching transformer is upstream and that the layers exist in it."""
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
            f"DLFA.v1 with layer = {layer!r} needs the transformer component "
            f"'{component.name}' to use @architectures = \"dlfa_spacy.TransformerModel.v1\"; "
            "its model does not keep lower layers (stock spacy-transformers drops their "
            "gradients)."
        )
    if trf_model.attrs["has_transformer"]:
        n_layers = num_hidden_layers(trf_model)
        check_requests(model.requests, n_layers, trf_model.attrs["name"])


def forward(
    model: FusionListener, docs: List[Doc], is_train: bool
) -> Tuple[List[TransformerData], Callable]:
    """Return the batch's transformer output (training) or each doc's trf_data."""
    if is_train and model._batch_id is not None:
        model.verify_inputs(docs)
        return model._outputs, model.backprop_and_clear
    # Prediction, or training with a frozen transformer that annotates the docs.
    return [_read_doc(model, doc, is_train) for doc in docs], lambda d_outputs: []


def _initial_layers(model: FusionListener) -> List[int]:
    """The layers to give zeros for before the transformer has run (nlp.initialize)."""
    component = model.upstream() if model.upstream is not None else None
    if any(r in WHOLE_RANGES for r in model.requests):
        # init checked that the upstream transformer is there and loaded.
        return resolve_layers(model.requests, num_hidden_layers(component.model))
    return resolve_layers(model.requests, 0)


def _read_doc(model: FusionListener, doc: Doc, is_train: bool) -> TransformerData:
    data = doc._.trf_data
    if data is None:
        if is_train:
            raise ValueError(Errors.E203.format(name="transformer"))
        # During nlp.initialize the transformer has not run on the sample docs yet.
        data = TransformerData.zeros(len(doc), model.get_dim("nO"), xp=model.ops.xp)
        for layer in _initial_layers(model):
            data.model_output[layer_key(layer)] = data.model_output.last_hidden_state
        return data
    drop = _layers_to_drop(model, data)
    premixed = data.model_output.get(model.mix_key) if model.mix_key else None
    if drop or premixed is not None:
        # Later components do not need these layers (nor this listener's premixed sum):
        # keep only what the stock pipeline keeps on the doc.
        kept = ModelOutput()
        for name, value in data.model_output.items():
            if layer_of_key(name) not in drop and name != model.mix_key:
                kept[name] = value
        plan = model.inference_plan() if premixed is not None else None
        mixed_away = tuple(plan.layers) if plan is not None else ()
        dropped = getattr(data, "dropped_layers", ()) + tuple(sorted(drop | set(mixed_away)))
        doc._.trf_data = LeanData(
            wordpieces=data.wordpieces, model_output=kept, align=data.align, dropped_layers=dropped
        )
    if premixed is not None:
        # Handed on under one name, whichever listener it was made for.
        data = TransformerData(wordpieces=data.wordpieces, align=data.align,
                               model_output=ModelOutput(last_hidden_state=data.model_output.last_hidden_state,
                                                        **{PREMIXED_KEY: premixed}))
    return data


def _layers_to_drop(model: FusionListener, data: TransformerData) -> Set[int]:
    """The lower layers in `data` that this listener reads and no later listener does."""
    requests = model.requests
    later = model.needed_later
    if not requests or any(r in WHOLE_RANGES for r in later):
        return set()
    present = {layer_of_key(name) for name in data.model_output} - {None}
    # A whole range means every layer the transformer kept of it, which is every one present
    # (ALL_LOWER: all but the embeddings, which only an ALL_STATES listener asks for).
    if ALL_STATES in requests:
        mine = present
    elif ALL_LOWER in requests:
        mine = present - {0}
    else:
        mine = present & set(requests)
    return {layer for layer in mine if layer not in later}


def link_listeners(component: Transformer) -> None:
    """Tell the transformer model which layers its listeners fuse, and each listener its upstream."""
    listeners = [node for node in component.listeners if isinstance(node, FusionListener)]
    requests = {request for node in listeners for request in node.requests}
    if isinstance(component.model, DLFATransformerModel):
        numbers = sorted(r for r in requests if r not in WHOLE_RANGES)
        component.model.attrs["fusion_layers"] = numbers + [r for r in WHOLE_RANGES if r in requests]
        component.model.linked_listeners = [UpstreamRef(node) for node in listeners]
    for i, node in enumerate(listeners):
        node.upstream = UpstreamRef(component)
        node.mix_key = mix_key(i)
        node.needed_later = frozenset(request for later in listeners[i + 1 :] for request in later.requests)


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
