"""Skill over persistence and the re-based overfit stop rule, on hand-built and real windows."""
import math

import keras
import numpy as np
import pytest
import tensorflow as tf

from pipelines.catan import layout
from pipelines.catan.channels import C_A, N_BOARD, N_NUMERIC, H, W, head_split
from pipelines.catan.simulate import play_game
from tfmodels.catan import diagnostics, overfit, skill
from tfmodels.catan.heads import float_quantum
from tfmodels.catan.model import LastObserved

BOTS = ("victory_point", "weighted_random", "weighted_random", "random")
HISTORY, FUTURE = 2, 2
SPLIT = head_split(FUTURE)
QUANTUM = float_quantum(SPLIT)
HEADS = ("categorical", "binary", "float", "action")


def windows(board, numeric, action):
    """Compact codes [B, HISTORY + FUTURE, ...] → (x, per-head targets)."""
    x, (states, actions) = layout.to_notes(board, numeric, action, HISTORY)
    return x, layout.split_targets(states, actions, SPLIT)


def still_windows(n=2):
    """Windows in which nothing changes: every tick is the same state and action."""
    rng = np.random.default_rng(0)
    board = np.zeros((n, 1, H, W, N_BOARD), np.uint8)
    board[:, :, 0, ::4, 0] = 1                      # a few settlements of player 0
    board[:, :, 2, ::3, 1] = 1                      # roads
    board[:, :, :, :, 8] = rng.integers(0, 6, (n, 1, H, W))  # dice probabilities in 36ths
    numeric = np.tile(rng.integers(0, 2, (n, 1, N_NUMERIC)), 1).astype(np.int16)
    action = np.full((n, 1), 7, np.int16)
    span = HISTORY + FUTURE
    return (np.repeat(board, span, 1), np.repeat(numeric, span, 1), np.repeat(action, span, 1))


def oracle_outputs(y):
    """Per-head outputs that decode to exactly the targets `y` (logits / values)."""
    return {"categorical": 10.0 * tf.one_hot(y["categorical"], 3),
            "binary": 20.0 * tf.cast(y["binary"], tf.float32) - 10.0,
            "float": tf.cast(y["float"], tf.float32),
            "action": 10.0 * tf.one_hot(y["action"], C_A)}


