"""Synthetic rectified stereo pairs with exact ground-truth disparity and a validity mask.

Why synthetic: the recipe pre-trains on FlyingThings and fine-tunes on RealSense captures; neither
can be downloaded here, so both domains are rendered locally. A scene is a stack of *layers*,
each defined in left-image coordinates by an analytic shape mask, a smooth procedural texture
and a planar disparity d(x, y) = a + b·(x − cx) + c·(y − cy). Because every layer is a
continuous function, the right view is rendered exactly: the right pixel x_r sees the layer
point x_l with x_r = x_l − d(x_l, y), which for a plane inverts in closed form. So the ground
truth is exact, not estimated, and the validity mask is exact too: a left pixel is valid when
its match x − d lies inside the right image and no nearer layer covers that point in the
right view (occlusion).

Two domains differ in statistics on purpose (a domain gap to fine-tune across):
  pretrain — many shapes at random depths and slants over the full disparity range, coloured
             multi-octave value-noise textures, clean identical exposure in both eyes;
  target   — a room (wall + receding floor) with a few nearer objects, stripe/checker/weak
             textures, a gain/gamma/colour change between the eyes, shot + read noise, and
             ground-truth holes like an active-depth camera (dark surfaces, speckle blobs,
             depth edges, far range).
  rich     — photo-textured, strongly slanted, cluttered scenes with per-eye photometry,
             the domain meant to transfer to real photographs (synth_rich.py).
`render_pair(domain, rng, height, width, max_disparity)` is deterministic given the rng.
"""
from __future__ import annotations

import dataclasses

import numpy as np

from pipelines.stereo.synth_rich import photometric_pair, rich_layers

DOMAINS = ("pretrain", "target", "rich")  # append only: the TFDS seed uses the index


