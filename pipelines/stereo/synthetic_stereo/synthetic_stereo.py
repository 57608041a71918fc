"""TFDS builder for the synthetic stereo domains (rendered locally, no download).

Every size the experiment depends on (domain, image size, disparity range, split sizes, data
seed) is part of the builder config's name, so two configs never share a cache directory by
accident and a rebuilt dataset is byte-identical: example i of split s is rendered from
`np.random.default_rng([data_seed, domain, split, i])`. Bump `VERSION` whenever
`pipelines/stereo/synth.py` changes what it draws.
"""
from __future__ import annotations

import dataclasses

import numpy as np
import tensorflow_datasets as tfds

from pipelines.stereo.synth import DOMAINS, render_pair

SPLITS = ("train", "validation", "test")


@dataclasses.dataclass(eq=False)
class StereoBuilderConfig(tfds.core.BuilderConfig):
    """Domain and sizes; `name` is derived from them (see `make_config`)."""

    domain: str = "pretrain"
    height: int = 48
    width: int = 96
    max_disparity: int = 24
    n_train: int = 1024
    n_val: int = 128
    n_test: int = 128
    data_seed: int = 0


def make_config(domain: str, height: int, width: int, max_disparity: int, n_train: int,
                n_val: int, n_test: int, data_seed: int) -> StereoBuilderConfig:
    name = (f"{domain}_{height}x{width}_d{max_disparity}_"
            f"n{n_train}-{n_val}-{n_test}_s{data_seed}")
    return StereoBuilderConfig(name=name, domain=domain, height=height, width=width,
                               max_disparity=max_disparity, n_train=n_train, n_val=n_val,
                               n_test=n_test, data_seed=data_seed,
                               description=f"synthetic {domain} stereo, {height}x{width}")


class SyntheticStereo(tfds.core.GeneratorBasedBuilder):
    """Rectified stereo pairs with exact disparity and a validity mask."""

    VERSION = tfds.core.Version("1.1.0")
    RELEASE_NOTES = {"1.0.0": "Layered analytic scenes; pretrain and target domains.",
                     "1.1.0": "rich domain (photo textures, slants, photometry) added; "
                              "pretrain and target draw exactly what 1.0.0 drew."}
    progress = None  # a tflab.progress.Progress while the pairs are rendered, if any

    def _info(self) -> tfds.core.DatasetInfo:
        cfg = self.builder_config
        h, w = cfg.height, cfg.width
        return self.dataset_info_from_configs(
            description=__doc__,
            features=tfds.features.FeaturesDict({
                "index": tfds.features.Scalar(dtype=np.int64),  # generation order
                "left": tfds.features.Image(shape=(h, w, 3)),
                "right": tfds.features.Image(shape=(h, w, 3)),
                "disparity": tfds.features.Tensor(shape=(h, w), dtype=np.float32,
                                                  encoding=tfds.features.Encoding.ZLIB),
                "valid": tfds.features.Tensor(shape=(h, w), dtype=np.bool_,
                                              encoding=tfds.features.Encoding.ZLIB),
            }),
            supervised_keys=None,
        )

    def _split_generators(self, dl_manager):
        cfg = self.builder_config
        sizes = {"train": cfg.n_train, "validation": cfg.n_val, "test": cfg.n_test}
        return {split: self._generate_examples(split, sizes[split]) for split in SPLITS}

    def _generate_examples(self, split: str, count: int):
        cfg = self.builder_config
        domain_id, split_id = DOMAINS.index(cfg.domain), SPLITS.index(split)
        if self.progress is not None:
            self.progress.start()
        for i in range(count):
            rng = np.random.default_rng([cfg.data_seed, domain_id, split_id, i])
            example = render_pair(cfg.domain, rng, cfg.height, cfg.width, cfg.max_disparity)
            if self.progress is not None:
                self.progress.step(split)
            yield i, {"index": i, **example}
