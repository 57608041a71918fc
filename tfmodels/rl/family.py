"""The A2C family as the registry sees it ("a2c" → this module's FAMILY).

RL builds its data (the environments) inside `train`, so `load_data` returns None and the
data key is the environment id: the grid has nothing to share between trials.
The grid ranks trials by the mean evaluation return on the held-out variants.
"""
from __future__ import annotations

from pathlib import Path

from tflab.errors import UserError
from tflab.io import write_json


class A2CFamily:
    name = "a2c"
    objective = ("eval_return_heldout", "max")
    cli_keys = ("eval_return_train", "eval_return_heldout", "ep_return_mean100",
                "steps_to_solve", "steps_per_sec_overall")
    cli_note = ("eval_return_*: mean return of eval episodes per variant with the normaliser "
                "frozen; ep_return_mean100: last 100 training episodes")

    def data_key(self, config, data_path=None) -> tuple:
        return (config.env_id,)

    def check_config(self, config) -> None:
        """What the config names, against the installed environments: one-line UserErrors
        before any compute (the config's own `validate` checks its values alone)."""
        from pipelines.envs import check_env_id, check_variants, is_image_env

        check_env_id(config.env_id)
        check_variants(config.env_id,
                       list(config.train_variants) + list(config.heldout_variants))
        if config.attention and not is_image_env(config.env_id):
            raise UserError(f"attention needs image observations; {config.env_id} gives "
                            f"vectors")
        if config.contra_view == "shift" and not is_image_env(config.env_id):
            raise UserError(f"contra_view=shift shifts image frames; {config.env_id} gives "
                            f"vectors: use contra_view=next")

    def load_data(self, config, data_path=None):
        self.check_config(config)
        return None  # environments are built in train()

    def train(self, config, data, run_dir, *, verbose: int = 1) -> dict:
        """One full run into run_dir: config.json, history.csv, metrics.json, model.keras,
        tensorboard/. Returns the final metrics (final + best_* evaluation returns)."""
        from tfmodels.rl.a2c import A2CTrainer  # TF import only when a run starts

        self.check_config(config)  # before the run directory: nothing half-written
        run_dir = start_run_dir(config, run_dir)
        trainer = A2CTrainer(config, run_dir, verbose)
        metrics = trainer.learn()
        save_model(trainer.agent, run_dir / "model.keras")
        trainer.logger.finish(metrics)
        return metrics


def start_run_dir(config, run_dir) -> Path:
    """Validate the config, create the run directory and write its config.json first."""
    config.validate()
    run_dir = Path(run_dir)
    run_dir.mkdir(parents=True, exist_ok=True)
    write_json(run_dir / "config.json", config.to_dict())
    return run_dir


def save_model(model, path: Path) -> None:
    """Save atomically: Keras writes a temp .keras file that is renamed into place."""
    from tflab.io import atomic_path

    with atomic_path(path, suffix=".keras") as tmp:
        model.save(tmp)


FAMILY = A2CFamily()
