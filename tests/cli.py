"""Run the real entry points in a subprocess, the way a researcher does (CleanRL style)."""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_cli(*args, timeout=600, env=None):
    """`python -m ARGS...` from the repository root; returns CompletedProcess (text)."""
    full_env = dict(os.environ, PYTHONPATH=str(ROOT), TF_CPP_MIN_LOG_LEVEL="2")
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", *args], cwd=ROOT, env=full_env,
                          capture_output=True, text=True, timeout=timeout)


def start_cli(*args, env=None, cwd=None, stdout=subprocess.PIPE):
    """`python -m ARGS...` in the background (stdout and stderr together, to `stdout`);
    `cwd` gives each process its own working directory (as on separate machines)."""
    full_env = dict(os.environ, PYTHONPATH=str(ROOT), TF_CPP_MIN_LOG_LEVEL="2",
                    PYTHONUNBUFFERED="1")
    full_env.update(env or {})
    return subprocess.Popen([sys.executable, "-m", *args], cwd=cwd or ROOT, env=full_env,
                            stdout=stdout, stderr=subprocess.STDOUT, text=True)
