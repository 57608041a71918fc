"""mimic with no hidden layer: a conditional logit whose coefficients can be read directly.

Used to check the pipeline against the simulator's true coefficients and against
statsmodels' ConditionalLogit (bench/mimic_linear.py).
"""
from configs.families.mimic import MimicConfig


def get_config() -> MimicConfig:
    return MimicConfig(name="mimic_linear", feature_set="v3", num_layers=0,
                       learning_rate=0.05, epochs=60, batch_size=10_000)
