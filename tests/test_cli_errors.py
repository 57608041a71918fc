"""Every command's bad arguments: one stderr line `tflab: error: ...`, exit 2, nothing written.

One table of invocations, each run as a researcher runs it (`python -m ...` in a fresh
process, in its own empty working directory). Each case checks that the user hears one line
naming the problem, that no file appears or changes anywhere under its directory (the
--out it names included), and that TensorFlow was never imported: every argument is checked
before TensorFlow, data or compute, so a typo costs a second, not a run.

Placeholders in the arguments: FILE (an existing file), DIR (an existing folder holding
one file), RUN (an existing empty folder standing for a run directory: the argument
checks come before the run's files are read), MISSING (a path that does not exist).
"""
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.cli import ROOT

# Runs the module as `python -m` does and records, at exit, whether TensorFlow was imported.
BOOT = """
import atexit, runpy, sys
marker = sys.argv[1]
atexit.register(lambda: open(marker, "w").write(str("tensorflow" in sys.modules)))
sys.argv = sys.argv[2:]
runpy.run_module(sys.argv[0], run_name="__main__", alter_sys=True)
"""

FIT, GRID, RL = "tfmodels.fit", "tuning.grid", "tfmodels.rl"
SCORE, SIMULATE, REPORT = ("tfmodels.mimic.score", "tfmodels.mimic.simulate",
                           "tfmodels.mimic.report")
EVALUATE, PREDICT, CATAN = "tfmodels.stereo.evaluate", "tfmodels.stereo.predict", "pipelines.catan"
SIM = ["RUN", "--cells", "840c4a3ffffffff", "--days", "2"]  # plus --out
EVAL = ["FILE", "--data", "DIR"]

CASES = [  # (entry, arguments, words the one line must hold)
    (FIT, ["mimic_v3", "--out", "FILE"], "is a file, not a directory"),
    (FIT, ["mimic_v3", "--out", "FILE/run"], "lies under the file"),
    (FIT, ["mimic_v3", "--bogus"], "unrecognized arguments: --bogus"),
    (FIT, ["mimic_v9"], "unknown config 'mimic_v9'"),
    (FIT, ["mimic_v3", "--set", "epochs=two"], "epochs"),
    (FIT, ["mimic_v3", "--seeds", "0,x", "--out", "DIR"], "--seeds takes comma-separated"),
    (GRID, ["mimic_v3", "--out", "FILE"], "is a file, not a directory"),
    (GRID, ["mimic_v3", "--max-trials", "0"], "--max-trials: expected an integer >= 1"),
    (GRID, ["mimic_v3", "--workers", "two"], "--workers: expected an integer >= 1, got 'two'"),
    (GRID, ["mimic_v3", "--lease", "nan"], "--lease: expected a number > 0"),
    (GRID, ["mimic_v3", "--population", "maybe"], "invalid choice: 'maybe'"),
    (GRID, ["mimic_v3", "--chief", "--connect", "127.0.0.1:1"], "exclude each other"),
    (RL, ["a2c_cartpole", "--out", "FILE"], "is a file, not a directory"),
    (RL, ["a2c_cartpole", "--quiet=yes"], "ignored explicit argument"),
    (RL, [], "give a config name"),
    (SCORE, ["RUN", "--batch-size", "0"], "--batch-size: expected an integer >= 1, got 0"),
    (SCORE, ["RUN", "--out", "DIR"], "is a directory; give a file path"),
    (SCORE, ["RUN", "--out", "FILE/scores.csv"], "lies under the file"),
    (SCORE, ["MISSING"], "does not exist"),
    (SIMULATE, [*SIM, "--start-date", "garbage", "--out", "s.csv"], "--start-date 'garbage'"),
    (SIMULATE, [*SIM, "--min-mass", "-1", "--out", "s.csv"], "--min-mass: expected a number"),
    (SIMULATE, [*SIM, "--min-mass", "nan", "--out", "s.csv"], "--min-mass: expected a number"),
    (SIMULATE, [*SIM, "--out", "DIR"], "is a directory; give a file path"),
    (SIMULATE, [*SIM, "--out", "DIR/inside"],
     "also writes DIR/inside_summary.json, which is a directory"),
    (SIMULATE, ["RUN", "--days", "2", "--out", "s.csv"], "exactly one of --start"),
    (SIMULATE, ["RUN", "--cells", "x", "--days", "0", "--out", "s.csv"],
     "--days: expected an integer >= 1, got 0"),
    (SIMULATE, ["RUN", "--cells", "x", "--days", "2"], "required: --out"),
    (SIMULATE, [*SIM, "--seed", "-1", "--out", "s.csv"], "--seed: expected an integer >= 0"),
    (REPORT, ["RUN", "--out", "FILE"], "is a file, not a directory"),
    (REPORT, ["RUN", "--min-pairs", "0"], "--min-pairs: expected an integer >= 1"),
    (REPORT, ["MISSING"], "does not exist"),
    (EVALUATE, [*EVAL, "--sgbm-block-size", "-3"], "odd block size (1, 3, 5, ...) or 0"),
    (EVALUATE, [*EVAL, "--sgbm-block-size", "4"], "odd block size (1, 3, 5, ...) or 0"),
    (EVALUATE, [*EVAL, "--out", "FILE"], "is a file, not a directory"),
    (EVALUATE, [*EVAL, "--max-disparity", "0"], "--max-disparity: expected an integer >= 1"),
    (EVALUATE, [*EVAL, "--lr-check", "nan"], "--lr-check: expected a number >= 0"),
    (EVALUATE, ["MISSING", "--data", "DIR", "--out", "eval"], "model MISSING not found"),
    (PREDICT, ["FILE", "a.png", "b.png", "--out", "FILE"], "is a file, not a directory"),
    (PREDICT, ["FILE", "a.png", "b.png", "--out", "o", "--median", "-1"],
     "--median: expected an integer >= 0"),
    (PREDICT, ["FILE", "a.png", "b.png"], "required: --out"),
    (PREDICT, ["FILE", "a.png", "b.png", "--out", "o", "--set", "data_format=kitti"],
     "--set data_format applies to a directory"),
    (PREDICT, ["FILE", "a.png", "b.png", "--out", "o"], "image a.png not found"),
    (CATAN, ["--games", "1"], "--games: expected an integer >= 2"),
    (CATAN, ["--workers", "0"], "--workers: expected an integer >= 1"),
    (CATAN, ["--out", "FILE"], "is a file, not a directory"),
]


