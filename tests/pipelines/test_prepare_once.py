"""Processes that start together on an empty data cache: one generates, the others wait and
read the same data (otherwise a grid's workers race TFDS' final rename and lose a trial)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
READ = ("import sys; from pipelines.movement.simulator.builder import load_simulated; "
        "print('rows', len(load_simulated('tiny', sys.argv[1])))")


def test_simultaneous_first_loads_all_succeed(tmp_path):
    data_dir = tmp_path / "fresh"
    env = {"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin", "TF_CPP_MIN_LOG_LEVEL": "2",
           "HOME": str(tmp_path)}
    runs = [subprocess.Popen([sys.executable, "-c", READ, str(data_dir)], cwd=ROOT, env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            for _ in range(3)]
    outputs = [run.communicate(timeout=300) for run in runs]
    for run, (out, err) in zip(runs, outputs):
        assert run.returncode == 0, err[-2000:]
    rows = {line for out, _ in outputs for line in out.splitlines() if line.startswith("rows")}
    assert len(rows) == 1 and rows.pop() != "rows 0"
    generated = sum("generating simulated tracks" in out for out, _ in outputs)
    assert generated == 1  # one process generated, the others waited and read its files
