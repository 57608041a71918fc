"""A chief and workers as separate processes on loopback, each in its own working
directory with its own --out (no shared disk), through the real CLI. The tiny grid is
layer_size[2] x random_seed[5]: two trials, each a seed population of five (the default)."""
import re
import socket
import subprocess
import threading
import time

import pandas as pd
import pytest

from tests.cli import run_cli, start_cli
from tests.tuning.test_grid_cli import TINY

LEASE = "5"  # seconds: short, so a killed worker's trial comes back quickly
FINISHED = r"(?:trial|population) \d+/\d+ \[(\w+)\] .*->"  # a worker's end-of-trial line


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _chief(tmp_path, port, trials, stdout):
    (tmp_path / "chief").mkdir(exist_ok=True)
    return start_cli("tuning.grid", "mimic_v3", *TINY, "--max-trials", str(trials),
                     "--out", "grid", "--chief", "--bind", f"127.0.0.1:{port}",
                     "--lease", LEASE, cwd=tmp_path / "chief", stdout=stdout)


def _worker(tmp_path, name, port, stdout):
    (tmp_path / name).mkdir(exist_ok=True)
    return start_cli("tuning.grid", "mimic_v3", *TINY, "--out", "grid", "--connect",
                     f"127.0.0.1:{port}", "--connect-timeout", "90",
                     cwd=tmp_path / name, stdout=stdout)


def _wait_for(process, pattern, timeout=240, seen=None):
    """Read `process`'s output (into `seen`) until a line matches; return the match.
    A process silent for `timeout` seconds is killed, so the test fails instead of hanging."""
    watchdog = threading.Timer(timeout, process.kill)
    watchdog.start()
    try:
        for line in process.stdout:
            if seen is not None:
                seen.append(line)
            match = re.search(pattern, line)
            if match:
                return match
    finally:
        watchdog.cancel()
    raise AssertionError(f"the process ended (or hung) without a line like {pattern!r}")


def _worker_id(log_text):
    return re.search(r"worker (\S+) serving the chief", log_text).group(1)


def _trained(log_text):
    """Trial ids a worker's log says it trained to the end."""
    return re.findall(FINISHED, log_text)


@pytest.mark.slow
def test_two_workers_share_a_grid_and_a_killed_workers_trial_is_rerun(tmp_path):
    port, trials = _free_port(), 2
    chief_log = open(tmp_path / "chief.log", "w")
    b_log = open(tmp_path / "b.log", "w")
    chief = _chief(tmp_path, port, trials, chief_log)
    worker_a = _worker(tmp_path, "a", port, stdout=subprocess.PIPE)
    worker_b = None
    try:
        a_lines = []
        _wait_for(worker_a, FINISHED, seen=a_lines)                  # one trial finished
        # b joins only now, so that a surely takes the second trial
        worker_b = _worker(tmp_path, "b", port, b_log)
        killed = _wait_for(worker_a, r"trial \[(\w+)\] leased", seen=a_lines).group(1)
        time.sleep(1.0)
        worker_a.kill()                                               # kill -9 mid-trial
        a_lines += worker_a.communicate(timeout=30)[0].splitlines()
        assert chief.wait(timeout=240) == 0                           # exits by itself
        assert worker_b.wait(timeout=60) == 0
    finally:
        for process in (chief, worker_a, worker_b):
            if process is not None:
                process.kill()
        chief_log.close()
        b_log.close()
    chief_text, b_text = (tmp_path / "chief.log").read_text(), (tmp_path / "b.log").read_text()
    results = pd.read_csv(tmp_path / "chief" / "grid" / "results.csv", dtype={"trial": str})
    assert len(results) == trials * 5 and set(results["status"]) == {"COMPLETED"}
    assert results[["layer_size", "random_seed"]].drop_duplicates().shape[0] == trials * 5
    assert results.groupby("trial")["worker"].nunique().eq(1).all()
    b_id = _worker_id(b_text)
    ran_by = dict(zip(results["trial"], results["worker"]))
    assert ran_by[killed] == b_id, (killed, ran_by)
    a_ids = set(ran_by.values()) - {b_id}
    assert len(a_ids) == 1 and a_ids.pop().endswith(str(worker_a.pid))  # both named
    assert "lease expired, trial re-queued" in chief_text
    # no shared disk: each worker's run directories lie under its own --out only
    for name in ("a", "b"):
        finished = {p.parent.parent.name for p in (tmp_path / name / "grid").glob(
            "trials/trial_*/seed_*/metrics.json")}
        wanted = {f"trial_{t}" for t, w in ran_by.items() if w.endswith(
            str(worker_a.pid) if name == "a" else b_id)}
        assert finished == wanted, (name, finished, wanted)
    assert not list((tmp_path / "chief" / "grid").glob("trials/**/metrics.json"))
    trained = _trained("\n".join(a_lines)) + _trained(b_text)
    assert sorted(trained) == sorted(ran_by), trained  # each grid point trained once, the
    assert killed not in _trained("\n".join(a_lines))  # killed one only by b, to the end


@pytest.mark.slow
def test_a_killed_chief_restarts_and_finishes_without_rerunning(tmp_path):
    port, trials = _free_port(), 2
    worker_log = open(tmp_path / "w.log", "w")
    chief = _chief(tmp_path, port, trials, stdout=subprocess.PIPE)
    worker = _worker(tmp_path, "w", port, worker_log)
    started = [chief, worker]
    try:
        _wait_for(chief, rf"trial 1/{trials} ")
        chief.kill()                                                  # kill -9
        chief.wait(timeout=30)
        restarted = _chief(tmp_path, port, trials, stdout=subprocess.PIPE)
        started.append(restarted)
        output = restarted.communicate(timeout=240)[0]
        assert restarted.returncode == 0, output
        assert worker.wait(timeout=60) == 0
    finally:
        for process in started:
            process.kill()
        worker_log.close()
    assert "resuming: 1 finished trials kept" in output
    trained = _trained((tmp_path / "w.log").read_text())
    assert len(trained) == trials and len(set(trained)) == trials, trained  # none re-run
    results = pd.read_csv(tmp_path / "chief" / "grid" / "results.csv")
    assert len(results) == trials * 5 and set(results["status"]) == {"COMPLETED"}


def test_a_worker_without_a_chief_gives_up_with_one_line(tmp_path):
    started = time.monotonic()
    result = run_cli("tuning.grid", "mimic_v3", *TINY, "--out", str(tmp_path / "g"),
                     "--connect", f"127.0.0.1:{_free_port()}", "--connect-timeout", "2")
    assert result.returncode == 2
    lines = [line for line in result.stderr.strip().splitlines() if line.strip()]
    assert len(lines) == 1 and "no chief answered at 127.0.0.1:" in lines[0], lines
    assert "for 2 s" in lines[0] and "Traceback" not in result.stderr
    assert time.monotonic() - started >= 2
    assert not (tmp_path / "g").exists()


def test_chief_and_workers_flags_exclude_each_other(tmp_path):
    result = run_cli("tuning.grid", "mimic_v3", *TINY, "--out", str(tmp_path / "g"),
                     "--chief", "--workers", "2")
    assert result.returncode == 2 and "--workers N starts its own chief" in result.stderr
    assert not (tmp_path / "g").exists()


@pytest.mark.parametrize("host, loopback", [("127.0.0.1", True), ("localhost", True),
                                            ("0.0.0.0", False), ("10.1.2.3", False)])
def test_only_loopback_binds_go_without_the_no_authentication_warning(host, loopback):
    from tuning.cluster import _is_loopback

    assert _is_loopback(host) is loopback
