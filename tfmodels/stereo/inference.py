"""Full-resolution inference: pad to the network's multiple, predict, crop back.

Never resize: a disparity is a horizontal distance in pixels, so resizing the input changes
the answer's units and blurs depth edges. The pair is edge-padded at the bottom and right
(pipelines.stereo.crops.pad_to_multiple, which cannot move any match) and the prediction is
cropped to the input size, so the padding never reaches a score or an output file.
"""
from __future__ import annotations

from pathlib import Path

import keras
import numpy as np

from pipelines.stereo.crops import pad_to_multiple
from tflab.errors import UserError
from tfmodels.stereo import census_layers as _census_layers  # noqa: F401  registers them
from tfmodels.stereo import layers as _custom_layers  # noqa: F401  registers them for loading
from tfmodels.stereo.model import multiple_of


def load_stereo_model(path: str | Path, role: str = "model") -> keras.Model:
    """A model.keras written by a stereo run; UserError if it is missing or not one."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"{role} {path} not found; train one with `python -m tfmodels.fit "
                        f"stereo_pretrain_rich --out runs/rich` (runs/rich/model.keras)")
    try:
        model = keras.models.load_model(path, compile=False)
    except (ValueError, OSError, TypeError) as err:
        raise UserError(f"cannot load {role} {path} ({err.__class__.__name__}); give a "
                        f"model.keras written by a stereo run") from None
    return model


def model_geometry(model: keras.Model) -> tuple[int, int]:
    """(max_disparity px, volume_scale) read from the network's own layers.

    The learned network's bins are s px wide at 1/s; the census network has 1-px bins at full
    resolution and says its scale by the pooling that takes its cost to 1/s.
    """
    try:
        step = model.get_layer("soft_argmax").step
        displacements = model.get_layer("cost_volume").max_displacement
    except ValueError:
        raise UserError(f"{model.name} is not a tflab stereo network (no cost_volume / "
                        f"soft_argmax layer)") from None
    scale = int(round(step))
    if any(layer.name == "cost_volume_pool" for layer in model.layers):
        scale = int(model.get_layer("cost_volume_pool").pool_size[0])
    return int(round(displacements * step)), scale


def predict_pair(model: keras.Model, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    """(H, W) float32 disparity of the left view, at exactly the input size."""
    height, width = left.shape[:2]
    multiple = multiple_of(model_geometry(model)[1])
    inputs = {name: pad_to_multiple(image, multiple)[None].astype(np.float32)
              for name, image in (("left", left), ("right", right))}
    disparity = keras.ops.convert_to_numpy(model(inputs, training=False))
    return disparity[0, :height, :width, 0].astype(np.float32)
