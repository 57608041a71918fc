"""The grid oracle hands out every combination without waiting for running trials."""
import keras_tuner as kt

from tuning.search import FullGridOracle

RUNNING = kt.engine.trial.TrialStatus.RUNNING


def _oracle(tmp_path, max_trials=6):
    hp = kt.HyperParameters()
    hp.Choice("layers", [3, 4], ordered=False)
    hp.Choice("seed", [0, 1, 2], ordered=False)
    oracle = FullGridOracle(objective=kt.Objective("val_loss", "min"), max_trials=max_trials,
                            hyperparameters=hp, tune_new_entries=False,
                            allow_new_entries=False)
    oracle._set_project_dir(str(tmp_path), "tuner")
    return oracle


def test_workers_get_different_trials_without_waiting_for_running_ones(tmp_path):
    # KerasTuner's own GridSearchOracle answers IDLE to a third worker until a trial ends
    # (it derives each next combination from a finished one); a fixed grid need not wait
    oracle = _oracle(tmp_path)
    trials = [oracle.create_trial(f"worker{i}") for i in range(3)]
    assert [trial.status for trial in trials] == [RUNNING] * 3
    assert len({tuple(trial.hyperparameters.values.items()) for trial in trials}) == 3


def test_every_combination_once_in_declaration_order(tmp_path):
    oracle = _oracle(tmp_path)
    seen = []
    for i in range(6):
        trial = oracle.create_trial(f"worker{i}")
        seen.append((trial.hyperparameters.values["layers"], trial.hyperparameters.values["seed"]))
    assert seen == [(3, 0), (3, 1), (3, 2), (4, 0), (4, 1), (4, 2)]
    assert oracle.create_trial("late").status == kt.engine.trial.TrialStatus.STOPPED
