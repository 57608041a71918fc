"""The lease oracle on its own (no processes): expiry, late reports, restarts."""
import json

import keras_tuner as kt
import pytest

from tuning.oracle import CONFIG_KEY, LEASE_SECONDS, LEASE_TOKEN, LeaseOracle, private_value
from tuning.trial_table import collect_rows

Status = kt.engine.trial.TrialStatus


class Clock:
    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


def _oracle(tmp_path, clock, max_trials=2, log=None):
    hp = kt.HyperParameters()
    hp.Choice("random_seed", [0, 1], ordered=False)
    oracle = LeaseOracle(objective=kt.Objective("val_loss", "min"), max_trials=max_trials,
                         hyperparameters=hp, tune_new_entries=False, allow_new_entries=False,
                         lease_seconds=10, config_key=77, clock=clock,
                         log=log if log is not None else (lambda line: None))
    oracle._set_project_dir(str(tmp_path), "tuner")
    oracle.verbose = 0
    return oracle


def _two_handed_out(tmp_path):
    """A fresh oracle that has leased its two trials to host-1 and host-2."""
    clock = Clock()
    oracle = _oracle(tmp_path, clock)
    return clock, oracle, oracle.create_trial("host-1"), oracle.create_trial("host-2")


def _report(oracle, handed, val_loss):
    """What a worker sends at the end of a trial: metrics with its token, then EndTrial."""
    token = private_value(handed, LEASE_TOKEN)
    oracle.update_trial(handed.trial_id, {"val_loss": val_loss, LEASE_TOKEN: token})
    handed.status = Status.COMPLETED
    oracle.end_trial(handed)


def test_a_handed_out_trial_carries_its_lease(tmp_path):
    oracle = _oracle(tmp_path, Clock())
    trial = oracle.create_trial("host-1")
    assert trial.status == Status.RUNNING
    assert private_value(trial, LEASE_SECONDS) == 10
    assert private_value(trial, CONFIG_KEY) == 77
    token = private_value(trial, LEASE_TOKEN)
    assert token == int(token) and 0 <= token < 2 ** 24
    # asking again (an answer lost on the wire) gives the same trial and token
    again = oracle.create_trial("host-1")
    assert again.trial_id == trial.trial_id and private_value(again, LEASE_TOKEN) == token


def test_heartbeats_keep_a_lease_and_silence_expires_it(tmp_path):
    clock = Clock()
    oracle = _oracle(tmp_path, clock)
    trial = oracle.create_trial("host-1")
    token = private_value(trial, LEASE_TOKEN)
    for _ in range(3):  # 24 s of training, a heartbeat every 8 s
        clock.now += 8
        assert oracle.update_trial(trial.trial_id, {LEASE_TOKEN: token}).status == Status.RUNNING
        assert oracle.expire_leases() == []
    clock.now += 10.5
    assert oracle.expire_leases() == [trial.trial_id]
    assert oracle.trials[trial.trial_id].metrics.exists("val_loss") is False


def test_an_expired_trial_goes_to_the_next_worker_and_a_late_report_is_ignored(tmp_path):
    clock, lines = Clock(), []
    oracle = _oracle(tmp_path, clock, log=lines.append)
    first = oracle.create_trial("host-1")          # trial 0 to host-1
    second = oracle.create_trial("host-2")         # trial 1 to host-2
    clock.now += 11
    oracle.expire_leases()                          # both silent
    again = oracle.create_trial("host-3")
    assert again.trial_id in (first.trial_id, second.trial_id)
    assert private_value(again, LEASE_TOKEN) != private_value(first, LEASE_TOKEN)
    stale = first if again.trial_id == first.trial_id else second
    _report(oracle, again, 0.5)
    _report(oracle, stale, 9.9)                     # the old holder comes back, too late
    assert oracle.trials[again.trial_id].metrics.get_last_value("val_loss") == 0.5
    assert oracle.workers[again.trial_id] == "host-3"
    assert any("late report" in line for line in lines)
    assert oracle.trials[again.trial_id].status == Status.COMPLETED


def test_an_expired_trial_not_yet_handed_out_is_given_back_to_its_holder(tmp_path):
    clock = Clock()
    oracle = _oracle(tmp_path, clock, max_trials=1)
    trial = oracle.create_trial("host-1")
    clock.now += 11
    oracle.expire_leases()                          # a long pause, not a death
    _report(oracle, trial, 0.7)
    assert oracle.trials[trial.trial_id].status == Status.COMPLETED
    assert oracle.workers[trial.trial_id] == "host-1"
    assert oracle.finished()


