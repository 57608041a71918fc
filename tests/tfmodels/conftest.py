"""A tiny trained mimic run shared by the report and simulation tests (trained once)."""
import pytest

from configs.base import load_config
from tfmodels.families import get_family


@pytest.fixture(scope="session")
def tiny_mimic_run(tmp_path_factory):
    """mimic v3, 2 × 8 MLP, 3 epochs on the simulator's tiny config (6 × 20 decisions)."""
    family = get_family("mimic")
    config = load_config("mimic_v3", ["simulator_config=tiny", "epochs=3", "batch_size=64",
                                      "num_layers=2", "layer_size=8", "feature_set=v3"])
    out = tmp_path_factory.mktemp("tiny_mimic_run")
    family.train(config, family.load_data(config, None), out, verbose=0)
    return out
