"""The Catan ResNet-18: exact stem, standard block layout, heads, and the BatchNorm trap."""
import keras
import numpy as np
import pytest
import tensorflow as tf

from pipelines.catan import layout
from pipelines.catan.channels import C_A, C_T, N_BOARD, H, W, head_split
from pipelines.catan.simulate import play_game
from tfmodels.catan import diagnostics
from tfmodels.catan.layers import BroadcastConv2D, group_count, widths
from tfmodels.catan.model import (body_parameter_count, build_model, set_output_priors,
                                  target_priors)

HISTORY, FUTURE = 16, 4
SPLIT = head_split(FUTURE)


@pytest.fixture(scope="module")
def batch():
    """8 real windows in the channels-first layout, with per-head targets."""
    record = play_game(5, ("victory_point", "weighted_random", "weighted_random", "random"),
                       max_ticks=40)
    starts = np.arange(0, 16, 2)
    take = lambda a: np.stack([a[s:s + HISTORY + FUTURE] for s in starts])  # noqa: E731
    x, (states, actions) = layout.to_notes(take(record.board), take(record.numeric),
                                           take(record.action), HISTORY)
    return x, layout.split_targets(states, actions, SPLIT)


def test_broadcast_stem_equals_a_plain_conv2d(batch):
    x = batch[0]
    stem = BroadcastConv2D(6, HISTORY, C_T, N_BOARD, use_bias=True)
    stem(x)
    stem.bias.assign(np.linspace(-1, 1, 6).astype(np.float32))
    conv = keras.layers.Conv2D(6, 3, padding="same")
    channels_last = tf.transpose(x, (0, 2, 3, 1))
    conv(channels_last)
    conv.set_weights([stem.kernel.numpy(), stem.bias.numpy()])
    np.testing.assert_allclose(stem(x).numpy(), conv(channels_last).numpy(), atol=2e-4)


def expected_body_params(cin: int, width: float, norm: str, groups: int = 32) -> int:
    """ResNet-18 basic-block layout counted from layer shapes, independently of the model."""
    norm_params = {"batch": 4, "group": 2, "layer": 2, "instance": 2, "none": 0}[norm]
    bias = 1 if norm == "none" else 0

    def conv(k, cin_, cout):
        return k * k * cin_ * cout + bias * cout + norm_params * cout

    stage_widths = [max(1, int(np.floor(b * width + 0.5))) for b in (64, 128, 256, 512)]
    total = conv(3, cin, stage_widths[0])
    previous = stage_widths[0]
    for stage, filters in enumerate(stage_widths):
        stride = 1 if stage == 0 else 2
        total += conv(3, previous, filters) + conv(3, filters, filters)  # block 1
        if stride != 1 or previous != filters:
            total += conv(1, previous, filters)                         # projection
        total += conv(3, filters, filters) + conv(3, filters, filters)  # block 2
        previous = filters
    return total


@pytest.mark.parametrize("norm,width", [("batch", 1 / 16), ("group", 1 / 16), ("none", 1 / 8),
                                        ("instance", 1 / 16)])
def test_parameter_count_matches_resnet18_layout(norm, width):
    model = build_model(SPLIT, HISTORY, width=width, norm=norm)
    assert body_parameter_count(model) == expected_body_params(HISTORY * C_T, width, norm)
    convs = [layer for layer in model.layers
             if layer.name.startswith(("stem_", "stage")) and "conv" in layer.name]
    assert len(convs) == 17  # stem + 8 basic blocks × 2: ResNet-18 minus its fc layer
    sizes = [model.get_layer(f"stage{s}_block2_out").output.shape[1:3] for s in range(1, 5)]
    assert sizes == [(11, 21), (6, 11), (3, 6), (2, 3)]


def test_full_width_layout_is_standard_resnet18():
    """Past the stem, the body has exactly torchvision resnet18's block parameters."""
    model = build_model(SPLIT, HISTORY, width=1.0, norm="batch")
    stem = (model.get_layer("stem_conv").count_params()
            + model.get_layer("stem_norm").count_params())
    # torchvision resnet18: 11 689 512 parameters = conv1 9 408 + bn1 128 + fc 513 000
    # + blocks; Keras also counts BN running mean/var: 2 × 4 736 block BN channels.
    blocks_torchvision = 11_689_512 - 9_408 - 128 - 513_000
    bn_channels = 4 * 64 + 5 * 128 + 5 * 256 + 5 * 512
    assert body_parameter_count(model) - stem == blocks_torchvision + 2 * bn_channels


def test_heads_emit_the_documented_shapes(batch):
    model = build_model(SPLIT, HISTORY, width=1 / 16, norm="group")
    out = model(batch[0])
    assert out["categorical"].shape == (8, H, W, SPLIT.size("categorical"), 3)
    for kind in ("binary", "float"):
        assert out[kind].shape == (8, H, W, SPLIT.size(kind))
    assert out["action"].shape == (8, FUTURE, C_A)
    for kind, target in batch[1].items():
        assert out[kind].shape[:target.shape.rank] == target.shape
    # broadcast feature channels really are constant planes
    numeric = ~SPLIT.spatial["float"]
    plane = out["float"].numpy()[..., numeric]
    np.testing.assert_allclose(plane, np.broadcast_to(plane[:, :1, :1], plane.shape), atol=1e-6)


def test_model_saves_and_loads(tmp_path, batch):
    model = build_model(SPLIT, HISTORY, width=1 / 16, norm="layer")
    model.save(tmp_path / "m.keras")
    loaded = keras.models.load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(loaded(batch[0])["float"].numpy(),
                               model(batch[0])["float"].numpy(), atol=1e-5)


