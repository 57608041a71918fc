"""A grid over several processes or machines: one chief holds the oracle, workers train.

    python -m tuning.grid CONFIG --out DIR --chief [--bind HOST:PORT] [--lease SECONDS]
    python -m tuning.grid CONFIG --out DIR --connect HOST:PORT    # any number, anywhere
    python -m tuning.grid CONFIG --out DIR --workers N             # both, on this machine

This is KerasTuner's chief/worker mode (its gRPC oracle server and protobuf messages) with
tflab's `LeaseOracle` behind it, so a worker that dies costs one lease period, not the
grid. The chief runs no trial: it serves the oracle, re-queues expired leases, and returns
when every grid point has a result or failed (and the workers still heard from were told).
Each worker names itself host-pid, runs trials into its own `--out`, and sends back only
metrics; the chief writes every table from those, so no disk needs to be shared.

Why processes at all, even on one machine: measured on the 2-core AMD EPYC box
(bench/RESULTS_mimic.md, 2026-12-01 22:59–23:05, "workers vs threads"), two
single-threaded trial processes side by side gave 1.7× the trial throughput of one process
using both cores, because small Keras models cannot keep two cores busy inside one step.
"""
from __future__ import annotations

import ipaddress
import os
import shlex
import socket
import subprocess
import sys
import time

from tflab.cli import float_at_least
from tflab.errors import UserError
from tuning.client import ChiefClient, split_address
from tuning.kt_compat import retry_queue, serve_oracle

DEFAULT_PORT = 8787
POLL_SECONDS = 0.25


def add_arguments(parser) -> None:
    group = parser.add_argument_group(
        "several machines", "one --chief holds the grid; --connect workers run its trials")
    group.add_argument("--chief", action="store_true",
                       help="hold the grid's oracle, write the tables, run no trial; "
                       "re-running it resumes (finished trials kept)")
    group.add_argument("--bind", default=f"127.0.0.1:{DEFAULT_PORT}", metavar="HOST:PORT",
                       help="where the chief listens (default %(default)s: "
                       "loopback only; the oracle has no authentication, see docs/grids.md)")
    group.add_argument("--connect", default=None, metavar="HOST:PORT",
                       help="run trials for the chief at HOST:PORT until its grid is done")
    group.add_argument("--lease", type=float_at_least(0, strict=True), default=120.0,
                       metavar="SECONDS",
                       help="chief: a trial whose worker sent no heartbeat for this long "
                       "goes to another worker (default %(default)s)")
    group.add_argument("--connect-timeout", type=float_at_least(0), default=300.0,
                       metavar="SECONDS",
                       help="worker: keep retrying an unreachable chief this long, then "
                       "exit 2 (default %(default)s)")


def check_arguments(args) -> None:
    if args.chief and args.connect:
        raise UserError("--chief and --connect exclude each other: start one chief, and "
                        "workers with --connect HOST:PORT")
    if (args.chief or args.connect) and (args.workers or 1) > 1:
        raise UserError("--workers N starts its own chief and workers on this machine; "
                        "use it without --chief/--connect")
    split_address(args.bind, DEFAULT_PORT)
    if args.connect:
        split_address(args.connect)


def worker_id() -> str:
    """host-pid: unique by itself (KerasTuner hands one trial to all holders of an id)."""
    return f"{socket.gethostname().split('.')[0]}-{os.getpid()}"


def default_workers(trials: int) -> int:
    """Without a GPU: one single-threaded trial process per core (faster than one process
    using every core for these small models: bench/RESULTS_mimic.md, "workers"). With a GPU:
    one process, whose trial spans the GPUs."""
    import tensorflow as tf

    if tf.config.list_physical_devices("GPU"):
        return 1
    return max(1, min(os.cpu_count() or 1, trials))


def configure_worker_threads() -> None:
    """Compute threads per worker process (set before TensorFlow starts any op)."""
    threads = int(os.environ.get("TFLAB_WORKER_THREADS", "0"))
    if threads > 0:
        import tensorflow as tf

        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(1)


def search(tuner) -> None:
    """`tuner.search`, a user error inside a trial surfacing as itself."""
    import keras_tuner as kt

    try:
        tuner.search(verbose=0)
    except kt.errors.FatalError as err:
        if isinstance(err.__cause__, UserError):
            raise err.__cause__ from None
        raise


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(socket.gethostbyname(host)).is_loopback
    except (OSError, ValueError):
        return False


