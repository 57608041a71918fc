"""Training the catan family for real, tiny: overfit run, run directory, report, errors."""
import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from configs.base import load_config
from tflab.errors import UserError
from tfmodels.families import get_family
from tfmodels.fit import main as fit_main

REPO = Path(__file__).resolve().parents[2]
TINY = ["overfit=8", "overfit_width=0.0625", "max_ticks=40", "overfit_games=2",
        "workers=1", "batch_size=8", "overfit_learning_rate=0.003", "overfit_passes=2"]


def test_tiny_overfit_run_drives_the_loss_down(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("TFLAB_DATA_DIR", str(tmp_path / "tfds"))
    config = load_config("catan_resnet18", TINY + ["overfit_epochs=8", "norm=batch"])
    family = get_family("catan")
    data = family.load_data(config, None)
    metrics = family.train(config, data, tmp_path / "run", verbose=1)
    history = pd.read_csv(tmp_path / "run" / "history.csv")
    assert {"loss", "train_loss_true", "val_loss", "train_acc_float_true"} <= set(history)
    assert history["train_loss_true"].iloc[-1] < 0.7 * history["train_loss_true"].iloc[0]
    stored = json.loads((tmp_path / "run" / "metrics.json").read_text())
    for head in ("categorical", "binary", "float", "action"):
        for mode in ("train_mode", "eval_mode"):
            assert f"overfit_reached_{head}_{mode}" in stored
        assert stored[f"acc_{head}_mode_gap"] == pytest.approx(
            stored[f"acc_{head}_train_mode"] - stored[f"acc_{head}_eval_mode"])
    assert metrics["objective" if "objective" in metrics else "val_loss"] == stored["val_loss"]
    printed = capsys.readouterr().out
    assert "training=True" in printed and "training=False" in printed
    assert "overfit verdict" in printed and "width=0.0625 learning_rate=0.003" in printed
    assert stored["overfit_fit_epoch"] == 0 or stored["overfit_reached_all_eval_mode"] == 1
    assert (tmp_path / "run" / "model.keras").exists()


def test_config_errors_are_user_errors(capsys):
    with pytest.raises(UserError, match="unknown norm"):
        load_config("catan_resnet18", ["norm=batchnorm"])
    with pytest.raises(UserError, match="at least 2 games"):
        load_config("catan_resnet18", ["n_games=0"])
    with pytest.raises(UserError, match="unknown catan bot"):
        load_config("catan_resnet18", ["bots=random,random,alphabeta,random"])
    with pytest.raises(UserError, match="longer than a game"):
        load_config("catan_resnet18", ["max_ticks=12"])
    assert fit_main(["catan_resnet18", "--set", "norm=bogus"]) == 2
    assert capsys.readouterr().err.count("\n") == 1


def test_norm_grid_is_norms_by_seeds():
    config = load_config("catan_norms")
    assert config.overfit > 0
    assert sorted(config.grid["norm"]) == ["batch", "group", "instance", "layer"]
    assert len(config.grid["random_seed"]) >= 3


@pytest.mark.slow
def test_fit_cli_end_to_end(tmp_path):
    """The real entry point in a fresh process, tiny budget (CleanRL-style smoke test)."""
    args = [sys.executable, "-m", "tfmodels.fit", "catan_resnet18", "--overfit", "8",
            "--out", str(tmp_path / "run")]
    for pair in TINY[1:] + ["overfit_epochs=2", "norm=group"]:
        args += ["--set", pair]
    env = {"TFLAB_DATA_DIR": str(tmp_path / "tfds"), "PATH": "/usr/bin:/bin",
           "TF_CPP_MIN_LOG_LEVEL": "2", "PYTHONPATH": str(REPO)}
    done = subprocess.run(args, cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "training=False" in done.stdout
    stored = json.loads((tmp_path / "run" / "metrics.json").read_text())
    last = pd.read_csv(tmp_path / "run" / "history.csv").iloc[-1]
    assert stored["epochs"] == last["epoch"] >= 1
    # two code paths, one number: the report's eval-mode accuracy on the overfit windows
    # and the epoch-end eval-mode pass over the same (training) windows, same final weights
    # (group norm: no moving statistics that a training=True pass could move)
    for head in ("categorical", "binary", "float", "action"):
        assert stored[f"acc_{head}_eval_mode"] == pytest.approx(
            last[f"train_acc_{head}_true"], rel=1e-6), head
