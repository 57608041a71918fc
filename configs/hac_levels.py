"""Does the hierarchy help? levels {1 (flat DDPG + HER), 2} × 3 seeds on PandaReach-v3.

Each trial is one `python -m tfmodels.rl hac_panda_reach` run; summary.csv gives, per
level count, mean ± std (and min, max) of the final test success and of the training
episodes to the first test block at ≥ 0.9, with how many seeds got there at all.
"""
from configs.hac_panda_reach import get_config as panda_reach_config


def get_config():
    config = panda_reach_config()
    config.name = "hac_levels"
    config.grid = {"random_seed": [0, 1, 2], "levels": [1, 2]}
    return config
