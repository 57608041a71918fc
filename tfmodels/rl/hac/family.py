"""The HAC family as the registry sees it ("hac" → this module's FAMILY).

Like A2C, HAC builds its data (the env workers) inside `train`: `load_data` returns None
and the data key is the env id. The grid ranks trials by the final test success rate and
summarises final success, episodes and env steps to 50 % and 90 %, and speed across seeds
(`summary_metrics`).
"""
from __future__ import annotations

from tflab.errors import UserError
from tflab.io import write_json
from tfmodels.rl.family import save_model, start_run_dir


class HACFamily:
    name = "hac"
    objective = ("test_success_rate", "max")
    summary_metrics = ("test_success_rate", "episodes_to_50", "env_steps_to_50",
                       "episodes_to_90", "env_steps_to_90", "seconds", "env_steps_per_sec",
                       "update_steps_per_sec")
    cli_keys = ("test_success_rate", "episodes_to_50", "episodes_to_90", "env_steps",
                "normalizer_count", "seconds", "update_seconds")
    cli_note = ("test_success_rate: share of the last greedy test block's episodes that "
                "reached the goal (normalizers frozen); episodes_to_50 / _90: training "
                "episodes before the first test block at >= 0.5 / solved_success (null: "
                "never); update_seconds: of those seconds, the ones spent updating")

    def data_key(self, config, data_path=None) -> tuple:
        return (config.env_id,)

    def check_config(self, config) -> None:
        """What depends on the task the config names (goal dimensions, default bounds):
        one-line UserErrors before any compute (`validate` checks the values alone)."""
        from pipelines.envs.goals import goal_task

        task = goal_task(config.env_id)  # an unknown env_id: UserError naming the known ones
        for name in ("goal_thresholds", "subgoal_thresholds", "subgoal_low", "subgoal_high"):
            values = getattr(config, name)
            if values and len(values) != task.goal_dim:
                example = ",".join(["0.05"] * task.goal_dim)
                raise UserError(f"{name} has {len(values)} values but {config.env_id} goals "
                                f"have {task.goal_dim} dimensions; give {task.goal_dim} "
                                f"numbers, e.g. --set {name}={example}")
        low, high = config.bounds(task)
        if any(lo >= hi for lo, hi in zip(low, high)):
            raise UserError(f"subgoal_low must lie below subgoal_high, got {low} and {high}")

    def load_data(self, config, data_path=None):
        self.check_config(config)
        return None  # env workers are started in train()

    def train(self, config, data, run_dir, *, verbose: int = 1) -> dict:
        """One run into run_dir: config.json, episodes.csv, tests.csv, metrics.json,
        model.keras, normalizer.json, tensorboard/. Returns the metrics."""
        from tfmodels.rl.hac.train import HACTrainer, save_normalizers

        self.check_config(config)  # before the run directory: nothing half-written
        run_dir = start_run_dir(config, run_dir)
        trainer = HACTrainer(config, run_dir, verbose)
        metrics = trainer.learn()
        save_model(trainer.model, run_dir / "model.keras")
        save_normalizers(run_dir, trainer.obs_norm, trainer.goal_norm)
        trainer.log.finish()
        write_json(run_dir / "metrics.json", metrics)
        return metrics


FAMILY = HACFamily()