def test_idle_while_others_hold_the_rest_then_stopped_when_finished(tmp_path):
    clock, oracle, a, b = _two_handed_out(tmp_path)
    assert oracle.create_trial("host-3").status == Status.IDLE   # not STOPPED: one may die
    _report(oracle, a, 0.1)
    assert not oracle.finished() and not oracle.should_exit()
    _report(oracle, b, 0.2)
    assert oracle.finished()
    assert not oracle.should_exit()                 # the workers were not told yet
    for tuner in ("host-3", "host-1"):
        assert oracle.create_trial(tuner).status == Status.STOPPED
    assert not oracle.should_exit()                 # host-2 may still ask
    clock.now += 10.5
    assert oracle.should_exit()                     # ...but it is waited for one lease at most


def test_a_restarted_chief_keeps_finished_trials_and_leases(tmp_path):
    clock, oracle, done, running = _two_handed_out(tmp_path)
    _report(oracle, done, 0.3)
    # kill -9: a new oracle reloads what was on disk
    restarted = _oracle(tmp_path, clock)
    restarted.reload()
    assert restarted.trials[done.trial_id].status == Status.COMPLETED
    assert restarted.workers == {done.trial_id: "host-1"}
    token = private_value(running, LEASE_TOKEN)
    assert restarted.update_trial(running.trial_id, {LEASE_TOKEN: token}).status == Status.RUNNING
    assert restarted.create_trial("host-3").status == Status.IDLE  # nothing re-run
    _report(restarted, running, 0.4)
    assert restarted.finished()
    # a restart where the worker never comes back: one lease period, then re-queued
    again = _oracle(tmp_path / "other", clock)
    trial = again.create_trial("host-9")
    assert trial.status == Status.RUNNING
    third = _oracle(tmp_path / "other", clock)
    third.reload()
    clock.now += 11
    assert third.expire_leases() == [trial.trial_id]
    assert third.create_trial("host-10").trial_id == trial.trial_id
    # one process resuming its own grid: the old lease's holder died with it, no wait
    single = _oracle(tmp_path / "other", clock)
    single.reload()
    single.requeue_leases()
    assert single.create_trial("host-11").trial_id == trial.trial_id


def test_rows_from_trial_json_name_the_worker_and_expand_seed_populations(tmp_path):
    clock, oracle, one, population = _two_handed_out(tmp_path)
    _report(oracle, one, 0.25)
    token = private_value(population, LEASE_TOKEN)
    oracle.update_trial(population.trial_id, {
        "val_loss": 0.5, "seed_3/best_val_loss": 0.4, "seed_3/gmp_val": 0.1,
        "seed_4/best_val_loss": 0.6, "seed_4/gmp_val": 0.2, "seed_5/failed": 1.0,
        LEASE_TOKEN: token})
    population.status = Status.COMPLETED
    oracle.end_trial(population)
    rows = collect_rows(tmp_path / "tuner", ["random_seed", "layer_size"])
    assert [r["worker"] for r in rows] == ["host-1", "host-2", "host-2", "host-2"]
    assert rows[0]["val_loss"] == 0.25 and LEASE_TOKEN not in rows[0]
    members = rows[1:]
    assert [r["random_seed"] for r in members] == [3, 4, 5]
    assert [r["run"] for r in rows] == ["trial_0", *(f"trial_1/seed_{k}" for k in (3, 4, 5))]
    assert [r["status"] for r in members] == ["COMPLETED", "COMPLETED", "FAILED"]
    assert members[0]["best_val_loss"] == 0.4 and members[1]["gmp_val"] == 0.2
    assert "best_val_loss" not in members[2]
    state = json.loads((tmp_path / "tuner" / "oracle.json").read_text())
    assert state["tflab_workers"] == {one.trial_id: "host-1", population.trial_id: "host-2"}


@pytest.mark.parametrize("address", ["nohost", "host:port", "host:99999", ":80"])
def test_bad_addresses_are_user_errors(address):
    from tflab.errors import UserError
    from tuning.client import split_address

    with pytest.raises(UserError, match="HOST:PORT"):
        split_address(address)
