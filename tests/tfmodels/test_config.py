"""Config loading and --set overrides: typed, validated, one clear error."""
import pytest

from configs.base import load_config
from tflab.errors import UserError


def test_mimic_v3_grid_is_the_original_final_grid():
    config = load_config("mimic_v3")
    grid = config.grid
    assert grid["random_seed"] == [0, 1, 2, 3, 4]
    assert sorted(grid["num_layers"]) == [3, 4] and grid["layer_size"] == [24, 32]
    assert grid["feature_set"] == ["v1", "v2", "v3"]
    size = 1
    for values in grid.values():
        size *= len(values)
    assert size == 60


def test_overrides_are_converted_to_the_declared_type():
    config = load_config("mimic_v3", ["num_layers=2", "dropout=0.25", "jit_compile=false"])
    assert config.num_layers == 2 and isinstance(config.num_layers, int)
    assert config.dropout == 0.25 and config.jit_compile is False


@pytest.mark.parametrize("override, words", [
    ("num_layrs=3", "unknown config key 'num_layrs'"),
    ("num_layers=three", "num_layers expects int"),
    ("dropout=1.5", "dropout must be in [0, 1)"),
    ("feature_set=v9", "unknown feature_set 'v9'"),
    ("num_layers", "--set expects key=value"),
])
def test_bad_overrides_raise_one_clear_user_error(override, words):
    with pytest.raises(UserError, match=None) as err:
        load_config("mimic_v3", [override])
    assert words in str(err.value)


def test_unknown_config_lists_the_known_ones():
    with pytest.raises(UserError) as err:
        load_config("mimic_v9")
    assert "mimic_v3" in str(err.value) and "known configs" in str(err.value)
