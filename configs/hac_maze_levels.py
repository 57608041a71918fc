"""Does the hierarchy pay for itself in a maze? levels {1, 2, 3} × seeds {0, 1, 2} on
PointMaze, each trial the same fixed episode budget with no early stop.

    python -m tuning.grid hac_maze_levels                              # U-maze
    python -m tuning.grid hac_maze_levels --set env_id=PointMaze_Medium-v3

summary.csv gives, per level count, mean, sample sd (n) and range of the final test
success, and of the episodes and env steps to the first test block at ≥ 0.5 and ≥ 0.9 over
the seeds that got there (`*_n` says how many did). Per-seed curves: each trial's
tests.csv; `python bench/hac_bench.py report --grid GRID_DIR` draws success vs env steps.
"""
from configs.hac_pointmaze import get_config as pointmaze_config


def get_config():
    config = pointmaze_config()
    config.name = "hac_maze_levels"
    config.grid = {"random_seed": [0, 1, 2], "levels": [1, 2, 3]}
    return config
