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
def test_cli_smoke_same_seed_same_run(tmp_path):
    """The real entry point, twice side by side with one seed: every loss, return and weight
    of the two fresh processes is the same (seeding holds end to end, not only in-process)."""
    import subprocess
    import sys

    overrides = ["total_steps=320", "n_envs=4", "repr_coef=0.05", "contra_coef=0.01",
                 "decoder_coef=0.1", "normalize_obs=true", *TINY]
    runs = [tmp_path / "a", tmp_path / "b"]
    processes = [subprocess.Popen(
        [sys.executable, "-m", "tfmodels.rl", "a2c_breakout", "--out", str(out), "--quiet",
         *sum((["--set", o] for o in overrides), [])],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for out in runs]
    outputs = [process.communicate(timeout=300) for process in processes]
    for process, (_, stderr) in zip(processes, outputs):
        assert process.returncode == 0, stderr[-2000:]
    saved = [json.loads((out / "metrics.json").read_text()) for out in runs]
    assert json.loads(outputs[0][0].splitlines()[0]) == {
        k: saved[0].get(k) for k in get_family("a2c").cli_keys}
    clock = {"wall_s", "steps_per_sec_overall"}
    assert {k: v for k, v in saved[0].items() if k not in clock} == {
        k: v for k, v in saved[1].items() if k not in clock}
    assert saved[0]["total_steps"] == 320 and saved[0]["episodes"] > 0
    models = [keras.saving.load_model(out / "model.keras") for out in runs]
    for a, b in zip(*(m.get_weights() for m in models)):
        np.testing.assert_array_equal(a, b)
    assert normalizer_of(models[0]).count.numpy() == 320  # every training frame once