@pytest.mark.parametrize("norm", ["batch", "group"])
def test_train_eval_report_shows_the_batchnorm_trap(norm, batch):
    """Fresh moving statistics (0, 1) differ from this batch's statistics: only BN differs."""
    model = build_model(SPLIT, HISTORY, width=1 / 16, norm=norm)
    rng = np.random.default_rng(0)
    for layer in model.layers:  # heads start at zero; give them weights to depend on the body
        if layer.name.endswith(("_board", "_features", "_logits")):
            layer.kernel.assign(rng.normal(0, 0.3, layer.kernel.shape).astype(np.float32))
    before = [v.numpy().copy() for v in model.non_trainable_variables]
    dataset = tf.data.Dataset.from_tensors(batch)
    names = {**SPLIT.names, "action": [f"t+{t + 1}:action" for t in range(FUTURE)]}
    report = diagnostics.mode_report(model, dataset, SPLIT, HISTORY, names, worst=3)
    metrics, warnings = diagnostics.flatten_report(report, threshold=0.02)
    after = [v.numpy() for v in model.non_trainable_variables]
    for a, b in zip(before, after):  # the train-mode pass left the moving statistics alone
        np.testing.assert_array_equal(a, b)
    loss_gaps = [abs(metrics[f"loss_{h}_mode_gap"]) for h in ("categorical", "binary", "float")]
    if norm == "batch":
        assert max(loss_gaps) > 1e-3
        assert any(abs(metrics[f"acc_{h}_mode_gap"]) > 0 for h in report["eval_mode"])
    else:
        assert max(loss_gaps) < 1e-5 and not warnings
        assert all(metrics[f"acc_{h}_mode_gap"] == 0 for h in report["eval_mode"])
    assert "training=True" in diagnostics.format_report(report, "test")
    for head, worst in report["worst"]["eval_mode"].items():  # the channels it misses most
        assert len(worst) == 3 and set(worst) <= set(names[head])
        assert min(worst.values()) <= report["eval_mode"][head]["acc"] + 1e-6


def test_group_count_and_widths():
    assert widths(1.0) == [64, 128, 256, 512] and widths(1 / 16) == [4, 8, 16, 32]
    assert group_count(64, 32) == 32 and group_count(12, 32) == 12 and group_count(24, 16) == 12


def test_output_priors_make_the_first_prediction_the_base_rate(batch):
    """Zero kernels + prior biases: predictions are the training marginals, channel by channel."""
    model = build_model(SPLIT, HISTORY, width=1 / 16, norm="group", float_persistence=False)
    priors = target_priors([batch])
    set_output_priors(model, SPLIT, priors)
    out, y = model(batch[0]), batch[1]
    np.testing.assert_allclose(tf.reduce_mean(out["float"], axis=(0, 1, 2)),  # float32 means
                               tf.reduce_mean(y["float"], axis=(0, 1, 2)), atol=5e-5)
    p_one = tf.reduce_mean(tf.sigmoid(out["binary"]), axis=(0, 1, 2)).numpy()
    np.testing.assert_allclose(p_one, np.clip(tf.reduce_mean(y["binary"], axis=(0, 1, 2)),
                                              1e-3, 1 - 1e-3), atol=1e-5)
    classes = tf.reduce_mean(tf.nn.softmax(out["categorical"]), axis=(0, 1, 2)).numpy()
    np.testing.assert_allclose(classes / classes.sum(-1, keepdims=True),
                               priors["categorical"] / priors["categorical"].sum(-1, keepdims=True),
                               atol=1e-5)
    first = tf.nn.softmax(out["action"])[0].numpy()        # [future, C_A], same for every x
    seen = np.bincount(y["action"][:, 0].numpy(), minlength=C_A) / len(y["action"])
    assert first[0].argmax() == seen.argmax()


def test_float_head_starts_from_the_last_observed_tick(batch):
    """float_persistence: with its zero-initialised kernels the float head predicts the last
    input tick, so the dice-probability planes (fixed for a game) are right from step 0,
    in the targets' own channel order."""
    model = build_model(SPLIT, HISTORY, width=1 / 16, norm="group")
    x, y = batch
    predicted = model(x)["float"].numpy()
    static = [i for i, name in enumerate(SPLIT.names["float"]) if name.endswith("_PROBA")]
    assert len(static) == 5 * FUTURE
    np.testing.assert_array_equal(predicted[..., static], y["float"].numpy()[..., static])
    per_step = SPLIT.indices["float"][:SPLIT.size("float") // FUTURE]
    last = np.transpose(x.numpy()[:, (HISTORY - 1) * C_T + per_step], (0, 2, 3, 1))
    np.testing.assert_array_equal(predicted, np.tile(last, (1, 1, 1, FUTURE)))


def test_numeric_skip_hands_the_last_tick_to_the_per_game_heads(batch):
    """numeric_skip: the pooled features are joined by the last tick's numeric features and
    action one-hot, exactly as they are in the input (constant planes, read at one pixel)."""
    x = batch[0]
    model = build_model(SPLIT, HISTORY, width=1 / 16, norm="group", numeric_skip=True)
    last = model.get_layer("last_tick")(x).numpy()
    start = (HISTORY - 1) * C_T
    np.testing.assert_array_equal(last, x.numpy()[:, start + N_BOARD:start + C_T, 5, 7])
    plain = build_model(SPLIT, HISTORY, width=1 / 16, norm="group")
    assert body_parameter_count(model) == body_parameter_count(plain)
    extra = model.count_params() - plain.count_params()
    per_game = model.get_layer("action_logits").units + model.get_layer("float_features").units
    assert extra >= (C_T - N_BOARD) * per_game  # every per-game Dense reads the 366 inputs
