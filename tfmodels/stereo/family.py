"""The stereo family: stereo pairs → disparity network → run directory with a baseline table.

Glue that `tfmodels.fit` and `tuning.grid` call. Data (synthetic TFDS domain, a capture
directory, or a Middlebury/KITTI/SceneFlow directory) is loaded once per distinct data
config; `train` masks ground truth beyond max_disparity (counted), builds a fresh model
inside the strategy scope handed over by `fit_keras`, copies in the pretrained weights if
any, trains on whole images or random crops, and after training scores the test split
three ways in one table: the pretrained model alone, the trained model, and OpenCV
StereoSGBM. Full-size scores of any directory: `python -m tfmodels.stereo.evaluate`.
"""
from __future__ import annotations

from pathlib import Path

from configs.families.stereo import StereoConfig
from pipelines.stereo.captures import load_captures
from pipelines.stereo.directory import load_directory
from pipelines.stereo.formats import recognise
from pipelines.stereo.splits import StereoData
from tflab import io
from tfmodels.fit import KerasExperiment, compile_options, fit_keras

# Keras, TensorFlow and TFDS load inside the methods that need them: a capture directory is
# checked (sizes, calibration keys, depth unit) with NumPy/OpenCV only, so a bad folder can
# fail in one line before TensorFlow's start-up messages reach stderr.
MONITOR = "val_epe"  # = tfmodels.stereo.recipe.MONITOR (checked in train)

SYNTHETIC_FIELDS = ("domain", "image_height", "image_width", "max_disparity", "n_train",
                    "n_val", "n_test", "data_seed")
CAPTURE_FIELDS = ("calib", "image_height", "image_width", "val_fraction", "test_fraction",
                  "data_format", "crop_height", "crop_width", "volume_scale")


def _capture_dir(config: StereoConfig, data_path: str | None) -> str:
    return data_path or config.data


class StereoFamily:
    name = "stereo"
    objective = (MONITOR, "min")

    def data_key(self, config: StereoConfig, data_path: str | None) -> tuple:
        root = _capture_dir(config, data_path)
        fields = CAPTURE_FIELDS if root else SYNTHETIC_FIELDS
        return (root,) + tuple(getattr(config, f) for f in fields)

    def load_data(self, config: StereoConfig, data_path: str | None) -> StereoData:
        root = _capture_dir(config, data_path)
        if root:
            data_format = config.data_format or recognise(Path(root))
            if data_format == "captures":
                return load_captures(root, config.calib or None, config.image_height,
                                     config.image_width, config.val_fraction,
                                     config.test_fraction)
            crop = (config.crop_height, config.crop_width) if config.crop_height else None
            return load_directory(root, data_format, config.calib or None,
                                  config.val_fraction, config.test_fraction,
                                  4 * config.volume_scale, crop)
        from pipelines.stereo.synthetic import load_synthetic

        return load_synthetic(config.domain, config.image_height, config.image_width,
                              config.max_disparity, config.n_train, config.n_val,
                              config.n_test, config.data_seed)

    def train(self, config: StereoConfig, data: StereoData, run_dir: Path, *,
              verbose: int = 1) -> dict:
        from pipelines.stereo.dataset import make_dataset
        from tfmodels.stereo import evaluate, recipe
        from tfmodels.stereo.baseline import tuned_sgbm
        from tfmodels.stereo.losses import BadPixelRate, MaskedEPE, MaskedSmoothL1
        from tfmodels.stereo.census_model import build_for_config

        from pipelines.stereo.crops import limit_disparity

        assert recipe.MONITOR == MONITOR
        make_optimizer, recipe_callbacks = recipe.make_optimizer, recipe.recipe_callbacks
        run_dir = Path(run_dir)
        say = print if verbose else (lambda _text: None)
        rows = {}
        data, beyond = _limit_disparity(data, config.max_disparity, limit_disparity)
        if any(beyond.values()):
            say(f"ground truth beyond max_disparity={config.max_disparity} px, masked from "
                f"the loss and the scores: " + ", ".join(
                    f"{name} {n} px" for name, n in beyond.items()))
        pretrained = evaluate.load_pretrained(config.pretrained) if config.pretrained else None
        callbacks = recipe_callbacks(config, run_dir, verbose=bool(verbose))

        def make_experiment(strategy) -> KerasExperiment:
            model = build_for_config(config)
            if pretrained is not None:
                evaluate.copy_weights(pretrained, model, config.pretrained)
                say(f"loaded pretrained weights from {config.pretrained}")
            model.compile(
                optimizer=make_optimizer(config.learning_rate, config.weight_decay,
                                         config.clipnorm),
                loss=MaskedSmoothL1(config.huber_delta),
                metrics=[MaskedEPE(), BadPixelRate(1.0, name="bad1"),
                         BadPixelRate(3.0, name="bad3")],
                **compile_options(config, strategy))
            # Build the optimizer's slots now: under the default (one-device) strategy Keras
            # defers that to the first train step, and tf.function then traces the whole
            # train step twice (variables created on the first trace). Measured on a tiny
            # fit: 16.8 -> 10.1 CPU-s. Same zero-initialised slots either way.
            model.optimizer.build(model.trainable_variables)
            batch = config.batch_size
            if pretrained is not None:
                # The pretrain-only row: these are exactly the pretrained weights (dropout is
                # off in inference), scored through the compiled test step that validation
                # reuses, so no separate predict graph is traced.
                rows["pretrain-only network"] = evaluate.compiled_scores(
                    model, make_dataset(data.test, batch))
            train, train_eval = _train_datasets(config, data, make_dataset)
            return KerasExperiment(
                model=model, train=train, train_eval=train_eval,
                val=make_dataset(data.validation, batch),
                callbacks=list(callbacks.values()), monitor=MONITOR)

        def final_metrics(model) -> dict:
            trained_name = "fine-tuned network" if pretrained is not None else "trained network"
            # best-val-epoch weights (EarlyStopping restored them before this runs)
            rows[trained_name] = evaluate.compiled_scores(
                model, make_dataset(data.test, config.batch_size))
            if config.sgbm_baseline:
                sgbm = tuned_sgbm(data.validation, data.test, config.max_disparity)
                rows[f"OpenCV StereoSGBM (blockSize {sgbm['block_size']})"] = sgbm
            return _table_metrics(rows, trained_name, pretrained is not None, config)

        def finish(model, metrics: dict) -> None:
            if "early_stop" not in callbacks:
                say(f"training stopped: reached epochs={config.epochs} (early stopping off)")
            if "plateau" in callbacks:
                events = callbacks["plateau"].events
                say(f"lr schedule: {len(events)} reduction(s)"
                    + "".join(f"; epoch {e['epoch']}: {e['from']:.3g} -> {e['to']:.3g}"
                              for e in events)
                    + ("" if events else f" ({MONITOR} never stalled for "
                       f"{config.plateau_patience} epochs; lr stayed {config.learning_rate:g})"))
            metrics.update(_recipe_record(callbacks))
            metrics.update({f"n_pixels_beyond_max_disparity_{k}": v for k, v in beyond.items()})
            metrics["data_source"] = data.source
            if config.crop_height:
                metrics["measured_as"]["train_loss_true"] = (
                    f"one inference-mode pass after the epoch over a fixed "
                    f"{config.crop_height}x{config.crop_width} crop of every one of the "
                    f"{len(data.train)} training pairs (the same windows every epoch)")
            io.write_text(run_dir / "test_table.txt", table() + "\n")

        def table() -> str:
            return evaluate.comparison_table(
                rows, f"test split: {len(data.test)} pairs from {data.source}")

        _, metrics = fit_keras(config, make_experiment, run_dir, verbose=verbose,
                               final_metrics=final_metrics, finish=finish,
                               measured_as=MEASURED_AS)
        say(table())
        return metrics


