"""The issue's commands end to end through the real CLIs, with a tiny budget."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parents[2]
TINY = ["--set", "image_height=32", "--set", "image_width=64", "--set", "max_disparity=16",
        "--set", "base_width=8", "--set", "batch_size=4", "--set", "n_train=8",
        "--set", "n_val=4", "--set", "n_test=4"]


def run(args, tmp_path):
    env = {**os.environ, "TFLAB_DATA_DIR": str(tmp_path / "tfds"), "TF_CPP_MIN_LOG_LEVEL": "2"}
    result = subprocess.run([sys.executable, "-m", *args], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    return result.stdout


@pytest.fixture(scope="module")
def pretrained(tmp_path_factory):
    """One tiny `stereo_pretrain` run shared by the tests below (it is the slow part)."""
    tmp = tmp_path_factory.mktemp("stereo_pre")
    run(["tfmodels.fit", "stereo_pretrain", "--out", str(tmp / "pre"), *TINY,
         "--set", "epochs=1"], tmp)
    return tmp / "pre" / "model.keras"


@pytest.mark.slow
def test_pretrain_then_finetune_through_the_cli(tmp_path, pretrained):
    ft = tmp_path / "ft"
    out = run(["tfmodels.fit", "stereo_finetune", "--out", str(ft), *TINY,
               "--set", "epochs=2", "--set", f"pretrained={pretrained}"], tmp_path)
    assert "training stopped:" in out and "fine-tuned network" in out
    assert "OpenCV StereoSGBM" in out and "pretrain-only network" in out
    for name in ("config.json", "history.csv", "metrics.json", "model.keras", "best.keras",
                 "test_table.txt"):
        assert (ft / name).is_file(), name
    metrics = json.loads((ft / "metrics.json").read_text())
    assert metrics["epochs"] == 2 and metrics["test_epe"] > 0
    assert json.loads((ft / "config.json").read_text())["pretrained"].endswith("model.keras")


@pytest.mark.slow
def test_regularisation_grid_runs_and_summarises_seeds(tmp_path, pretrained):
    grid = tmp_path / "grid"
    run(["tuning.grid", "stereo_regularisation", "--out", str(grid), *TINY,
         "--set", "epochs=1", "--set", "dropout_p=0.2", "--set", "weight_decay=1e-5",
         "--set", "learning_rate=5e-5", "--set", f"pretrained={pretrained}"], tmp_path)
    results = pd.read_csv(grid / "results.csv")
    summary = pd.read_csv(grid / "summary.csv")
    assert len(results) == 2 and set(results["random_seed"]) == {0, 1}
    assert len(summary) == 1 and int(summary["n"].iloc[0]) == 2