@dataclasses.dataclass
class Layer:
    """One surface: shape mask, texture and disparity plane, all in left-image coordinates."""

    shape: str  # "all", "below" (half plane y > cy), "rect", "ellipse"
    cx: float
    cy: float
    hx: float  # half sizes (rect / ellipse)
    hy: float
    angle: float
    a: float  # disparity at (cx, cy)
    b: float  # d/dx of disparity (|b| < 0.2 keeps the right-view mapping invertible)
    c: float  # d/dy of disparity
    texture: "Texture"
    dark: bool = False  # an absorbing surface an active-depth camera returns no depth for

    def disparity(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        return self.a + self.b * (x - self.cx) + self.c * (y - self.cy)

    def left_x_from_right(self, x_r: np.ndarray, y: np.ndarray) -> np.ndarray:
        """Invert x_r = x_l − d(x_l, y) for this plane (exact, closed form)."""
        return (x_r + self.a - self.b * self.cx + self.c * (y - self.cy)) / (1.0 - self.b)

    def inside(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        if self.shape == "all":
            return np.ones(np.broadcast(x, y).shape, bool)
        if self.shape == "below":
            return np.broadcast_to(y > self.cy, np.broadcast(x, y).shape)
        cos, sin = np.cos(self.angle), np.sin(self.angle)
        u = ((x - self.cx) * cos + (y - self.cy) * sin) / self.hx
        v = (-(x - self.cx) * sin + (y - self.cy) * cos) / self.hy
        if self.shape == "rect":
            return (np.abs(u) <= 1.0) & (np.abs(v) <= 1.0)
        return u * u + v * v <= 1.0


class Texture:
    """A smooth RGB function of continuous (x, y): value noise, stripes or a soft checker.

    Smoothness matters: the right view samples the texture at non-integer x_l, and the
    ground-truth warp test interpolates it back, so textures are C¹ (smoothstep value noise,
    sinusoids, tanh-softened checkers) with features no finer than ~2 px.
    """

    def __init__(self, rng: np.random.Generator, kind: str, x_range: tuple[float, float],
                 y_range: tuple[float, float], scale: float, contrast: float):
        self.kind = kind
        self.base = rng.uniform(0.15, 0.85, size=3)
        self.tint = rng.uniform(-1.0, 1.0, size=3) * contrast
        self.contrast = contrast
        self.x0, self.y0 = x_range[0] - 2 * scale, y_range[0] - 2 * scale
        if kind == "noise":
            self.scales = [scale, scale / 2.0]
            self.grids = []
            for s in self.scales:
                gw = int((x_range[1] - self.x0) / s) + 4
                gh = int((y_range[1] - self.y0) / s) + 4
                self.grids.append(rng.uniform(-1.0, 1.0, size=(gh, gw, 3)))
        else:
            self.period = scale * 2.0
            self.theta = rng.uniform(0, np.pi)
            self.phase = rng.uniform(0, 2 * np.pi, size=2)

    def __call__(self, x: np.ndarray, y: np.ndarray) -> np.ndarray:
        if self.kind == "noise":
            value = sum(weight * _value_noise(grid, (x - self.x0) / s, (y - self.y0) / s)
                        for weight, grid, s in zip((0.65, 0.35), self.grids, self.scales))
            rgb = self.base + self.contrast * value
        else:
            u = x * np.cos(self.theta) + y * np.sin(self.theta)
            w = -x * np.sin(self.theta) + y * np.cos(self.theta)
            k = 2 * np.pi / self.period
            if self.kind == "stripes":
                pattern = np.sin(k * u + self.phase[0])
            else:  # soft checker
                pattern = np.tanh(2.0 * np.sin(k * u + self.phase[0])
                                  * np.sin(k * w + self.phase[1]))
            rgb = self.base + pattern[..., None] * self.tint
        return np.clip(rgb, 0.0, 1.0)


def _value_noise(grid: np.ndarray, gx: np.ndarray, gy: np.ndarray) -> np.ndarray:
    """Smoothstep-interpolated lattice noise sampled at continuous grid coordinates."""
    gh, gw, _ = grid.shape
    gx = np.clip(gx, 0.0, gw - 1.001)
    gy = np.clip(gy, 0.0, gh - 1.001)
    ix, iy = np.floor(gx).astype(int), np.floor(gy).astype(int)
    fx, fy = gx - ix, gy - iy
    sx, sy = (fx * fx * (3 - 2 * fx))[..., None], (fy * fy * (3 - 2 * fy))[..., None]
    top = grid[iy, ix] * (1 - sx) + grid[iy, ix + 1] * sx
    bottom = grid[iy + 1, ix] * (1 - sx) + grid[iy + 1, ix + 1] * sx
    return top * (1 - sy) + bottom * sy


# -- scenes ---------------------------------------------------------------------------------
def _size(rng, smallest: float, largest: float) -> float:
    """A half size in [smallest, largest]; on tiny images (largest < smallest) just largest.

    Only images smaller than any default (e.g. the 16x32 test pairs) take the second branch,
    so every dataset rendered before this guard existed is unchanged.
    """
    return float(rng.uniform(smallest, largest)) if largest > smallest else float(largest)


def _pretrain_layers(rng, height, width, max_d) -> list[Layer]:
    xr, yr = (-max_d - 4.0, width + max_d + 4.0), (-4.0, height + 4.0)

    def texture():
        return Texture(rng, "noise", xr, yr, scale=rng.uniform(2.5, 10.0),
                       contrast=rng.uniform(0.25, 0.5))

    top = 0.9 * max_d
    background = Layer("all", width / 2, height / 2, 0, 0, 0.0,
                       a=rng.uniform(1.0, 0.35 * top), b=rng.uniform(-0.03, 0.03),
                       c=rng.uniform(-0.05, 0.05), texture=texture())
    layers = [background]
    for _ in range(rng.integers(3, 8)):
        hx, hy = _size(rng, 6, width / 4), _size(rng, 5, height / 3)
        layers.append(Layer(rng.choice(["rect", "ellipse"]), rng.uniform(0, width),
                            rng.uniform(0, height), hx, hy, rng.uniform(0, np.pi),
                            a=rng.uniform(background.a + 1.0, top), b=rng.uniform(-0.05, 0.05),
                            c=rng.uniform(-0.05, 0.05), texture=texture()))
    return layers


def _target_layers(rng, height, width, max_d) -> list[Layer]:
    xr, yr = (-max_d - 4.0, width + max_d + 4.0), (-4.0, height + 4.0)

    def texture(kind=None):
        kind = kind or rng.choice(["stripes", "checker", "noise"], p=[0.35, 0.35, 0.3])
        return Texture(rng, kind, xr, yr, scale=rng.uniform(2.0, 6.0),
                       contrast=rng.uniform(0.08, 0.35))

    top = 0.95 * max_d
    horizon = rng.uniform(0.3, 0.6) * height
    wall_d = rng.uniform(2.0, 0.3 * max_d)
    floor_slope = rng.uniform(0.6, 0.95) * (top - wall_d) / (height - horizon)
    layers = [Layer("all", width / 2, horizon, 0, 0, 0.0, a=wall_d, b=0.0, c=0.0,
                    texture=texture(), dark=rng.random() < 0.1),
              Layer("below", width / 2, horizon, 0, 0, 0.0, a=wall_d, b=0.0, c=floor_slope,
                    texture=texture("noise"))]
    for _ in range(rng.integers(1, 4)):
        cy = rng.uniform(horizon, height)
        floor_here = wall_d + floor_slope * (cy - horizon)
        layers.append(Layer(rng.choice(["rect", "ellipse"]), rng.uniform(0, width), cy,
                            _size(rng, 8, width / 3.5), _size(rng, 8, height / 2.5),
                            rng.normal(0, 0.2), a=rng.uniform(floor_here + 1.0, top) if
                            floor_here + 1.0 < top else top,
                            b=rng.uniform(-0.15, 0.15), c=0.0, texture=texture(),
                            dark=rng.random() < 0.2))
    return layers


def _render_view(layers, xs, ys):
    """z-buffer the layers (larger disparity = nearer) at the given left-coordinate points."""
    best_d = np.full(xs[0].shape, -np.inf)
    label = np.zeros(xs[0].shape, int)
    for k, (layer, x) in enumerate(zip(layers, xs)):
        d = layer.disparity(x, ys)
        nearer = layer.inside(x, ys) & (d > best_d)
        best_d = np.where(nearer, d, best_d)
        label = np.where(nearer, k, label)
    image = np.zeros(xs[0].shape + (3,))
    for k, (layer, x) in enumerate(zip(layers, xs)):
        where = label == k
        if where.any():
            image[where] = layer.texture(x[where], ys[where])
    return image, best_d, label


def render_clean(layers, height, width):
    """Exact left/right images in [0, 1], disparity, and the geometric validity mask."""
    y, x = np.mgrid[0:height, 0:width].astype(np.float64)
    left, disparity, label = _render_view(layers, [x] * len(layers), y)
    right_xs = [layer.left_x_from_right(x, y) for layer in layers]
    right, _, _ = _render_view(layers, right_xs, y)
    x_match = x - disparity
    valid = (x_match >= 0.0) & (x_match <= width - 1.0)
    # Occlusion: does any layer other than this pixel's own cover its match, nearer?
    for k, layer in enumerate(layers):
        x_l = layer.left_x_from_right(x_match, y)
        d_k = layer.disparity(x_l, y)
        occluder = layer.inside(x_l, y) & (d_k > disparity + 1e-6) & (label != k)
        valid &= ~occluder
    return left, right, disparity, valid, label


def _sensor(image, rng, read_sigma, shot_gain):
    """Shot noise (Poisson-like, ∝ √signal) plus Gaussian read noise, then 8-bit quantisation."""
    noisy = image + rng.normal(size=image.shape) * np.sqrt(
        read_sigma ** 2 + shot_gain * np.clip(image, 0, 1))
    return np.clip(np.round(noisy * 255.0), 0, 255).astype(np.uint8)


def _active_depth_holes(rng, disparity, label, layers, max_d):
    """Where an active-depth sensor returns nothing: dark surfaces, speckle, edges, far range."""
    height, width = disparity.shape
    holes = np.zeros_like(disparity, bool)
    for k, layer in enumerate(layers):
        if layer.dark:
            holes |= label == k
    speckle = Texture(rng, "noise", (0, width), (0, height), scale=rng.uniform(3.0, 8.0),
                      contrast=1.0)
    y, x = np.mgrid[0:height, 0:width].astype(np.float64)
    blobs = speckle(x, y)[..., 0] - speckle.base[0]  # zero-mean lattice noise in [-1, 1]
    holes |= blobs > rng.uniform(0.25, 0.45)
    # Depth edges: a label change with a disparity jump, widened by a pixel each side.
    jump_x = (label[:, 1:] != label[:, :-1]) & (np.abs(np.diff(disparity, axis=1)) > 1.0)
    jump_y = (label[1:] != label[:-1]) & (np.abs(np.diff(disparity, axis=0)) > 1.0)
    edges = np.zeros_like(holes)
    edges[:, 1:] |= jump_x
    edges[:, :-1] |= jump_x
    edges[1:] |= jump_y
    edges[:-1] |= jump_y
    holes |= edges
    holes |= disparity < 0.12 * max_d  # beyond the sensor's working range
    return holes


def render_pair(domain: str, rng: np.random.Generator, height: int, width: int,
                max_disparity: int, dense: bool = False) -> dict[str, np.ndarray]:
    """One example: uint8 left/right (H, W, 3), float32 disparity (H, W), bool valid (H, W).

    dense=True adds "disparity_all": the left view's true disparity at every pixel, occluded
    and out-of-view ones included (what Middlebury's disp0 holds), for scoring how a method
    handles occlusions; the images and the rest are the same as without it.
    """
    if domain not in DOMAINS:
        raise ValueError(f"unknown domain {domain!r}; expected one of {DOMAINS}")
    if domain == "rich":
        layers = rich_layers(rng, height, width, float(max_disparity), Layer, Texture)
    else:
        make = _pretrain_layers if domain == "pretrain" else _target_layers
        layers = make(rng, height, width, float(max_disparity))
    left, right, disparity, valid, label = render_clean(layers, height, width)
    if domain == "rich":
        left, right = photometric_pair(left, right, rng)
        read, shot = rng.uniform(0.5, 4.0) / 255, rng.uniform(0.0, 0.002)
        left_u8, right_u8 = _sensor(left, rng, read, shot), _sensor(right, rng, read, shot)
    elif domain == "pretrain":
        left_u8 = _sensor(left, rng, read_sigma=1.0 / 255, shot_gain=0.0)
        right_u8 = _sensor(right, rng, read_sigma=1.0 / 255, shot_gain=0.0)
    else:
        # The right camera has its own exposure, gamma and white balance.
        gain = rng.uniform(0.7, 1.3) * rng.uniform(0.93, 1.07, size=3)
        right = np.clip(gain * right ** rng.uniform(0.8, 1.25) + rng.uniform(-0.06, 0.06), 0, 1)
        read, shot = rng.uniform(2.0, 6.0) / 255, rng.uniform(0.0005, 0.003)
        left_u8 = _sensor(left, rng, read, shot)
        right_u8 = _sensor(right, rng, read, shot)
        valid &= ~_active_depth_holes(rng, disparity, label, layers, max_disparity)
    example = {"left": left_u8, "right": right_u8,
               "disparity": np.where(valid, disparity, 0.0).astype(np.float32), "valid": valid}
    if dense:
        example["disparity_all"] = disparity.astype(np.float32)
    return example
