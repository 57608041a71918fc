"""The `rich` synthetic domain: a FlyingThings-style pretrain set meant to transfer to photos.

What it adds over `pretrain` (pipelines/stereo/synth.py), each aimed at a way real
rectified photographs differ from value-noise scenes:
  textures     bundled photographs (photo_textures.py) on most surfaces, value noise,
               stripes and checkers on the rest, and some nearly textureless surfaces;
  shapes       4–14 rectangles and ellipses of every size, from slivers to half the image,
               overlapping, so occlusions and thin structures are everywhere;
  geometry     a slanted background plane and strongly slanted objects (|∂d/∂x|, |∂d/∂y|
               up to 0.15 px/px), disparities over the whole range (half uniform in
               disparity, half in depth);
  photometry   per-eye gain, gamma, colour balance and offset, a little defocus in one eye,
               shot + read noise.
The ground truth is dense (no sensor holes); invalid = occluded or out of view, exactly.
"""
from __future__ import annotations

import cv2
import numpy as np

from pipelines.stereo.photo_textures import PhotoTexture


def rich_layers(rng, height, width, max_d, layer_cls, texture_cls) -> list:
    """Background plane + 4–14 slanted objects; `layer_cls`/`texture_cls` from synth.py."""
    xr, yr = (-max_d - 4.0, width + max_d + 4.0), (-4.0, height + 4.0)

    def texture():
        kind = rng.choice(["photo", "noise", "stripes", "checker", "flat"],
                          p=[0.6, 0.2, 0.07, 0.08, 0.05])
        if kind == "photo":
            return PhotoTexture(rng)
        if kind == "flat":  # nearly textureless: where matching must rely on context
            return texture_cls(rng, "noise", xr, yr, scale=rng.uniform(8.0, 20.0),
                               contrast=rng.uniform(0.02, 0.06))
        return texture_cls(rng, kind, xr, yr, scale=rng.uniform(2.0, 12.0),
                           contrast=rng.uniform(0.15, 0.5))

    def disparity_between(low, high):
        # half uniform in disparity, half uniform in inverse disparity (≈ depth), so that
        # both the large disparities of close objects and the many far surfaces are common
        if rng.random() < 0.5:
            return float(rng.uniform(low, high))
        return float(1.0 / rng.uniform(1.0 / high, 1.0 / low))

    top = 0.92 * max_d
    background = layer_cls("all", width / 2, height / 2, 0, 0, 0.0,
                           a=disparity_between(1.0, 0.6 * top), b=rng.uniform(-0.08, 0.08),
                           c=rng.uniform(-0.1, 0.1), texture=texture())
    layers = [background]
    for _ in range(rng.integers(4, 15)):
        hx = rng.uniform(3.0, width / 3) if rng.random() < 0.8 else rng.uniform(1.5, 4.0)
        hy = rng.uniform(3.0, height / 2.5)
        a = disparity_between(min(background.a + 1.0, top - 1.0), top)
        layers.append(layer_cls(rng.choice(["rect", "ellipse"]), rng.uniform(0, width),
                                rng.uniform(0, height), hx, hy, rng.uniform(0, np.pi),
                                a=a, b=rng.uniform(-0.15, 0.15), c=rng.uniform(-0.15, 0.15),
                                texture=texture()))
    return layers


def photometric_pair(left: np.ndarray, right: np.ndarray, rng) -> tuple[np.ndarray, ...]:
    """Per-eye exposure, gamma, white balance, offset and (sometimes) defocus."""
    views = []
    for image in (left, right):
        gain = rng.uniform(0.75, 1.25) * rng.uniform(0.92, 1.08, size=3)
        image = np.clip(gain * image ** rng.uniform(0.8, 1.25) + rng.uniform(-0.05, 0.05),
                        0.0, 1.0)
        if rng.random() < 0.25:
            image = cv2.GaussianBlur(image.astype(np.float32), (0, 0), rng.uniform(0.4, 1.0))
        views.append(image)
    return tuple(views)