def _case_id(case):
    entry, args, _ = case
    return f"{entry.split('.')[-1]}:{' '.join(args)}"


def _snapshot(folder):
    return sorted((str(p.relative_to(folder)), p.is_dir(), p.stat().st_size,
                   p.stat().st_mtime_ns) for p in folder.rglob("*"))


def _prepare(folder):
    """One case's working directory with FILE, DIR, RUN; returns the placeholder map."""
    folder.mkdir(parents=True)
    (folder / "FILE").write_text("not a model, not a folder\n")
    (folder / "DIR").mkdir()
    (folder / "DIR" / "kept.txt").write_text("untouched\n")
    (folder / "DIR" / "inside_summary.json").mkdir()  # simulate's companion output
    (folder / "RUN").mkdir()
    return folder


def _run(case, folder, marker):
    entry, args, _ = case
    env = dict(os.environ, PYTHONPATH=str(ROOT), TF_CPP_MIN_LOG_LEVEL="2")
    before = _snapshot(folder)
    done = subprocess.run([sys.executable, "-c", BOOT, str(marker), entry, *args], cwd=folder,
                          env=env, capture_output=True, text=True, timeout=120)
    return done, before, _snapshot(folder), marker.read_text() if marker.exists() else "?"


@pytest.fixture(scope="module")
def outcomes(tmp_path_factory):
    """All cases at once, a few processes side by side (most of each is Python start-up)."""
    root = tmp_path_factory.mktemp("cli_errors")
    folders = [_prepare(root / f"case{i}") for i in range(len(CASES))]
    markers = [root / f"tf{i}" for i in range(len(CASES))]
    with ThreadPoolExecutor(max_workers=4) as pool:
        return list(pool.map(_run, CASES, folders, markers))


@pytest.mark.parametrize("index", range(len(CASES)), ids=[_case_id(c) for c in CASES])
def test_bad_argument_is_one_line_exit_2_and_writes_nothing(outcomes, index):
    _, _, words = CASES[index]
    done, before, after, tensorflow_loaded = outcomes[index]
    lines = done.stderr.splitlines()
    assert done.returncode == 2, done.stderr[-2000:]
    assert len(lines) == 1 and lines[0].startswith("tflab: error: "), done.stderr[-2000:]
    assert words in lines[0], lines[0]
    assert after == before  # no file created, changed or removed
    assert tensorflow_loaded == "False"


def test_every_command_has_cases():
    from tests.test_cli_help import ENTRY_POINTS

    assert {entry for entry, _, _ in CASES} == set(ENTRY_POINTS)


def test_help_still_prints_the_usage():
    done = subprocess.run([sys.executable, "-m", SCORE, "--help"], cwd=ROOT, capture_output=True,
                          text=True, timeout=60, env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert done.returncode == 0 and done.stdout.startswith("usage: python -m " + SCORE)
    assert "--batch-size" in done.stdout and done.stderr == ""
