"""The worker side of a lease: report with the token, and renew it while training.

`LeasedGridSearch` is the grid's KerasTuner tuner in every mode. Its oracle is a
`tuning.oracle.LeaseOracle` in the same process (one process, or the chief), or a
`tuning.client.ChiefClient` that forwards each call to the chief over gRPC (a worker).
A trial handed out carries its lease token; the tuner returns it with the trial's metrics
so the oracle can tell the current holder's report from a late one, and, on a worker,
a `Heartbeat` thread renews the lease while `family.train` runs. A thread rather than an
epoch-end callback: it also covers data loading and the slow first epoch, and needs
nothing from the family. Every heartbeat is one short `UpdateTrial` (the chief's gRPC
server answers one call at a time).
"""
from __future__ import annotations

import os
import threading

import keras_tuner as kt

from tflab.errors import UserError
from tuning.oracle import CONFIG_KEY, LEASE_SECONDS, LEASE_TOKEN, LeaseOracle, config_key
from tuning.oracle import TrialStatus, private_value
from tuning.search import FamilyGridSearch


class Heartbeat:
    """Calls `beat()` every `interval` seconds in a daemon thread until the block ends.

    `beat` returns the chief's view of the lease: RUNNING (held), IDLE (re-leased to
    another worker after it expired), STOPPED (the grid is finished), or None (no
    answer; the chief may be restarting — keep beating)."""

    def __init__(self, beat, interval: float, on_lost=None):
        self._beat, self.interval, self._on_lost = beat, max(0.2, float(interval)), on_lost
        self._stop = threading.Event()
        self.lost = None
        self._thread = threading.Thread(target=self._run, daemon=True, name="tflab-heartbeat")

    def __enter__(self):
        self._thread.start()
        return self

    def _run(self):
        while not self._stop.wait(self.interval):
            status = self._beat()
            if status in (TrialStatus.IDLE, TrialStatus.STOPPED) and self.lost is None:
                self.lost = status
                if self._on_lost is not None:
                    self._on_lost(status)

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join(timeout=5 * self.interval)
        return False


class LeasedGridSearch(FamilyGridSearch):
    """`FamilyGridSearch` whose trials are leased (see the module docstring).

    `client` wraps the local oracle into a remote one (a worker); without it the oracle
    is local (one process, or the chief, which serves it and never runs trials). A local
    oracle re-queues the leases an earlier process left at once — their holders died with
    it — except on a `--chief` restart (`keep_old_leases`), whose workers may be alive."""

    def __init__(self, *args, lease_seconds: float = 120.0, client=None, oracle_log=None,
                 keep_old_leases: bool = False, **kwargs):
        self._client, self._lease_seconds, self._oracle_log = client, lease_seconds, oracle_log
        super().__init__(*args, **kwargs)
        if client is not None:
            self.oracle = client(self.oracle)
        elif not keep_old_leases:
            self.oracle.requeue_leases()

    def make_oracle(self, **kwargs) -> LeaseOracle:
        return LeaseOracle(lease_seconds=self._lease_seconds,
                           config_key=config_key(self.base_config), log=self._oracle_log,
                           **kwargs)

    @property
    def remote(self) -> bool:
        return self._client is not None

    def _get_tuner_fname(self):
        """One state file whatever the tuner id (ids carry a pid; resuming must find it).
        A worker has none (its state lives on the chief): a name it never writes."""
        if self.remote:
            return os.path.join(str(self.project_dir), "no-state-on-workers.json")
        return os.path.join(str(self.project_dir), "tuner0.json")

    def save(self):
        if not self.remote:  # a worker's state lives on the chief
            super().save()

    def reload(self):
        if not self.remote:
            super().reload()

    def run_trial(self, trial, *args, **kwargs):
        token = private_value(trial, LEASE_TOKEN)
        key = private_value(trial, CONFIG_KEY)
        if key is not None and int(key) != config_key(self.base_config):
            problem = UserError("this worker's config differs from the chief's (another "
                                "config file or other --set values); start every worker "
                                "with the chief's CONFIG and --set arguments")
            raise kt.errors.FatalError(str(problem)) from problem
        if not self.remote or token is None:
            metrics = super().run_trial(trial, *args, **kwargs)
        else:
            lease = private_value(trial, LEASE_SECONDS) or self._lease_seconds
            print(f"{self.who}trial [{trial.trial_id}] leased for {lease:g} s, renewed "
                  f"while it trains", flush=True)

            def lost(status):
                why = ("the grid finished without it" if status == TrialStatus.STOPPED
                       else "its lease expired and it was handed to another worker")
                print(f"{self.who}trial [{trial.trial_id}]: {why}; this run's report will "
                      f"not be counted", flush=True)

            with Heartbeat(lambda: self.oracle.heartbeat(trial.trial_id, token),
                           interval=lease / 4, on_lost=lost):
                metrics = super().run_trial(trial, *args, **kwargs)
        if token is not None:
            metrics = {**metrics, LEASE_TOKEN: token}
        return metrics