def start_server(oracle, bind: str):
    """KerasTuner's oracle servicer on `bind` (port 0 = any free one); (server, port)."""
    from concurrent import futures

    import grpc

    host, port = split_address(bind, DEFAULT_PORT)
    # one thread, as in KerasTuner: the oracle's calls are serialised anyway.
    # so_reuseport off: a second chief on the same port must fail, not share the port
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=1),
                         options=[("grpc.so_reuseport", 0)])
    serve_oracle(oracle, server)
    try:
        bound = server.add_insecure_port(f"[{host}]:{port}" if ":" in host else f"{host}:{port}")
    except RuntimeError:
        bound = 0
    if not bound:
        raise UserError(f"cannot listen on {host}:{port}: the port is taken (another "
                        f"chief?) or the address is not this machine's; choose another "
                        f"with --bind HOST:PORT")
    server.start()
    return server, bound


def serve(server, oracle, keep_going=lambda: True) -> None:
    """Expire leases until the grid is finished (or `keep_going()` turns False)."""
    try:
        while not oracle.should_exit() and keep_going():
            oracle.expire_leases()
            time.sleep(POLL_SECONDS)
    finally:
        server.stop(grace=1.0)


def _say(line: str) -> None:
    print(line, flush=True)


def _prepare_chief(make_tuner, lease_seconds: float, keep_old_leases: bool):
    tuner = make_tuner(lease_seconds=lease_seconds, oracle_log=_say,
                       keep_old_leases=keep_old_leases)
    oracle = tuner.oracle
    oracle.verbose = 0
    finished = sum(t.status in ("COMPLETED", "FAILED") for t in oracle.trials.values())
    if oracle.trials:
        print(f"resuming: {finished} finished trials kept; {len(oracle.leases)} leased "
              f"trials wait up to {lease_seconds:g} s for their workers' heartbeat, "
              f"{len(retry_queue(oracle))} are re-queued", flush=True)
    tuner.save()  # oracle state on disk from the start: a restarted chief resumes it
    return oracle


def run_chief(make_tuner, args) -> None:
    oracle = _prepare_chief(make_tuner, args.lease, keep_old_leases=True)
    server, port = start_server(oracle, args.bind)
    host = split_address(args.bind, DEFAULT_PORT)[0]
    reach = "CHIEF_HOST" if host in ("0.0.0.0", "::") else host
    sets = "".join(f" --set {shlex.quote(o)}" for o in args.overrides)
    print(f"chief: grid oracle on {host}:{port} (lease {args.lease:g} s); start each "
          f"worker with: python -m tuning.grid {args.config}{sets} --out DIR --connect "
          f"{reach}:{port}", flush=True)
    if not _is_loopback(host):
        print(f"warning: the oracle on {host}:{port} has no authentication: anyone who can "
              f"reach this port can read the grid and report results. Use it only on a "
              f"private cluster network, or keep the default loopback --bind and reach it "
              f"through an SSH tunnel (ssh -L {port}:127.0.0.1:{port} CHIEF_HOST)",
              file=sys.stderr, flush=True)
    serve(server, oracle)


def run_worker(make_tuner, args) -> None:
    tuner_id = worker_id()
    name = os.environ.setdefault("TFLAB_WORKER_NAME", tuner_id)
    tuner = make_tuner(tuner_id=tuner_id, client=lambda local: ChiefClient(
        local, args.connect, tuner_id, args.connect_timeout))
    print(f"[{name}] worker {tuner_id} serving the chief at {args.connect}; run "
          f"directories under {tuner.trials_dir}", flush=True)
    search(tuner)
    print(f"[{name}] the chief's grid is finished; worker {tuner_id} exits", flush=True)


def run_local(make_tuner, worker_argv: list[str], workers: int, threads: int,
              lease_seconds: float) -> list[int]:
    """`--workers N`: the chief in this process, N `--connect` workers beside it."""
    oracle = _prepare_chief(make_tuner, lease_seconds, keep_old_leases=False)
    server, port = start_server(oracle, "127.0.0.1:0")
    processes = []
    for index in range(workers):
        env = dict(os.environ, TFLAB_WORKER_THREADS=str(threads),
                   TFLAB_WORKER_NAME=f"w{index}", TFLAB_WORKERS=str(workers))
        processes.append(subprocess.Popen(
            [sys.executable, "-m", "tuning.grid", *worker_argv, "--workers", "1",
             "--connect", f"127.0.0.1:{port}"], env=env))
    try:
        serve(server, oracle, keep_going=lambda: any(p.poll() is None for p in processes))
        return [process.wait() for process in processes]
    except KeyboardInterrupt:
        for process in processes:
            process.terminate()
        raise
