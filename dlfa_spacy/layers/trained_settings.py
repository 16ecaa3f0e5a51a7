"""The settings a trained fusion layer's weights belong to, checked when a pipeline is loaded.

Thinc restores a model's attrs from disk over the values its config gave, so without this a
config override such as `spacy.load(path, config={... "layer": 9})` would show 9 in
`nlp.config` and run with the saved layer. The fusion layer keeps its configured settings in
one attr of this type; loading compares them with the saved ones and refuses a difference.
"""
from dataclasses import asdict, dataclass
from typing import Any, Optional, Tuple

import srsly
from thinc.api import Model
from thinc.model import deserialize_attr, serialize_attr

from .layer_choice import LayerSetting

# The attr of the fusion layer that holds its TrainedSettings.
SETTINGS_ATTR = "trained_settings"


@dataclass(frozen=True)
class TrainedSettings:
    """A fusion layer's weight-bound settings: its layer, candidates, reduction and ("auto") mix logit scale."""

    layer: LayerSetting
    candidates: Optional[Tuple[int, ...]]
    reduction: int
    mix_learn_rate_scale: Optional[float] = None

    def conflicts(self, saved: "TrainedSettings") -> Optional[str]:
        """What in these (configured) settings differs from the saved ones, or None."""
        if self.layer != saved.layer:
            return f"layer = {saved.layer!r}, and the config asks for layer = {self.layer!r}"
        # candidates = null in a config means "every lower layer", filled in when trained
        if self.candidates is not None and self.candidates != saved.candidates:
            return f"candidates = {list(saved.candidates or [])}, and the config asks for {list(self.candidates)}"
        if self.reduction != saved.reduction:
            return f"reduction = {saved.reduction}, and the config asks for reduction = {self.reduction}"
        if saved.mix_learn_rate_scale is not None and self.mix_learn_rate_scale != saved.mix_learn_rate_scale:
            # The stored mix parameter means logits / scale: another scale would change the mix.
            return (f"mix_learn_rate_scale = {saved.mix_learn_rate_scale:g}, and the config asks for "
                    f"{self.mix_learn_rate_scale:g}")
        return None


@serialize_attr.register(TrainedSettings)
def _serialize(_: TrainedSettings, value: TrainedSettings, name: str, model: Model) -> bytes:
    return srsly.msgpack_dumps(asdict(value))


@deserialize_attr.register(TrainedSettings)
def _deserialize(configured: TrainedSettings, value: bytes, name: str, model: Model) -> Any:
    data = srsly.msgpack_loads(value)
    candidates = data.get("candidates")
    saved = TrainedSettings(data.get("layer"), tuple(candidates) if candidates else None, data.get("reduction"),
                            data.get("mix_learn_rate_scale"))
    conflict = configured.conflicts(saved)
    if conflict:
        raise ValueError(
            f"This trained pipeline's DLFA fusion was trained with {conflict}. Its weights belong to the "
            "trained setting, so a config override cannot change it: load without the override, or train "
            "a new pipeline with the new setting."
        )
    return saved
