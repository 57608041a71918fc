"""Photographs as surface textures for the synthetic `rich` domain (FlyingThings-style).

FlyingThings3D textures its objects with Flickr photographs; real images carry the edges,
gradients and repetitive structure that value noise lacks. Here the photographs are the
ones scikit-image bundles inside its wheel (no download). The Middlebury motorcycle pair
that scikit-image also ships is *never* used as a texture: it is the held-out real pair the
transfer is measured on (tests/stereo/test_stereo_predict_cli.py checks that no texture is a motorcycle).

A photo texture is a smooth function of continuous (x, y) like the procedural ones in
`synth.Texture`: the photo is blurred a little (σ = 0.8 px) and always magnified (≥ 1.3
image px per photo px), then sampled bilinearly with mirrored tiling, so the right view,
which samples it at non-integer x, sees the same surface the left view does.
"""
from __future__ import annotations

import functools

import cv2
import numpy as np

# skimage.data loaders whose files are in the wheel; motorcycle_* excluded on purpose
PHOTOS = ("astronaut", "brick", "camera", "chelsea", "coffee", "coins", "grass", "gravel",
          "rocket", "page", "text", "moon", "hubble_deep_field", "retina", "immunohistochemistry",
          "logo", "cell", "horse")
HELD_OUT = ("stereo_motorcycle",)


@functools.lru_cache(maxsize=1)
def photo_library() -> tuple[np.ndarray, ...]:
    """Float RGB photos in [0, 1], slightly blurred (loaded once per process)."""
    from skimage import data

    photos = []
    for name in PHOTOS:
        image = np.asarray(getattr(data, name)(), np.float32)
        if image.ndim == 2:
            image = np.repeat(image[..., None], 3, axis=-1)
        image = image[..., :3]
        if image.max() > 1.5:
            image = image / 255.0
        photos.append(cv2.GaussianBlur(np.ascontiguousarray(image), (0, 0), 0.8))
    return tuple(photos)


class PhotoTexture:
    """A randomly scaled, rotated, tinted crop of a bundled photograph."""

    def __init__(self, rng: np.random.Generator):
        library = photo_library()
        self.photo = library[int(rng.integers(len(library)))]
        self.zoom = rng.uniform(1.3, 4.0)  # image px per photo px
        self.theta = rng.uniform(-np.pi, np.pi)
        ph, pw, _ = self.photo.shape
        self.offset = rng.uniform(0, [pw, ph])
        self.gain = rng.uniform(0.6, 1.3, size=3)  # colour cast / albedo
        self.bias = rng.uniform(-0.1, 0.1)
        self.base = self.photo.mean((0, 1)) * self.gain + self.bias  # mean colour

    def __call__(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        cos, sin = np.cos(self.theta), np.sin(self.theta)
        u = (x * cos - y * sin) / self.zoom + self.offset[0]
        v = (x * sin + y * cos) / self.zoom + self.offset[1]
        rgb = _bilinear_mirrored(self.photo, u, v)
        return np.clip(rgb * self.gain + self.bias, 0.0, 1.0)


def _mirror(coord: np.ndarray, size: int) -> np.ndarray:
    period = 2.0 * (size - 1)
    coord = np.mod(coord, period)
    return np.where(coord > size - 1, period - coord, coord)


def _bilinear_mirrored(photo: np.ndarray, u: np.ndarray, v: np.ndarray) -> np.ndarray:
    h, w, _ = photo.shape
    u, v = _mirror(u, w), _mirror(v, h)
    iu = np.clip(np.floor(u).astype(int), 0, w - 2)
    iv = np.clip(np.floor(v).astype(int), 0, h - 2)
    fu, fv = (u - iu)[..., None], (v - iv)[..., None]
    top = photo[iv, iu] * (1 - fu) + photo[iv, iu + 1] * fu
    bottom = photo[iv + 1, iu] * (1 - fu) + photo[iv + 1, iu + 1] * fu
    return top * (1 - fv) + bottom * fv
