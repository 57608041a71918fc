"""Prepare (once) and read the synthetic TFDS stereo dataset into in-memory splits."""
from __future__ import annotations

import numpy as np
import tensorflow_datasets as tfds

from pipelines.stereo.splits import StereoData, StereoSplit, default_data_dir
from pipelines.stereo.synth import render_pair
from pipelines.stereo.synthetic_stereo import SyntheticStereo
from pipelines.stereo.synthetic_stereo.synthetic_stereo import make_config
from tflab.prepare import prepared
from tflab.progress import Progress


def synthetic_builder(domain: str, height: int, width: int, max_disparity: int, n_train: int,
                      n_val: int, n_test: int, data_seed: int = 0,
                      data_dir: str | None = None) -> SyntheticStereo:
    config = make_config(domain, height, width, max_disparity, n_train, n_val, n_test,
                         data_seed)
    return SyntheticStereo(config=config, data_dir=str(data_dir or default_data_dir()))


def _read_split(builder: SyntheticStereo, split: str) -> StereoSplit:
    examples = list(tfds.as_numpy(builder.as_dataset(split=split, shuffle_files=False)))
    # TFDS stores examples in key-hash order; put them back in generation order.
    examples.sort(key=lambda ex: int(ex["index"]))
    stack = {key: np.stack([ex[key] for ex in examples]) for key in
             ("left", "right", "disparity", "valid")}
    return StereoSplit(stack["left"], stack["right"], stack["disparity"], stack["valid"])


def load_synthetic(domain: str, height: int, width: int, max_disparity: int, n_train: int,
                   n_val: int, n_test: int, data_seed: int = 0,
                   data_dir: str | None = None) -> StereoData:
    tfds.disable_progress_bar()  # ours counts pairs over all three splits instead

    def render(builder: SyntheticStereo) -> None:  # first use: every pair once, into TFDS
        total = n_train + n_val + n_test
        with Progress(total, f"rendering {domain} pairs", "pair", every=64) as progress:
            builder.progress = progress
            builder.download_and_prepare()

    builder = prepared(lambda: synthetic_builder(domain, height, width, max_disparity, n_train,
                                                 n_val, n_test, data_seed, data_dir), render)
    splits = {split: _read_split(builder, split) for split in ("train", "validation", "test")}
    return StereoData(**splits, source=f"tfds {builder.name}/{builder.builder_config.name}:"
                                         f"{builder.version}")


def render_split(domain: str, count: int, height: int, width: int, max_disparity: int,
                 seed: int = 0) -> StereoSplit:
    """`count` pairs rendered straight into memory (no TFDS cache): tests and quick checks."""
    examples = [render_pair(domain, np.random.default_rng([seed, i]), height, width,
                            max_disparity) for i in range(count)]
    return StereoSplit(*(np.stack([ex[key] for ex in examples])
                         for key in ("left", "right", "disparity", "valid")))


def render_data(domain: str, sizes: tuple[int, int, int], height: int, width: int,
                max_disparity: int, seed: int = 0) -> StereoData:
    """Train/validation/test rendered into memory, each split from its own seed stream."""
    splits = [render_split(domain, n, height, width, max_disparity, seed=seed * 10 + k)
              for k, n in enumerate(sizes)]
    return StereoData(*splits, source=f"in-memory {domain} {height}x{width} seed {seed}")


def render_dense_split(domain: str, count: int, height: int, width: int, max_disparity: int,
                       seed: int) -> tuple[StereoSplit, np.ndarray]:
    """(split scored on every pixel, bool visible mask): pairs for choosing test-time options.

    The split's disparity is the true one everywhere and its mask is all True, so occluded
    and out-of-view pixels are scored as on Middlebury; `visible` is the usual mask (matched
    in the right view). The seed stream [seed, i] never meets the TFDS builder's
    [data_seed, domain, split, i], so these pairs are none of the train/validation/test ones.
    """
    examples = [render_pair(domain, np.random.default_rng([seed, i]), height, width,
                            max_disparity, dense=True) for i in range(count)]
    stack = {key: np.stack([ex[key] for ex in examples])
             for key in ("left", "right", "disparity_all", "valid")}
    split = StereoSplit(stack["left"], stack["right"], stack["disparity_all"],
                        np.ones(stack["valid"].shape, bool))
    return split, stack["valid"]
