"""Does the hierarchy pay for itself in a maze? levels {1, 2, 3} × seeds {0, 1, 2} on
PointMaze, each trial the same fixed episode budget with no early stop.

    python -m tuning.grid hac_maze_levels                              # U-maze
    python -m tuning.grid hac_maze_levels --set env_id=PointMaze_Medium-v3
    python -m tuning.grid hac_maze_levels --set env_id=PointMaze_Medium-v3 \
        --set subgoal_thresholds=0.15,0.15   # subgoals reached within 0.15, not the task's 0.45

With `--set levels=3` that threshold was the one HAC setting that beat the flat agents on
Medium (bench/RESULTS_hac.md); with the task's threshold subgoals near the ball count as
reached at once and the hierarchy's episodes end short of the goal.

summary.csv gives, per level count, mean, sample sd (n) and range of the final test
success, and of the episodes and env steps to the first test block at ≥ 0.5 and ≥ 0.9 over
the seeds that got there (`*_n` says how many did). Per-seed curves: each trial's
tests.csv; `python -m bench.hac_maze_report --grid GRID_DIR --png out.png` draws
success vs env steps and compares agents at equal env steps (`--marks`).
"""
from configs.hac_pointmaze import get_config as pointmaze_config


def get_config():
    config = pointmaze_config()
    config.name = "hac_maze_levels"
    config.grid = {"random_seed": [0, 1, 2], "levels": [1, 2, 3]}
    return config
