"""The chief's grid oracle with leases: a dead worker's trial goes back to the queue.

KerasTuner 1.4.8's distributed mode has no heartbeat: a trial handed to a worker that dies
stays in `ongoing_trials` for ever and the chief never exits. Here every trial handed out
is *leased* to the tuner id that asked for it, under a random token that travels inside the
trial's metrics (floats — the only free-form field of KerasTuner's protobuf `Trial`, and
float32 there, so tokens are 24-bit integers):

- the worker renews the lease while it trains (an `UpdateTrial` that carries only the
  token: a heartbeat), and sends the token back with its final metrics and `EndTrial`;
- a lease not renewed for `lease_seconds` expires: the trial is re-queued and handed to
  the next worker that asks;
- only the current holder's report counts, so a late report for a re-leased trial is
  ignored (counted once). A trial that expired but was not handed out again is given back
  to its old holder when it reports or heartbeats (no work thrown away);
- a worker that asks while every remaining trial is leased to someone else gets IDLE (it
  polls), never STOPPED, so live workers stay until the grid is really finished;
- leases, issued tokens and who ran what are part of `oracle.json`: a chief killed and
  restarted keeps finished trials, and gives each leased trial one lease period for its
  worker to heartbeat before re-queuing it.

Every state file is written atomically, so a `kill -9` never leaves half a JSON file.
"""
from __future__ import annotations

import hashlib
import json
import math
import os
import secrets
import time
from dataclasses import dataclass

import keras_tuner as kt
from keras_tuner.engine import trial as trial_module

from tflab import io
from tuning.search import FullGridOracle

LEASE_TOKEN = "tflab/lease"
LEASE_SECONDS = "tflab/lease_seconds"
CONFIG_KEY = "tflab/config"
PRIVATE_PREFIX = "tflab/"

# a Trial's metric values are float32 in KerasTuner's protobuf: 24-bit integers stay exact
TOKEN_BITS = 24

TrialStatus = trial_module.TrialStatus
FINISHED = (TrialStatus.COMPLETED, TrialStatus.FAILED)


@dataclass
class Lease:
    trial_id: str
    token: int
    tuner_id: str
    expires: float


def config_key(config) -> int:
    """24 bits of the resolved config's hash: a worker started with other `--set` values
    (or another config file) than the chief's is refused instead of mixing two grids."""
    text = json.dumps(config.to_dict(), sort_keys=True, default=str)
    return int(hashlib.sha256(text.encode()).hexdigest(), 16) % (1 << TOKEN_BITS)


def private_value(trial, name: str) -> float | None:
    """A tflab value riding in a trial's metrics (None when absent)."""
    if not trial.metrics.exists(name):
        return None
    return trial.metrics.get_last_value(name)


