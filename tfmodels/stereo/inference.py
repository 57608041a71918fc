"""Full-resolution inference: pad to the network's multiple, predict, crop back.

Never resize: a disparity is a horizontal distance in pixels, so resizing the input changes
the answer's units and blurs depth edges. The pair is edge-padded at the bottom and right
(pipelines.stereo.crops.pad_to_multiple, which cannot move any match) and the prediction is
cropped to the input size, so the padding never reaches a score or an output file.

Beyond the one forward pass, `InferenceOptions` (tfmodels/stereo/options.py) can ask for the
vertically flipped pair, the right view's disparity for a left-right check with occlusion
fill, a median, and several networks averaged; the clean-up itself is
tfmodels/stereo/postprocess.py.
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
from tfmodels.stereo.options import InferenceOptions
from tfmodels.stereo.postprocess import clean_disparity


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


def load_stereo_models(paths) -> list[keras.Model]:
    """Several networks to average; UserError unless they share one geometry."""
    models = [load_stereo_model(path) for path in paths]
    geometries = {model_geometry(model) for model in models}
    if len(geometries) > 1:
        raise UserError(f"the models to average differ in (max_disparity, volume_scale): "
                        f"{sorted(geometries)}; give networks of one geometry")
    return models


def _one_pass(model: keras.Model, left: np.ndarray, right: np.ndarray) -> np.ndarray:
    height, width = left.shape[:2]
    multiple = multiple_of(model_geometry(model)[1])
    inputs = {name: pad_to_multiple(np.ascontiguousarray(image), multiple)[None]
              .astype(np.float32) for name, image in (("left", left), ("right", right))}
    disparity = keras.ops.convert_to_numpy(model(inputs, training=False))
    return disparity[0, :height, :width, 0].astype(np.float32)


def _models(model) -> list:
    return list(model) if isinstance(model, (list, tuple)) else [model]


def view_disparity(model, left: np.ndarray, right: np.ndarray, vflip: bool) -> np.ndarray:
    """The left view's disparity: mean over the models (and the vertical flip if asked)."""
    maps = []
    for net in _models(model):
        maps.append(_one_pass(net, left, right))
        if vflip:
            maps.append(_one_pass(net, left[::-1], right[::-1])[::-1])
    return np.mean(maps, axis=0).astype(np.float32)


def right_view_disparity(model, left: np.ndarray, right: np.ndarray, vflip: bool) -> np.ndarray:
    """The right view's disparity d_R (R(x) = L(x + d_R)), from the swapped, mirrored pair.

    Mirroring both images and swapping them turns the right view into a left view whose
    matches lie to its left again, which is what the network was trained on.
    """
    return view_disparity(model, right[:, ::-1], left[:, ::-1], vflip)[:, ::-1]


def raw_maps(model, left, right, options: InferenceOptions):
    """(left-view map, right-view map or None): the network passes `options` ask for."""
    d_left = view_disparity(model, left, right, options.vflip)
    d_right = (right_view_disparity(model, left, right, options.vflip)
               if options.lr_threshold > 0 else None)
    return d_left, d_right


def predict_pair(model, left: np.ndarray, right: np.ndarray,
                 options: InferenceOptions | None = None) -> np.ndarray:
    """(H, W) float32 disparity of the left view, at exactly the input size.

    `model` is one network or a list of networks of the same geometry (their maps are
    averaged); `options` default to one plain forward pass.
    """
    options = options or InferenceOptions()
    d_left, d_right = raw_maps(model, left, right, options)
    return clean_disparity(d_left, d_right, options.lr_threshold, options.median)[0]
