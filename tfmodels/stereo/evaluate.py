"""Score disparity predictors on a held-out split and print them in one table.

The network rows and the OpenCV row go through the same `disparity_errors` on the same
ground-truth-valid pixels, so the table compares like with like.
"""
from __future__ import annotations

import keras
import numpy as np

from pipelines.stereo.dataset import make_dataset
from pipelines.stereo.splits import StereoSplit
from tflab.errors import UserError
from tfmodels.stereo import layers as _custom_layers  # noqa: F401  registers them for loading
from tfmodels.stereo.losses import disparity_errors


def predict_disparity(model: keras.Model, split: StereoSplit, batch_size: int = 16) -> np.ndarray:
    """(N, H, W) float32 disparity predicted for every pair of `split`."""
    inputs = make_dataset(split, batch_size).map(lambda x, y: x)
    return model.predict(inputs, verbose=0)[..., 0]


def network_scores(model: keras.Model, split: StereoSplit, batch_size: int = 16) -> dict:
    """EPE / bad-1 / bad-3 of a dense network over the split's valid pixels."""
    scores = disparity_errors(predict_disparity(model, split, batch_size), split.disparity,
                              split.valid)
    return {"density": 1.0, "epe_valid": scores["epe"], "epe_filled": scores["epe"],
            "bad1_filled": scores["bad1"], "bad3_filled": scores["bad3"]}


def compiled_scores(model: keras.Model, dataset) -> dict:
    """The same scores through a compiled stereo model's own metrics (`model.evaluate`).

    MaskedEPE and BadPixelRate are the same pixel means over valid pixels as
    `disparity_errors` (tests/stereo/test_stereo_metrics.py checks they agree); this path
    reuses the test step that validation already traced instead of tracing a predict graph.
    """
    result = model.evaluate(dataset, verbose=0, return_dict=True)
    return {"density": 1.0, "epe_valid": float(result["epe"]),
            "epe_filled": float(result["epe"]), "bad1_filled": float(result["bad1"]),
            "bad3_filled": float(result["bad3"])}


def load_pretrained(path: str) -> keras.Model:
    """A model.keras written by a stereo run; UserError if it is missing or not one."""
    from pathlib import Path

    if not Path(path).is_file():
        raise UserError(f"pretrained model {path} not found; run `python -m tfmodels.fit "
                        f"stereo_pretrain --out runs/pre` first, or --set pretrained='' to "
                        f"train from random weights")
    try:
        return keras.models.load_model(path, compile=False)
    except (ValueError, OSError, TypeError) as err:
        raise UserError(f"cannot load pretrained model {path} ({err.__class__.__name__}); "
                        f"give a model.keras written by a stereo run") from None


def copy_weights(source: keras.Model, target: keras.Model, source_name: str) -> None:
    """Pretrained weights into a freshly built model of the same architecture.

    A fresh build (not the loaded object) lets the fine-tune config change what carries no
    weights — dropout_p above all — while every weight shape must match exactly.
    """
    src, dst = source.get_weights(), target.get_weights()
    mismatch = len(src) != len(dst) or any(a.shape != b.shape for a, b in zip(src, dst))
    if mismatch:
        raise UserError(f"pretrained model {source_name} has a different architecture "
                        f"({len(src)} weight tensors vs {len(dst)}); use the same "
                        f"max_disparity and base_width it was trained with")
    target.set_weights(src)


ROWS = (("density", "{:.1%}"), ("epe_valid", "{:.3f}"), ("epe_filled", "{:.3f}"),
        ("bad1_filled", "{:.1%}"), ("bad3_filled", "{:.1%}"))


def comparison_table(rows: dict[str, dict], title: str) -> str:
    """Plain-text table: one row per method, columns as in `ROWS`."""
    header = (f"{'method':<34}{'density':>9}{'EPE valid-pred':>16}{'EPE holes-filled':>18}"
              f"{'bad-1':>8}{'bad-3':>8}")
    lines = [title, header, "-" * len(header)]
    for name, scores in rows.items():
        cells = [fmt.format(scores[key]) for key, fmt in ROWS]
        lines.append(f"{name:<34}{cells[0]:>9}{cells[1]:>16}{cells[2]:>18}{cells[3]:>8}"
                     f"{cells[4]:>8}")
    lines.append("EPE in px over ground-truth-valid pixels; 'valid-pred' only where the method "
                 "returned a disparity, 'holes-filled' counts every pixel (SGBM holes filled "
                 "along the row, KITTI-style); bad-k = share of pixels with error > k px, "
                 "holes counted.")
    return "\n".join(lines)
