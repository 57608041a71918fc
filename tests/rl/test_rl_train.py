"""End-to-end training with tiny budgets: learning happens, runs repeat, run dirs are whole."""
import json
import math

import keras
import numpy as np
import pandas as pd
import pytest
import tensorflow as tf

from configs.base import load_config
from tfmodels.families import get_family
from tfmodels.rl.a2c import A2CTrainer
from tfmodels.rl.agent import normalizer_of

TINY = ["eval_episodes=2", "eval_max_steps=200"]


def test_cartpole_return_improves_within_a_small_budget():
    config = load_config("a2c_cartpole", ["total_steps=16000", "log_every=4000",
                                          "eval_every=0"] + TINY)
    metrics = A2CTrainer(config, None, verbose=0).learn()
    assert metrics["ep_return_mean100"] > 40, metrics  # random policy: ≈ 22


def test_same_seed_same_returns():
    overrides = ["total_steps=1600", "log_every=800", "eval_every=0", "random_seed=7"] + TINY

    def run():
        trainer = A2CTrainer(load_config("a2c_cartpole", overrides), None, verbose=0)
        metrics = trainer.learn()
        return metrics, [w.numpy() for w in trainer.agent.weights]

    (m1, w1), (m2, w2) = run(), run()
    for key in ("ep_return_mean100", "eval_return_train", "eval_return_heldout", "pg_loss"):
        assert m1[key] == m2[key], key
    for a, b in zip(w1, w2):
        np.testing.assert_array_equal(a, b)


def test_family_train_writes_the_run_directory_breakout_repr(tmp_path):
    config = load_config("a2c_breakout", [
        "total_steps=640", "n_envs=4", "n_steps=5", "log_every=320", "eval_every=640",
        "repr_coef=0.05", "encoder_coef=0.001", "recon_coef=0.1", "normalize_obs=true"] + TINY)
    family = get_family("a2c")
    assert family.objective == ("eval_return_heldout", "max")
    assert family.load_data(config, None) is None
    metrics = family.train(config, None, tmp_path, verbose=0)
    for name in ("config.json", "history.csv", "metrics.json", "model.keras"):
        assert (tmp_path / name).exists(), name
    tags = set()
    for events in (tmp_path / "tensorboard").iterdir():
        for event in tf.compat.v1.train.summary_iterator(str(events)):
            tags |= {(v.tag, v.metadata.plugin_data.plugin_name) for v in event.summary.value}
    assert ("attention/mask", "images") in tags and ("contrastive_loss", "scalars") in tags
    history = pd.read_csv(tmp_path / "history.csv")
    assert list(history["step"]) == [320, 640]
    for column in ("contrastive_loss", "encoder_loss", "decoder_loss", "recon_loss",
                   "repr_loss", "pg_loss", "vf_loss", "entropy", "explained_variance",
                   "steps_per_sec", "eval_return/green_line", "eval_return/diagonal"):
        assert column in history.columns, column
        assert math.isfinite(history[column].iloc[-1]), column
    assert history["contrastive_loss"].iloc[-1] > 0
    saved = json.loads((tmp_path / "metrics.json").read_text())
    assert saved["eval_return_heldout"] == metrics["eval_return_heldout"]
    assert "best_eval_return_heldout" in saved
    model = keras.saving.load_model(tmp_path / "model.keras")
    assert normalizer_of(model).count.numpy() == 640  # every training frame counted once


@pytest.mark.slow
def test_cli_smoke(tmp_path):
    import subprocess
    import sys

    out = tmp_path / "run"
    result = subprocess.run([sys.executable, "-m", "tfmodels.rl", "a2c_breakout", "--out", str(out),
                             "--set", "total_steps=320", "--set", "n_envs=4",
                             "--set", "repr_coef=0.05", "--set", "contra_coef=0.01",
                             "--set", "decoder_coef=0.1", "--quiet"] + sum(
                                 (["--set", t] for t in TINY), []),
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-2000:]
    assert (out / "metrics.json").exists()
