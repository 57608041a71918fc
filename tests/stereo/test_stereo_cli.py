"""The issue's commands end to end through the CLIs' `main`, with a tiny budget.

    python -m tfmodels.fit stereo_pretrain --out pre
    python -m tfmodels.fit stereo_finetune --set pretrained=pre/model.keras --out ft
    python -m tuning.grid stereo_regularisation --set pretrained=pre/model.keras

The three run once per module, in this process: the CLIs' `main(argv)` is exactly what
`python -m` calls, and a subprocess would pay the TensorFlow import and every graph trace
again (most of these tests' time). Four fits in all: the
pretrain, the fine-tune, and a two-seed grid whose seed-0 trial has the fine-tune's exact
config, so it doubles as the "same seed, same numbers" check. One logical CPU device
(`TFLAB_REPLICAS=1`), as `tfmodels.fit` uses on a one-device machine; the 2-replica path
is the spine's to test (tests/tfmodels).
"""
import contextlib
import io
import json

import numpy as np
import pandas as pd
import pytest

from tfmodels.fit import main as fit_main
from tfmodels.stereo.evaluate import load_pretrained
from tfmodels.stereo.model import build_stereo_model
from tuning.grid import main as grid_main

H, W, D, WIDTH = 16, 32, 8, 4
TINY = ["--set", f"image_height={H}", "--set", f"image_width={W}",
        "--set", f"max_disparity={D}", "--set", f"base_width={WIDTH}",
        "--set", "batch_size=2", "--set", "n_train=4", "--set", "n_val=2", "--set", "n_test=2"]
# gap_warning=-1: any gap trips the "still overfitting" check, so the line must print
FINETUNE = ["--set", "epochs=1", "--set", "gap_warning=-1"]


def run_main(main, argv) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(argv)
    assert code == 0, out.getvalue()[-3000:]
    return out.getvalue()


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("stereo_cli")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("TFLAB_DATA_DIR", str(tmp / "tfds"))
        mp.setenv("TFLAB_REPLICAS", "1")
        pre = tmp / "pre"
        said = {"pre": run_main(fit_main, ["stereo_pretrain", "--out", str(pre), *TINY,
                                           "--set", "epochs=1"])}
        use_pre = ["--set", f"pretrained={pre / 'model.keras'}"]
        said["ft"] = run_main(fit_main, ["stereo_finetune", "--out", str(tmp / "ft"), *TINY,
                                         *FINETUNE, *use_pre])
        # the recipe's default point of the grid (one value per axis but the seed): 2 trials,
        # in this process (--workers 1): its trial runs with the fine-tune's thread count, so
        # the seed-0 trial can equal the fine-tune bit for bit (worker processes run one
        # thread each, and a different thread count may change the last bit of a sum)
        said["grid"] = run_main(grid_main, [
            "stereo_regularisation", "--out", str(tmp / "grid"), "--workers", "1",
            *TINY, *FINETUNE, *use_pre,
            "--set", "dropout_p=0.2", "--set", "weight_decay=1e-5",
            "--set", "learning_rate=5e-5"])
    return tmp, said


@pytest.mark.slow
def test_pretrain_then_finetune_through_the_cli(runs):
    tmp, said = runs
    ft = tmp / "ft"
    for name in ("config.json", "history.csv", "metrics.json", "model.keras", "best.keras",
                 "test_table.txt"):
        assert (ft / name).is_file(), name
    out = said["ft"]
    assert "loaded pretrained weights" in out
    assert "lr schedule:" in out and "training stopped: reached epochs=1" in out
    assert "still overfitting" in out
    table = (ft / "test_table.txt").read_text()
    for row in ("pretrain-only network", "fine-tuned network", "OpenCV StereoSGBM"):
        assert row in table and row in out
    metrics = json.loads((ft / "metrics.json").read_text())
    assert metrics["epochs"] == 1 and metrics["n_warnings_overfitting"] == 1
    for key in ("test_epe", "test_bad1", "test_bad3", "pretrained_test_epe",
                "sgbm_epe_valid", "sgbm_epe_filled", "sgbm_density", "best_val_epe",
                "train_loss_true", "stop_reason"):
        assert key in metrics, key
    assert metrics["test_epe"] > 0 and 0 <= metrics["test_bad3"] <= metrics["test_bad1"] <= 1
    history = pd.read_csv(ft / "history.csv")
    assert {"train_loss_true", "val_epe", "train_val_gap", "learning_rate"} <= set(history)
    assert json.loads((ft / "config.json").read_text())["pretrained"].endswith("model.keras")


@pytest.mark.slow
def test_finetuning_from_pretrained_changes_weights_and_keeps_architecture(runs):
    tmp, _ = runs
    pretrained = load_pretrained(str(tmp / "pre" / "model.keras"))
    tuned = load_pretrained(str(tmp / "ft" / "model.keras"))
    assert [w.shape for w in tuned.get_weights()] == [w.shape for w in pretrained.get_weights()]
    assert [layer.name for layer in tuned.layers] == [layer.name for layer in pretrained.layers]
    assert pretrained.get_layer("dec8_dropout").rate == 0.0  # stereo_pretrain: no dropout
    assert tuned.get_layer("dec8_dropout").rate == 0.2  # the fine-tune's, not the loaded one
    pairs = list(zip(tuned.trainable_weights, pretrained.trainable_weights))
    assert max(float(np.abs(a - b).max()) for a, b in pairs) > 0  # training moved them ...
    fresh = build_stereo_model(D, width=WIDTH)
    start_gap = np.mean([np.abs(a - b).mean() for a, b in zip(
        fresh.trainable_weights, pretrained.trainable_weights)])
    tuned_gap = np.mean([np.abs(a - b).mean() for a, b in pairs])
    assert tuned_gap < 0.05 * start_gap  # ... a little, starting from the pretrained ones


@pytest.mark.slow
def test_regularisation_grid_runs_and_summarises_seeds(runs):
    tmp, said = runs
    results = pd.read_csv(tmp / "grid" / "results.csv")
    summary = pd.read_csv(tmp / "grid" / "summary.csv")
    assert len(results) == 2 and set(results["random_seed"]) == {0, 1}
    assert set(results["status"]) == {"COMPLETED"}
    assert len(summary) == 1 and int(summary["n"].iloc[0]) == 2
    seeds = results["best_val_epe"].to_numpy()
    assert summary["best_val_epe_min"].iloc[0] == pytest.approx(seeds.min())
    assert summary["best_val_epe_median"].iloc[0] == pytest.approx(np.median(seeds))
    assert "grid done" in said["grid"]


@pytest.mark.slow
def test_same_seed_gives_the_same_numbers_twice(runs):
    """The grid's seed-0 trial is the fine-tune run's exact config, fitted a second time."""
    tmp, _ = runs
    results = pd.read_csv(tmp / "grid" / "results.csv").set_index("random_seed")
    trial = {seed: json.loads((tmp / "grid" / "trials" / f"trial_{results.loc[seed, 'trial']}"
                               / "metrics.json").read_text()) for seed in (0, 1)}
    finetune = json.loads((tmp / "ft" / "metrics.json").read_text())
    for key in ("loss", "train_loss_true", "val_epe", "test_epe"):
        assert trial[0][key] == finetune[key], key  # bit for bit (metrics.json, not CSV)
    assert trial[1]["loss"] != trial[0]["loss"]  # and the seed does matter
