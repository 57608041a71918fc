"""Run a grid's trials in several processes with KerasTuner's chief/worker mode.

Measured on the 2-core machine (DESIGN.md): two single-threaded trial processes side by
side give ≈1.75× the trial throughput of one process using both cores, because small
Keras models cannot keep two cores busy inside one step. KerasTuner's distributed mode is
the mechanism: one chief holds the oracle (a gRPC server on loopback), each worker asks it
for the next grid point, trains, and reports back. The same mechanism spreads a grid over
several machines (set the KERASTUNER_* variables by hand on each).

Here the chief runs in a background thread of the calling process; the workers are
subprocesses of `python -m tuning.grid ... --worker`. When every worker has exited the
chief's saved state is complete (it saves after each trial), so the caller writes the
tables. A worker killed mid-trial leaves that trial 'running'; the next run retries it.
"""
from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def default_workers(trials: int) -> int:
    """Without a GPU: one single-threaded trial process per core (faster than one process
    using every core for these small models: bench/RESULTS_mimic.md, "workers"). With a GPU:
    one process, whose trial spans the GPUs."""
    import tensorflow as tf

    if tf.config.list_physical_devices("GPU"):
        return 1
    return max(1, min(os.cpu_count() or 1, trials))


def configure_worker_threads() -> None:
    """One compute thread per worker process (set before TensorFlow starts any op)."""
    threads = int(os.environ.get("TFLAB_WORKER_THREADS", "0"))
    if threads > 0:
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(1)


def run_with_workers(make_chief_tuner, worker_argv: list[str], workers: int,
                     threads_per_worker: int) -> list[int]:
    """Start the chief oracle in a thread and `workers` worker processes; wait for them."""
    port = str(free_port())
    os.environ.update(KERASTUNER_ORACLE_IP="127.0.0.1", KERASTUNER_ORACLE_PORT=port,
                      KERASTUNER_TUNER_ID="chief")
    chief = make_chief_tuner()
    server = threading.Thread(target=chief.search, kwargs={"verbose": 0}, daemon=True,
                              name="kerastuner-chief")
    server.start()
    processes = []
    for index in range(workers):
        env = dict(os.environ, KERASTUNER_TUNER_ID=f"tuner{index}",
                   TFLAB_WORKER_THREADS=str(threads_per_worker),
                   TFLAB_WORKER_NAME=f"w{index}")
        processes.append(subprocess.Popen([sys.executable, "-m", "tuning.grid",
                                           *worker_argv, "--worker"], env=env))
    try:
        return [process.wait() for process in processes]
    except KeyboardInterrupt:
        for process in processes:
            process.terminate()
        raise
