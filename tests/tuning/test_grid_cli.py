"""The grid through its real CLI: tiny simulator, tiny budget, kill and resume."""
import json
import re

import pandas as pd
import pytest

from tests.cli import run_cli, start_cli

TINY = ["--set", "simulator_config=tiny", "--set", "epochs=2", "--set", "batch_size=64",
        "--set", "feature_set=v2", "--set", "num_layers=0", "--set", "optimizer=adam",
        "--workers", "1"]
# optimizer=adam: tiny seeded Keras trials (a linear model would otherwise be solved exactly,
# giving every seed the same optimum and no per-epoch history)


@pytest.mark.slow
def test_seed_populations_run_then_resume_after_a_kill(tmp_path):
    """grid: random_seed[5] x layer_size[2] = 2 populations of 5; kill -9 after the first."""
    out = tmp_path / "grid"
    process = start_cli("tuning.grid", "mimic_v3", *TINY, "--out", str(out))
    finished = []
    for line in process.stdout:
        if re.match(r"population 1/2 \[\d+\] layer_size=\d+ seeds 0,1,2,3,4 -> "
                    r"best_val_loss per seed: (\d\.\d{4} ){4}\d\.\d{4}", line):
            finished.append(line)
            process.kill()
            break
    process.wait(timeout=60)
    assert finished, "the grid printed no population line before the kill"
    first = sorted(out.glob("trials/trial_*/seed_*/metrics.json"))
    assert len(first) == 5
    stamp = {p: p.stat().st_mtime_ns for p in first}

    resumed = run_cli("tuning.grid", "mimic_v3", *TINY, "--out", str(out))
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert "resuming" in resumed.stdout and "as 2 seed populations of 5" in resumed.stdout
    for path, mtime in stamp.items():  # the finished population was not run again
        assert path.stat().st_mtime_ns == mtime
    results = pd.read_csv(out / "results.csv")
    assert len(results) == 10 and set(results["status"]) == {"COMPLETED"}
    assert sorted(results["random_seed"]) == sorted(list(range(5)) * 2)
    assert set(results["run"].str.extract(r"(seed_\d)")[0]) == {f"seed_{s}" for s in range(5)}
    summary = pd.read_csv(out / "summary.csv")
    assert list(summary["n"]) == [5, 5]
    assert (summary["best_val_loss_spread"] > 0).all()
    assert len(list((out / "hparams").glob("trial_*/seed_*"))) == 10


@pytest.mark.slow
def test_grid_runs_one_by_one_then_resumes_after_a_kill(tmp_path):
    out = tmp_path / "grid"
    # --population off: random_seed[5] x layer_size[2] = 10 trials; run 3, kill after the first
    TINY_OFF = [*TINY, "--population", "off"]
    process = start_cli("tuning.grid", "mimic_v3", *TINY_OFF, "--max-trials", "3",
                        "--out", str(out))
    finished = []
    for line in process.stdout:
        if re.match(r"trial \d+/10 ", line):
            finished.append(line)
            process.kill()
            break
    process.wait(timeout=60)
    assert finished, "the grid printed no trial line before the kill"
    first_metrics = sorted(out.glob("trials/trial_*/metrics.json"))
    assert len(first_metrics) >= 1
    stamp = {p: p.stat().st_mtime_ns for p in first_metrics}

    resumed = run_cli("tuning.grid", "mimic_v3", *TINY_OFF, "--max-trials", "3",
                      "--out", str(out))
    assert resumed.returncode == 0, resumed.stdout + resumed.stderr
    assert "resuming" in resumed.stdout
    for path, mtime in stamp.items():  # finished trials were not run again
        assert path.stat().st_mtime_ns == mtime
    results = pd.read_csv(out / "results.csv")
    assert len(results) == 3 and set(results["status"]) == {"COMPLETED"}
    for column in ("random_seed", "layer_size", "train_loss_true", "val_loss", "gmp_val",
                   "gmp_val_moving", "gmp_random", "epochs", "seconds"):
        assert column in results.columns, column
    summary = pd.read_csv(out / "summary.csv")
    assert {"n", "best_val_loss_min", "best_val_loss_median", "best_val_loss_p90",
            "best_val_loss_spread"} <= set(summary.columns)
    assert summary["n"].sum() == 3
    assert (out / "grid.png").stat().st_size > 1000
    assert list((out / "hparams").iterdir())


@pytest.mark.slow
def test_a_diverging_trial_is_marked_failed_and_the_grid_goes_on(tmp_path):
    out = tmp_path / "grid"
    result = run_cli("tuning.grid", "mimic_v3", *TINY, "--set", "learning_rate=1e30",
                     "--set", "num_layers=3", "--max-trials", "2", "--population", "off",
                     "--out", str(out))
    assert result.returncode == 0, result.stdout + result.stderr
    results = pd.read_csv(out / "results.csv")
    assert len(results) == 2 and set(results["status"]) == {"FAILED"}
    assert result.stdout.count("FAILED") >= 2


@pytest.mark.parametrize("args, words", [
    (["mimic_v9"], "unknown config 'mimic_v9'"),
    (["mimic_v3", "--set", "layer_sise=3"], "unknown config key 'layer_sise'"),
    (["mimic_linear"], "empty grid"),
])
def test_user_errors_are_one_line_exit_2(tmp_path, args, words):
    result = run_cli("tuning.grid", *args, "--out", str(tmp_path / "g"))
    assert result.returncode == 2
    lines = [line for line in result.stderr.strip().splitlines() if line.strip()]
    assert len(lines) == 1 and words in lines[0], result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("entry", ["tuning.grid", "tfmodels.fit"])
def test_bad_tracks_are_one_line_before_tensorflow_and_write_nothing(tmp_path, entry):
    """The user's data is checked before TensorFlow loads, so its start-up notices never
    bury the one line that says what is wrong."""
    tracks = tmp_path / "tracks.csv"
    tracks.write_text("individual,time,lat,lon\na,2020-01-01,95,10\na,2020-01-02,40,10\n")
    out = tmp_path / "out"
    result = run_cli(entry, "mimic_v3", "--data", str(tracks), "--set", "feature_set=v2",
                     "--out", str(out))
    assert result.returncode == 2
    lines = [line for line in result.stderr.strip().splitlines() if line.strip()]
    assert len(lines) == 1 and "column 'lat'" in lines[0] and "-90..90" in lines[0], lines
    assert not out.exists()


@pytest.mark.slow
def test_two_worker_processes_share_one_grid(tmp_path):
    out = tmp_path / "grid"
    result = run_cli("tuning.grid", "mimic_v3", *TINY, "--max-trials", "2", "--workers", "2",
                     "--out", str(out))
    assert result.returncode == 0, result.stdout + result.stderr
    results = pd.read_csv(out / "results.csv")
    assert len(results) == 10 and set(results["status"]) == {"COMPLETED"}
    # each worker trained one of the two populations (both start together and ask the
    # chief for a trial before either population can finish)
    ran = re.findall(r"^\[(w\d)\] population \d/2 \[", result.stdout, re.M)
    assert sorted(ran) == ["w0", "w1"], result.stdout
