"""A grid that asks: do the representation losses help held-out variants?

repr_coef ∈ {0 (off), 0.05 (the tuned value)} × 3 seeds, each trained on
plain + rectangle Breakout and scored on green line + diagonal. The grid ranks by
eval_return_heldout and summarises the spread across seeds.
"""
from configs.a2c_breakout import get_config as breakout_config


def get_config():
    config = breakout_config()
    config.name = "a2c_breakout_repr"
    config.contra_coef = 0.01
    config.decoder_coef = 0.1
    config.grid = {"repr_coef": [0.0, 0.05], "random_seed": [0, 1, 2]}
    return config
