"""The private KerasTuner APIs the grid relies on, behind one door.

KerasTuner's distributed mode has no public way in: the chief's gRPC servicer and the
protobuf messages a worker sends live under `keras_tuner.src`. tflab's lease oracle and
tuner also extend a few private hooks of `kt.Oracle` / `kt.Tuner` (where trial and oracle
files go, how a trial is saved, the queue of trials to re-run). Every other module imports
public APIs only (tests/test_import_direction.py checks it) and reaches the private
modules through this one; `missing()` names each private piece the installed KerasTuner
lacks, which tests/tuning/test_kt_compat.py turns into one clear failure on an upgrade.
"""
from __future__ import annotations

# Private hooks that tuning/oracle.py and tuning/heartbeat.py override or read.
ORACLE_ATTRIBUTES = ("_retry_queue", "_get_oracle_fname", "_get_trial_dir", "_save_trial")
TUNER_ATTRIBUTES = ("_get_tuner_fname",)


def oracle_messages():
    """The protobuf module of the oracle service (request and reply messages)."""
    from keras_tuner.src import protos

    return protos.get_service()


def oracle_stub(channel):
    """A client of the chief's oracle service on a gRPC `channel`."""
    from keras_tuner.src import protos

    return protos.get_service_grpc().OracleStub(channel)


def serve_oracle(oracle, server) -> None:
    """Register KerasTuner's own oracle servicer for `oracle` on a gRPC `server`."""
    from keras_tuner.src import protos
    from keras_tuner.src.distribute.oracle_chief import OracleServicer

    protos.get_service_grpc().add_OracleServicer_to_server(OracleServicer(oracle), server)


def retry_queue(oracle) -> list:
    """Trial ids the oracle will hand out again before any new trial."""
    return oracle._retry_queue


def missing() -> list[str]:
    """Every private piece above that the installed KerasTuner lacks (empty = fine)."""
    import keras_tuner as kt

    gone = []
    try:
        from keras_tuner.src import protos
    except ImportError:
        return ["module keras_tuner.src.protos"]
    for name in ("get_service", "get_service_grpc"):
        if not hasattr(protos, name):
            gone.append(f"keras_tuner.src.protos.{name}")
    if not gone:
        service = protos.get_service_grpc()
        gone += [f"keras_tuner.src.protos service_grpc.{name}"
                 for name in ("OracleStub", "add_OracleServicer_to_server")
                 if not hasattr(service, name)]
    try:
        from keras_tuner.src.distribute.oracle_chief import OracleServicer  # noqa: F401
    except ImportError:
        gone.append("keras_tuner.src.distribute.oracle_chief.OracleServicer")
    oracle = kt.oracles.GridSearchOracle(objective="val_loss", max_trials=1)
    gone += [f"kt.Oracle.{name}" for name in ORACLE_ATTRIBUTES if not hasattr(oracle, name)]
    gone += [f"kt.Tuner.{name}" for name in TUNER_ATTRIBUTES if not hasattr(kt.Tuner, name)]
    return gone
