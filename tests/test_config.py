"""DLFA.v1's config: what `spacy init fill-config` writes, and the errors of bad values."""
import pytest
from spacy.util import registry
from thinc.api import Config, Model

import dlfa_spacy.architectures  # noqa: F401  (the registrations, as the entry points load them)

BLOCK = """
[t]
@architectures = "dlfa_spacy.DLFA.v1"
layer = 8
"""


def test_filled_config_shows_the_real_pooling_default():
    filled = Config(registry.fill(Config().from_str(BLOCK))).to_str()
    assert '[t.pooling]\n@layers = "reduce_mean.v1"' in filled
    assert "reduction = 4" in filled and "grad_factor = 1.0" in filled and 'upstream = "*"' in filled


@pytest.mark.parametrize("pooling", ["", "pooling = null\n"])
def test_pooling_default_and_null_resolve_to_mean_pooling(pooling):
    model = registry.resolve(Config().from_str(BLOCK + pooling))["t"]
    assert isinstance(model, Model)
    assert [layer.name for layer in model.walk()][-1] == "reduce_mean"


@pytest.mark.parametrize("layer", [0, -1, True, 2.5])
def test_bad_layer_names_the_valid_range(layer):
    with pytest.raises(ValueError, match=r"`layer` must be an integer in 1\.\.N-1 .*\(1\.\.11 for mBERT\), "
                                          r"\"auto\" to learn a mix of lower layers, \"scalar-mix\" for the scalar "
                                          rf"mix of every hidden state instead of AIF, or null for no fusion; got {layer!r}"):
        dlfa_spacy.architectures.dlfa_v1(layer=layer)