MEASURED_AS = {
    "val_epe": "pixel mean of |pred - gt| over valid validation pixels (after the epoch)",
    "train_val_gap": "val_loss - train_loss_true (both eval-mode masked smooth-L1)",
    "test_epe": "pixel mean over valid test pixels, best-val-epoch weights",
    "pretrained_test_epe": "the pretrained model alone on the same test pixels",
    "sgbm_epe_valid": "OpenCV SGBM, only pixels where it returned a disparity",
    "sgbm_epe_filled": "OpenCV SGBM, holes filled along the row (KITTI-style), all pixels",
    "sgbm_density": "share of valid test pixels where SGBM returned a disparity",
}


def _limit_disparity(data: StereoData, max_disparity: int, limit) -> tuple[StereoData, dict]:
    """Every split with ground truth beyond the cost volume masked; pixel counts per split."""
    parts, counts = {}, {}
    for name in ("train", "validation", "test"):
        parts[name], counts[name] = limit(getattr(data, name), max_disparity)
    return StereoData(**parts, source=data.source), counts


def _train_datasets(config: StereoConfig, data: StereoData, make_dataset) -> tuple:
    """(train, train_eval): whole images, or random crops when crop_height/width are set.

    With crops, the true-training-loss pass scores one fixed window of *every* training pair,
    streamed from the generator: train_val_gap and the overfitting warning then compare the
    validation loss with the whole training split, not with a subset. It costs one forward
    pass per training pair: ≈ 16 % of the epoch's training steps if a crop scales like a whole
    640×480 pair does (158 vs 988 CPU-ms for a forward pass vs a training step at 1/4
    volume, bench/RESULTS_stereo.md).
    """
    if not config.crop_height:
        return (make_dataset(data.train, config.batch_size, shuffle_seed=config.random_seed),
                make_dataset(data.train, config.batch_size))
    from pipelines.stereo.crops import crop_dataset

    crop = (config.crop_height, config.crop_width)
    return (crop_dataset(data.train, crop, config.batch_size, config.random_seed),
            crop_dataset(data.train, crop, config.batch_size, config.random_seed + 1,
                         fixed=True))


def _table_metrics(rows: dict, trained_name: str, has_pretrained: bool,
                   config: StereoConfig) -> dict:
    trained = rows[trained_name]
    out = {"test_epe": trained["epe_filled"], "test_bad1": trained["bad1_filled"],
           "test_bad3": trained["bad3_filled"]}
    if has_pretrained:
        pre = rows["pretrain-only network"]
        out.update(pretrained_test_epe=pre["epe_filled"], pretrained_test_bad1=pre["bad1_filled"],
                   pretrained_test_bad3=pre["bad3_filled"])
    sgbm = next((v for k, v in rows.items() if k.startswith("OpenCV")), None)
    if sgbm is not None:
        out.update({f"sgbm_{k}": v for k, v in sgbm.items()})
    return out


def _recipe_record(callbacks: dict) -> dict:
    """What the recipe did, for metrics.json: lr cuts, stop reason, warnings."""
    record = {}
    if "plateau" in callbacks:
        record["lr_events"] = callbacks["plateau"].events
        record["n_lr_reductions"] = len(callbacks["plateau"].events)
    if "early_stop" in callbacks:
        record["stop_reason"] = callbacks["early_stop"].reason
        record["early_stopped"] = int(callbacks["early_stop"].stopped_epoch > 0)
    warnings = callbacks["warnings"].warnings
    record["n_warnings_overfitting"] = sum(w["kind"] == "overfitting" for w in warnings)
    record["n_warnings_val_rising"] = sum(w["kind"] == "val_rising" for w in warnings)
    return record


FAMILY = StereoFamily()
