"""HAC run files: episodes.csv (one row per training episode), tests.csv (one row per test
block, with every level's diagnostics) and TensorBoard scalars (x axis = episodes).

Both CSVs are rewritten atomically at every test block (episodes.csv in between would be
quadratic in the number of episodes), so a killed run leaves whole files up to its last
block; `finish` writes the rest.
"""
from __future__ import annotations

import math
from pathlib import Path

import pandas as pd

from tflab.io import write_csv

SHOWN = ("episodes", "env_steps", "test_success_rate", "l0/goal_success",
         "l1/subgoal_spread", "seconds")


class HACLogbook:
    def __init__(self, run_dir: Path | None, levels: int, verbose: int = 1):
        self.run_dir = Path(run_dir) if run_dir is not None else None
        self.levels, self.verbose = levels, verbose
        self.episodes: list[dict] = []
        self.tests: list[dict] = []
        self.writer = None
        if self.run_dir is not None:
            import tensorflow as tf

            self.run_dir.mkdir(parents=True, exist_ok=True)
            self.writer = tf.summary.create_file_writer(str(self.run_dir / "tensorboard"))

    def episode_row(self, episode: int, env_steps: int, stats) -> None:
        row = {"episode": episode, "env_steps": env_steps, "worker": stats.worker,
               "success": int(stats.success), "return": stats.ret, "steps": stats.steps}
        for level in range(self.levels - 1):  # the top level's own success is `success`
            attempts = stats.attempts[level]
            row[f"l{level}_subgoal_success"] = (stats.reached[level] / attempts if attempts
                                                else float("nan"))
        self.episodes.append(row)

    def test_row(self, row: dict) -> None:
        self.tests.append(row)
        if self.writer is not None:
            import tensorflow as tf

            from tfmodels.rl.logger import SCALAR_META

            with self.writer.as_default(step=int(row["episodes"])):
                for key, value in row.items():
                    if key != "episodes" and isinstance(value, (int, float)) \
                            and math.isfinite(value):
                        tf.summary.write(key, tf.constant(float(value)), metadata=SCALAR_META)
            self.writer.flush()
            self._write_csvs()
        if self.verbose:
            print("  ".join(f"{k}={row[k]:.4g}" if isinstance(row[k], float) else f"{k}={row[k]}"
                            for k in SHOWN if k in row), flush=True)

    def _write_csvs(self) -> None:
        write_csv(self.run_dir / "tests.csv", pd.DataFrame(self.tests))
        write_csv(self.run_dir / "episodes.csv", pd.DataFrame(self.episodes))

    def finish(self) -> None:
        if self.run_dir is not None:
            self._write_csvs()
            self.writer.close()
