"""The installed KerasTuner still has every private piece the grid relies on."""
import keras_tuner as kt

from tuning import kt_compat


def test_every_private_name_is_there():
    gone = kt_compat.missing()
    assert gone == [], (
        f"KerasTuner {kt.__version__} lacks {', '.join(gone)}, which tuning/kt_compat.py "
        f"relies on: adapt that module (and only it) or pin the version in setup.cfg back")


def test_the_messages_build_the_requests_a_worker_sends():
    messages = kt_compat.oracle_messages()
    request = messages.UpdateTrialRequest(trial_id="3", step=2)
    assert (request.trial_id, request.step) == ("3", 2)
    assert kt_compat.retry_queue(kt.oracles.GridSearchOracle(objective="val_loss")) == []
