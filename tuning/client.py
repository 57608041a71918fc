"""A worker's line to the chief: KerasTuner's oracle calls over gRPC, with patience.

KerasTuner's own `OracleClient` waits up to an hour on every call and gives up on the
first refused one otherwise. A tflab worker instead retries an unreachable chief (not
started yet, restarting after a crash) for `retry_seconds`, then stops with one line and
exit 2. Only KerasTuner's protobuf messages travel (no pickles). Retrying is safe: the
chief answers a repeated CreateTrial with the same leased trial, and ignores a repeated
report (the first one ended the lease).
"""
from __future__ import annotations

import socket
import time

from tflab.errors import UserError

RPC_SECONDS = 30.0  # one call; the chief's calls are short, so this only bounds a hang
HEARTBEAT_SECONDS = 5.0
IDLE_POLL_SECONDS = 1.0
RETRY_PAUSE_SECONDS = 0.5


def split_address(address: str, default_port: int | None = None) -> tuple[str, int]:
    host, sep, port = address.rpartition(":")
    if not sep:
        host, port = address, str(default_port or "")
    host = host.strip("[]")
    if not host or not port.isdigit() or not 0 <= int(port) < 65536:
        raise UserError(f"bad address {address!r}: write HOST:PORT, e.g. 10.0.0.5:8787")
    return host, int(port)


def no_chief(address: str, seconds: float) -> UserError:
    return UserError(f"no chief answered at {address} for {seconds:g} s; start it first "
                     f"(python -m tuning.grid CONFIG --chief --bind HOST:PORT), check "
                     f"HOST:PORT, or wait longer with --connect-timeout SECONDS")


def wait_for_chief(address: str, retry_seconds: float) -> None:
    """A plain TCP connect until it succeeds, before TensorFlow loads (so that a missing
    chief is one clean line, not a line under TensorFlow's start-up notices)."""
    host, port = split_address(address)
    deadline = time.monotonic() + retry_seconds
    while True:
        try:
            with socket.create_connection((host, port), timeout=RETRY_PAUSE_SECONDS * 4):
                return
        except OSError:
            if time.monotonic() >= deadline:
                raise no_chief(address, retry_seconds) from None
            time.sleep(RETRY_PAUSE_SECONDS)


class ChiefClient:
    """The oracle methods `kt.Tuner.search` calls on a worker, sent to the chief."""

    def __init__(self, local_oracle, address: str, tuner_id: str, retry_seconds: float):
        import grpc
        from keras_tuner.engine import trial as trial_module

        from tuning import kt_compat

        self._grpc, self._messages = grpc, kt_compat.oracle_messages()
        self._trial_cls, self._status = trial_module.Trial, trial_module.TrialStatus
        self._space = local_oracle.get_space()
        self.objective = local_oracle.objective
        self.max_trials = local_oracle.max_trials
        self.verbose = 0
        self.address, self.tuner_id, self.retry_seconds = address, tuner_id, retry_seconds
        self._stub = kt_compat.oracle_stub(grpc.insecure_channel(address))
        self.grid_finished = False  # the chief said so; it may be gone from now on
        self._gave_up = False  # waited retry_seconds once: later calls fail at once

    def _call(self, method: str, request, *, patient: bool = True,
              timeout: float = RPC_SECONDS):
        """One RPC; an unreachable chief is retried for `retry_seconds` (patient) or
        answered with None at once (heartbeats, and any call once the grid finished)."""
        deadline = time.monotonic() + (0 if self._gave_up else self.retry_seconds)
        while True:
            try:
                return getattr(self._stub, method)(request, timeout=timeout)
            except self._grpc.RpcError as err:
                code = err.code()
                if code not in (self._grpc.StatusCode.UNAVAILABLE,
                                self._grpc.StatusCode.DEADLINE_EXCEEDED):
                    raise UserError(f"the chief at {self.address} refused {method}: "
                                    f"{err.details()} (is it running the same grid "
                                    f"and --out?)") from None
                if not patient or self.grid_finished:
                    return None
                if time.monotonic() >= deadline:
                    self._gave_up = True
                    raise no_chief(self.address, self.retry_seconds) from None
                time.sleep(RETRY_PAUSE_SECONDS)

    def _trial(self, response, trial_id=None, status=None):
        if response is None:
            return self._trial_cls(self._space.copy(), trial_id=trial_id, status=status)
        return self._trial_cls.from_proto(response.trial)

    def create_trial(self, tuner_id):
        if self.grid_finished:
            return self._trial(None, status=self._status.STOPPED)
        response = self._call("CreateTrial", self._messages.CreateTrialRequest(
            tuner_id=tuner_id))
        trial = self._trial(response, status=self._status.STOPPED)
        if trial.status == self._status.IDLE:  # the rest is leased to others: poll gently
            time.sleep(IDLE_POLL_SECONDS)
        elif trial.status == self._status.STOPPED:
            self.grid_finished = True
        return trial

    def heartbeat(self, trial_id: str, token: float):
        from tuning.oracle import LEASE_TOKEN

        try:
            response = self._call("UpdateTrial", self._messages.UpdateTrialRequest(
                trial_id=trial_id, metrics={LEASE_TOKEN: float(token)}, step=0),
                patient=False, timeout=HEARTBEAT_SECONDS)
        except UserError:  # a chief that lost the trial (e.g. a fresh --out) says so later
            return None
        if response is None:
            return None
        status = self._trial_cls.from_proto(response.trial).status
        if status == self._status.STOPPED:
            self.grid_finished = True
        return status

    def update_trial(self, trial_id, metrics, step=0):
        response = self._call("UpdateTrial", self._messages.UpdateTrialRequest(
            trial_id=trial_id, metrics=metrics, step=step))
        return self._trial(response, trial_id=trial_id)

    def end_trial(self, trial):
        self._call("EndTrial", self._messages.EndTrialRequest(trial=trial.to_proto()))

    def get_trial(self, trial_id):
        response = self._call("GetTrial", self._messages.GetTrialRequest(trial_id=trial_id))
        return self._trial(response, trial_id=trial_id)

    def get_space(self):
        return self._space.copy()
