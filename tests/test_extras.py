"""Optional installs per family: a missing extra is one line naming the pip command.

Each check runs the real CLI in a subprocess whose import system cannot find the extra's
packages (a `sys.meta_path` finder that refuses them), as on a core-only install.
"""
import os
import subprocess
import sys

import pytest

from tests.cli import ROOT
from configs.families import all_specs
from tflab.extras import missing_modules

FAMILY_EXTRAS = {name: (spec.extra, spec.modules) for name, spec in all_specs().items()}

BLOCK = """
import importlib.abc, runpy, sys
class Refuse(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None
BLOCKED = set(sys.argv[1].split(","))
sys.meta_path.insert(0, Refuse())
sys.argv = [sys.argv[2], *sys.argv[3:]]
runpy.run_module(sys.argv[0], run_name="__main__", alter_sys=True)
"""


def run_without(modules, *args, timeout=300):
    env = dict(os.environ, PYTHONPATH=str(ROOT), TF_CPP_MIN_LOG_LEVEL="2")
    return subprocess.run([sys.executable, "-c", BLOCK, ",".join(modules), *args], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=timeout)


def test_every_extra_is_installed_here():
    """The test install (`.[test]`) pulls every family's extra."""
    for family, (_, modules) in FAMILY_EXTRAS.items():
        assert missing_modules(modules) == [], family


@pytest.mark.parametrize("args, blocked, extra", [
    (["tfmodels.fit", "stereo_pretrain"], ["cv2"], "stereo"),
    (["tuning.grid", "catan_norms"], ["catanatron"], "catan"),
    (["tfmodels.rl", "a2c_cartpole"], ["minatar", "gymnasium"], "rl"),
    (["pipelines.catan", "--games", "2"], ["catanatron_gym"], "catan"),
])
def test_missing_extra_is_one_line_naming_the_install(args, blocked, extra):
    result = run_without(blocked, *args)
    assert result.returncode == 2, result.stdout + result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert f"pip install -e '.[{extra}]'" in lines[0] and blocked[0] in lines[0]


def test_list_works_without_any_extra():
    blocked = sorted({m for _, modules in FAMILY_EXTRAS.values() for m in modules})
    result = run_without(blocked, "tfmodels.fit", "--list")
    assert result.returncode == 0, result.stderr
    assert "a2c_cartpole" in result.stdout and "catan_norms" in result.stdout


@pytest.mark.slow
def test_the_main_job_needs_only_the_core_install(tmp_path):
    """A mimic grid trial runs with every other family's packages missing."""
    blocked = sorted({m for _, modules in FAMILY_EXTRAS.values() for m in modules}
                     | {"statsmodels", "pytest"})
    result = run_without(blocked, "tuning.grid", "mimic_v3", "--set", "simulator_config=tiny",
                         "--set", "epochs=1", "--set", "batch_size=64", "--set",
                         "num_layers=0", "--set", "feature_set=v2", "--max-trials", "1",
                         "--out", str(tmp_path / "grid"))
    assert result.returncode == 0, result.stdout + result.stderr
    # its numbers, recomputed here from the saved scorer on the same simulated choices
    import numpy as np
    import pandas as pd

    from tfmodels.mimic.score import score

    row = pd.read_csv(tmp_path / "grid" / "results.csv").iloc[0]
    assert row["status"] == "COMPLETED"
    scores = score(tmp_path / "grid" / "trials" / row["run"], None)
    chosen = scores[scores["selected"] == 1]
    for split in ("train", "val"):
        nll = -np.log(chosen.loc[chosen["split"] == split, "probability"]).mean()
        assert row[f"nll_decision_{split}"] == pytest.approx(nll, rel=1e-5), split
    assert row["val_loss"] == pytest.approx(row["nll_decision_val"], rel=1e-6)
    assert row["gmp_val"] == pytest.approx(np.exp(-row["nll_decision_val"]), rel=1e-5)