def persistence_model(majority: int) -> keras.Model:
    """Predicts the last input tick for every state head and `majority` for the action."""
    window = keras.Input((None, H, W), name="window")
    outputs = {}
    for head in ("categorical", "binary", "float"):
        per_step = SPLIT.indices[head][:SPLIT.size(head) // FUTURE]
        last = LastObserved(HISTORY, per_step, FUTURE)(window)
        if head == "categorical":
            last = keras.layers.Lambda(
                lambda v: 10.0 * tf.one_hot(tf.cast(tf.round(v), tf.int32), 3))(last)
        elif head == "binary":
            last = keras.layers.Lambda(lambda v: 20.0 * v - 10.0)(last)
        outputs[head] = last
    outputs["action"] = keras.layers.Lambda(lambda v: tf.broadcast_to(
        10.0 * tf.one_hot(majority, C_A), (tf.shape(v)[0], FUTURE, C_A)))(window)
    return keras.Model(window, outputs)


class Memorised(keras.Model):
    """A model that has memorised one batch: it answers `answers` whatever the input."""

    def __init__(self, answers):
        super().__init__()
        self.answers = answers

    def call(self, x, training=False):
        return dict(self.answers)


@pytest.fixture(scope="module")
def real():
    """12 overlapping windows of a real game, and the persistence model for them."""
    record = play_game(5, BOTS, max_ticks=40)
    starts = np.arange(0, 24, 2)
    span = HISTORY + FUTURE
    take = lambda a: np.stack([a[s:s + span] for s in starts])  # noqa: E731
    x, y = windows(take(record.board), take(record.numeric), take(record.action))
    majority = int(np.bincount(y["action"].numpy().ravel(), minlength=C_A).argmax())
    return x, y, persistence_model(majority)


def test_nothing_changes_so_changed_accuracy_is_undefined():
    x, y = windows(*still_windows())
    pred = oracle_outputs(y)
    for head in HEADS:
        sums = skill.element_sums(head, x, y[head], pred[head], SPLIT, HISTORY, QUANTUM)
        assert float(tf.reduce_sum(sums["changed"])) == 0.0
        figures = skill.figures({k: v.numpy() for k, v in sums.items()},
                                skill.state_persistence({k: v.numpy() for k, v in sums.items()}))
        assert math.isnan(figures["acc_changed"]) and figures["changed"] == 0
        assert figures["acc"] == 1.0 and math.isnan(figures["skill"])  # persistence is perfect
        assert all(math.isnan(t["acc_changed"]) for t in figures["ticks"].values())


def test_one_changed_element_is_counted_at_its_tick():
    board, numeric, action = still_windows(1)
    board[0, HISTORY + 1, 4, 6, 0] = 2              # a city at t+2 where there was nothing
    numeric[0, HISTORY:, 5] = 1 - numeric[0, 0, 5]   # a numeric feature flips at t+1 and t+2
    action[0, HISTORY] = 11                         # a different action at t+1
    x, y = windows(board, numeric, action)
    pred = oracle_outputs(y)
    sums = {h: skill.element_sums(h, x, y[h], pred[h], SPLIT, HISTORY, QUANTUM) for h in HEADS}
    np.testing.assert_array_equal(sums["categorical"]["changed"].numpy(), [0, 1])
    np.testing.assert_array_equal(sums["categorical"]["hits_changed"].numpy(), [0, 1])
    np.testing.assert_array_equal(sums["action"]["changed"].numpy(), [1, 0])
    changed_numeric = sum(float(tf.reduce_sum(sums[h]["changed"])) for h in ("binary", "float"))
    assert changed_numeric == 2 * H * W             # one broadcast plane, at 2 ticks
    per_step = SPLIT.indices["categorical"][:SPLIT.size("categorical") // FUTURE]
    copied = LastObserved(HISTORY, per_step, FUTURE)(x)        # persistence: misses the city
    wrong = 10.0 * tf.one_hot(tf.cast(tf.round(copied), tf.int32), 3)
    missed = skill.element_sums("categorical", x, y["categorical"], wrong, SPLIT, HISTORY,
                                QUANTUM)
    assert float(tf.reduce_sum(missed["hits_changed"])) == 0
    assert float(tf.reduce_sum(missed["hits"])) == float(tf.reduce_sum(missed["count"])) - 1


def test_persistence_predictor_has_skill_exactly_zero(real):
    x, y, model = real
    report = diagnostics.mode_report(model, tf.data.Dataset.from_tensors((x, y)), SPLIT,
                                     HISTORY)
    metrics, _ = diagnostics.flatten_report(report, threshold=0.02)
    for head in HEADS:
        for mode in ("train_mode", "eval_mode"):
            assert metrics[f"skill_{head}_{mode}"] == 0.0
            assert metrics[f"acc_{head}_{mode}"] == pytest.approx(
                metrics[f"acc_{head}_persistence"], abs=1e-7)
        for k in range(1, FUTURE + 1):  # undefined only at a tick where nothing changed
            tick_skill = metrics[f"skill_{head}_t{k}_eval_mode"]
            assert tick_skill == 0.0 or (math.isnan(tick_skill)
                                         and metrics[f"changed_{head}_t{k}_count"] == 0)
    for head in ("categorical", "binary", "float"):  # right only where nothing changed
        if metrics[f"changed_{head}_count"]:
            assert metrics[f"acc_changed_{head}_eval_mode"] == 0.0
    assert metrics["changed_binary_count"] > 0 and metrics["changed_action_count"] > 0
    assert "skill over persistence" in diagnostics.format_report(report, "test")


def test_stop_rule_reads_changed_elements_not_all_elements(real):
    """Persistence meets the old all-element rule on the categorical head with no model;
    the re-based rule stops only when the changed elements are right."""
    x, y, persistence = real
    dataset = tf.data.Dataset.from_tensors((x, y))
    counter = skill.ChangedAccuracy(dataset, SPLIT, HISTORY, QUANTUM)
    runs = {"persistence": persistence, "memorised": Memorised(oracle_outputs(y)),
            "memorised, wrong actions": Memorised({**oracle_outputs(y),
                                                   "action": tf.zeros((len(x), FUTURE, C_A))})}
    stopped = {}
    for name, model in runs.items():
        stop = overfit.StopWhenFit(list(HEADS), 0.99, counter, verbose=False)
        stop.set_model(model)
        model.stop_training = False
        logs = {}
        stop.on_epoch_end(0, logs)
        stopped[name] = bool(model.stop_training)
        assert set(logs) == {f"train_acc_changed_{h}_true" for h in HEADS}
    assert stopped == {"persistence": False, "memorised": True,
                       "memorised, wrong actions": False}
    figures = counter(persistence)
    assert figures["categorical"]["acc"] >= 0.99   # the old rule: met with no model at all


def test_verdict_reports_undefined_heads_and_the_old_rule():
    metrics = {}
    for mode in ("train_mode", "eval_mode"):
        metrics.update({f"acc_categorical_{mode}": 0.9999, f"acc_changed_categorical_{mode}":
                        float("nan"), f"acc_float_{mode}": 0.995,
                        f"acc_changed_float_{mode}": 0.80})
    metrics.update(changed_categorical_count=0, changed_float_count=50)
    verdict = overfit.overfit_verdict(metrics, ["categorical", "float"], 0.99)
    assert verdict["overfit_undefined_categorical"] == 1
    assert verdict["overfit_reached_categorical_eval_mode"] == 1   # nothing to get wrong
    assert verdict["overfit_reached_float_eval_mode"] == 0
    assert verdict["overfit_elements_reached_all_eval_mode"] == 1  # the old rule was met
    text = overfit.format_verdict(metrics, ["categorical", "float"], 0.99, None)
    assert "undefined" in text and "short 19.00%" in text and "100.0000%" not in text
