"""Training on random crops of full-resolution pairs; padding to the network's multiple.

Real stereo pairs are large (640×480 RealSense, 1242×375 KITTI, ~3000×2000 Middlebury) and
a CPU step on a whole pair is slow, so training sees random crops (the field's practice:
PSMNet trains on 256×512 crops) while evaluation and prediction run on the whole image.
A crop is taken at the *same* window of left, right and ground truth: a horizontal shift of
one view only would change every disparity. Disparity values are unchanged by cropping.

Ground truth beyond `max_disparity` cannot be represented by the cost volume; those pixels
are taken out of the validity mask (so out of the loss and of every score) and counted,
so a user sees how much of the data the chosen range leaves out.
"""
from __future__ import annotations

import itertools

import numpy as np

from pipelines.stereo.splits import StereoSplit


def limit_disparity(split: StereoSplit, max_disparity: float) -> tuple[StereoSplit, int]:
    """Split with ground truth > max_disparity marked invalid, and how many pixels that was."""
    if not isinstance(split.valid, np.ndarray):  # a list of pairs of several sizes
        parts = [limit_disparity(StereoSplit(*(x[None] for x in pair)), max_disparity)
                 for pair in zip(split.left, split.right, split.disparity, split.valid)]
        return StereoSplit(split.left, split.right, [p.disparity[0] for p, _ in parts],
                           [p.valid[0] for p, _ in parts]), sum(n for _, n in parts)
    beyond = split.valid & (split.disparity > max_disparity)
    count = int(beyond.sum())
    if not count:
        return split, 0
    valid = split.valid & ~beyond
    return StereoSplit(split.left, split.right, np.where(valid, split.disparity, 0.0)
                       .astype(np.float32), valid), count


def pad_to_multiple(array: np.ndarray, multiple: int, axes: tuple[int, int] = (0, 1),
                    mode: str = "edge") -> np.ndarray:
    """Pad the rows axis at the bottom and the columns axis at the right up to a multiple.

    Bottom/right padding never changes a disparity: a left pixel's match x − d lies to its
    left, inside the original image. Images are edge-padded; targets are zero-padded
    (`mode="constant"`), so the padding is invalid and never scored.
    """
    pad = [(0, 0)] * array.ndim
    for axis in axes:
        pad[axis] = (0, -array.shape[axis] % multiple)
    if not any(after for _, after in pad):
        return array
    return np.pad(array, pad, mode=mode)


def pad_split(split: StereoSplit, multiple: int) -> StereoSplit:
    """Every array of a stacked (N, H, W, …) split padded to the multiple (padding invalid)."""
    images = [pad_to_multiple(a, multiple, (1, 2)) for a in (split.left, split.right)]
    targets = [pad_to_multiple(a, multiple, (1, 2), "constant")
               for a in (split.disparity, split.valid)]
    return StereoSplit(*images, *targets)


def _random_window(rng: np.random.Generator, height: int, width: int, crop: tuple[int, int]):
    ch, cw = crop
    y = int(rng.integers(0, height - ch + 1))
    x = int(rng.integers(0, width - cw + 1))
    return slice(y, y + ch), slice(x, x + cw)


def crop_examples(split: StereoSplit, crop: tuple[int, int], rng: np.random.Generator,
                  order=None):
    """Yield `({"left", "right"}, target)` random crops, one window per pair for all three."""
    for i in (range(len(split)) if order is None else order):
        rows, cols = _random_window(rng, *split.left[i].shape[:2], crop)
        target = np.stack([split.disparity[i][rows, cols], split.valid[i][rows, cols]],
                          axis=-1).astype(np.float32)
        yield ({"left": split.left[i][rows, cols].astype(np.float32),
                "right": split.right[i][rows, cols].astype(np.float32)}, target)


def crop_dataset(split: StereoSplit, crop: tuple[int, int], batch_size: int, seed: int,
                 *, fixed: bool = False) -> tf.data.Dataset:
    """Batched random crops: new windows and order every epoch, deterministic given `seed`.

    `fixed=True` draws the same window of every pair in the same order every pass (the
    true-training-loss pass over the whole split).
    """
    import tensorflow as tf  # here, so that reading and checking data never loads TF

    epochs = itertools.count()
    count = len(split)
    ch, cw = crop

    def generate():
        epoch = 0 if fixed else next(epochs)
        rng = np.random.default_rng([seed, epoch])
        order = np.arange(count) if fixed else rng.permutation(count)
        yield from crop_examples(split, crop, rng, order)

    image = tf.TensorSpec((ch, cw, 3), tf.float32)
    signature = ({"left": image, "right": image}, tf.TensorSpec((ch, cw, 2), tf.float32))
    ds = tf.data.Dataset.from_generator(generate, output_signature=signature)
    # a known length: Keras then counts steps instead of running into the end of the data
    ds = ds.apply(tf.data.experimental.assert_cardinality(count))
    return ds.batch(batch_size).prefetch(2)