class LeaseOracle(FullGridOracle):
    """`FullGridOracle` whose trials are leased; see the module docstring."""

    def __init__(self, *args, lease_seconds: float = 120.0, config_key: int = 0,
                 clock=time.monotonic, log=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.lease_seconds = float(lease_seconds)
        self.config_key = int(config_key)
        self._clock = clock
        self._log = log or (lambda line: None)
        self.leases: dict[str, Lease] = {}         # trial id -> its current lease
        self.issued: dict[str, dict[int, str]] = {}  # trial id -> token -> tuner id
        self.workers: dict[str, str] = {}          # trial id -> tuner id whose report counted
        self.last_seen: dict[str, float] = {}      # tuner id -> clock of its last call
        self.told_finished: set[str] = set()
        self._restored: dict[str, tuple[int, str]] = {}

    # --- the RPCs (each runs on the chief's single gRPC thread: keep them short) ---------

    @kt.synchronized
    def create_trial(self, tuner_id):
        self.last_seen[tuner_id] = self._clock()
        ongoing = self.ongoing_trials.get(tuner_id)
        if ongoing is not None and ongoing.trial_id in self.leases:  # its answer was lost
            return self._handout(ongoing, self.leases[ongoing.trial_id])
        trial = super().create_trial(tuner_id)
        if trial.status == TrialStatus.STOPPED:
            if not self.finished():  # the rest is leased to others: wait, one may die
                trial.status = TrialStatus.IDLE
            else:
                self.told_finished.add(tuner_id)
            return trial
        if trial.status != TrialStatus.RUNNING:
            return trial
        token = secrets.randbits(TOKEN_BITS)
        self.issued.setdefault(trial.trial_id, {})[token] = tuner_id
        lease = Lease(trial.trial_id, token, tuner_id, self._clock() + self.lease_seconds)
        self.leases[trial.trial_id] = lease
        self.save()
        return self._handout(trial, lease)

    @kt.synchronized
    def update_trial(self, trial_id, metrics, step=0):
        metrics = dict(metrics)
        token = metrics.pop(LEASE_TOKEN, None)
        metrics = {k: v for k, v in metrics.items() if not k.startswith(PRIVATE_PREFIX)}
        trial = self.trials[trial_id]
        lease = self._holding(trial_id, token)
        if lease is None:  # a late or stray report: tell the sender, count nothing
            return self._status_copy(trial, self._lost_status(trial_id, token))
        if not metrics:  # a heartbeat
            return self._status_copy(trial, TrialStatus.RUNNING)
        return super().update_trial(trial_id, metrics, step=step)

    @kt.synchronized
    def end_trial(self, trial):
        token = private_value(trial, LEASE_TOKEN)
        lease = self._holding(trial.trial_id, token)
        if lease is None:
            owner = self.issued.get(trial.trial_id, {}).get(_as_token(token), "unknown worker")
            self._log(f"trial [{trial.trial_id}]: late report from {owner} ignored (the "
                      f"trial was re-leased or already has a result)")
            return
        del self.leases[trial.trial_id]
        self.workers[trial.trial_id] = lease.tuner_id
        super().end_trial(trial)
        self.save()  # KerasTuner saves before it drops the trial from `ongoing_trials`
        ended = self.trials[trial.trial_id]
        done = sum(t.status in FINISHED for t in self.trials.values())
        score = f" {self.objective.name}={ended.score:.4f}" if ended.score is not None else ""
        self._log(f"trial {done}/{self.max_trials} [{trial.trial_id}] {ended.status} on "
                  f"{lease.tuner_id}{score}")

    # --- called by the chief's own loop ---------------------------------------------------

    @kt.synchronized
    def expire_leases(self) -> list[str]:
        """Re-queue every trial whose lease ran out; returns their ids."""
        now, expired = self._clock(), []
        for trial_id, lease in list(self.leases.items()):
            if lease.expires > now:
                continue
            del self.leases[trial_id]
            ongoing = self.ongoing_trials.get(lease.tuner_id)
            if ongoing is not None and ongoing.trial_id == trial_id:
                del self.ongoing_trials[lease.tuner_id]
            self._retry_queue.append(trial_id)
            expired.append(trial_id)
            self._log(f"trial [{trial_id}]: no heartbeat from {lease.tuner_id} for "
                      f"{self.lease_seconds:g} s; lease expired, trial re-queued")
        if expired:
            self.save()
        return expired

    @kt.synchronized
    def requeue_leases(self) -> None:
        """Re-queue every lease at once (no process is left that could renew one)."""
        for trial_id, lease in list(self.leases.items()):
            self.ongoing_trials.pop(lease.tuner_id, None)
            self._retry_queue.append(trial_id)
        self.leases = {}

    def finished(self) -> bool:
        """Every grid point (up to max_trials) has a result or failed; nothing is out."""
        done = sum(t.status in FINISHED for t in self.trials.values())
        return not self.leases and not self._retry_queue and done >= (self.max_trials or 0)

    @kt.synchronized
    def should_exit(self) -> bool:
        """Finished, and every worker heard from lately was told so (bounded by a lease)."""
        if not self.finished():
            return False
        now = self._clock()
        return all(tuner in self.told_finished or now - seen > self.lease_seconds
                   for tuner, seen in self.last_seen.items())

    # --- leases ---------------------------------------------------------------------------

    def _holding(self, trial_id: str, token) -> Lease | None:
        """The lease `token` holds on `trial_id` (renewed), or None if it holds none."""
        token = _as_token(token)
        owner = self.issued.get(trial_id, {}).get(token)
        if owner is None:
            return None
        self.last_seen[owner] = self._clock()
        lease = self.leases.get(trial_id)
        if lease is not None:
            if lease.token != token:
                return None
            lease.expires = self._clock() + self.lease_seconds
            return lease
        trial = self.trials[trial_id]
        if (trial.status in FINISHED or trial_id not in self._retry_queue
                or owner in self.ongoing_trials):
            return None
        # expired but not handed out again: its old holder is alive after all
        self._retry_queue.remove(trial_id)
        trial.status = TrialStatus.RUNNING
        self.ongoing_trials[owner] = trial
        lease = Lease(trial_id, token, owner, self._clock() + self.lease_seconds)
        self.leases[trial_id] = lease
        self._log(f"trial [{trial_id}]: {owner} is back; its lease is renewed")
        self.save()
        return lease

    def _lost_status(self, trial_id: str, token):
        if self.finished():
            owner = self.issued.get(trial_id, {}).get(_as_token(token))
            if owner is not None:
                self.told_finished.add(owner)
            return TrialStatus.STOPPED
        return TrialStatus.IDLE

    def _handout(self, trial, lease: Lease):
        """A copy of `trial` carrying the lease token, its length and the config key."""
        copy = self._status_copy(trial, TrialStatus.RUNNING)
        copy.metrics.update(LEASE_TOKEN, float(lease.token))
        copy.metrics.update(LEASE_SECONDS, self.lease_seconds)
        copy.metrics.update(CONFIG_KEY, float(self.config_key))
        return copy

    @staticmethod
    def _status_copy(trial, status):
        return trial_module.Trial(trial.hyperparameters.copy(), trial_id=trial.trial_id,
                                  status=status)

    # --- state: leases survive a chief restart --------------------------------------------

    def get_state(self):
        state = super().get_state()
        state["tflab_leases"] = {tid: [lease.token, lease.tuner_id]
                                 for tid, lease in self.leases.items()}
        state["tflab_issued"] = {tid: {str(tok): tuner for tok, tuner in tokens.items()}
                                 for tid, tokens in self.issued.items()}
        state["tflab_workers"] = dict(self.workers)
        return state

    def set_state(self, state):
        super().set_state(state)
        self.issued = {tid: {int(tok): tuner for tok, tuner in tokens.items()}
                       for tid, tokens in state.get("tflab_issued", {}).items()}
        self.workers = dict(state.get("tflab_workers", {}))
        self._restored = {tid: (int(tok), tuner)
                          for tid, (tok, tuner) in state.get("tflab_leases", {}).items()}

    def reload(self):
        """KerasTuner re-queues every running trial; a lease gets one period first."""
        super().reload()
        self._retry_queue = [trial_id for trial_id in self._retry_queue  # never re-run
                             if self.trials[trial_id].status not in FINISHED]  # a result
        for trial_id, (token, tuner_id) in self._restored.items():
            trial = self.trials.get(trial_id)
            if trial is None or trial.status in FINISHED or trial_id not in self._retry_queue:
                continue
            self._retry_queue.remove(trial_id)
            self.ongoing_trials[tuner_id] = trial
            self.leases[trial_id] = Lease(trial_id, token, tuner_id,
                                          self._clock() + self.lease_seconds)
        self._restored = {}

    def save(self):
        io.write_text(self._get_oracle_fname(), json.dumps(self.get_state()))

    def _save_trial(self, trial):
        path = os.path.join(self._get_trial_dir(trial.trial_id), "trial.json")
        io.write_text(path, json.dumps(trial.get_state()))


def _as_token(value) -> int | None:
    if value is None or not math.isfinite(float(value)):
        return None
    return int(value)
