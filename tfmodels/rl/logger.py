"""Run directory writer for RL: history.csv, TensorBoard scalars/images, metrics.json.

RL has no epochs, so one history row is one log interval (`log_every` env steps). The CSV
is rewritten atomically at every row, so a run killed at any point leaves a complete file.
"""
from __future__ import annotations

import math
import time
from pathlib import Path

import numpy as np
import pandas as pd
import tensorflow as tf
from tensorflow.core.framework import summary_pb2

from tflab.io import write_csv, write_json
from tflab.progress import format_duration


def _metadata(plugin: str) -> bytes:
    """TensorBoard plugin metadata, so scalars/images show up in their dashboards.

    `tf.summary.scalar/image` need the `tensorboard` package at write time (it is not
    installed here); `tf.summary.write` with the plugin's metadata writes the same events.
    """
    meta = summary_pb2.SummaryMetadata()
    meta.plugin_data.plugin_name = plugin
    return meta.SerializeToString()


SCALAR_META = _metadata("scalars")
IMAGE_META = _metadata("images")


class RunLogger:
    """`total_steps` (when known) turns each printed line into progress: `step=N/total` and
    the time left at the average rate since the logger was made (wall clock)."""

    def __init__(self, run_dir: Path | None, verbose: int = 1, total_steps: int | None = None):
        self.run_dir = Path(run_dir) if run_dir is not None else None
        self.verbose = verbose
        self.total_steps = total_steps
        self.started = time.perf_counter()
        self.rows: list[dict] = []
        self.writer = None
        if self.run_dir is not None:
            self.run_dir.mkdir(parents=True, exist_ok=True)
            self.writer = tf.summary.create_file_writer(str(self.run_dir / "tensorboard"))

    def log(self, row: dict) -> None:
        """Append a history row (must hold `step`), write the CSV and TensorBoard scalars."""
        self.rows.append(row)
        if self.writer is not None:
            with self.writer.as_default(step=int(row["step"])):
                for key, value in row.items():
                    if key != "step" and isinstance(value, (int, float)) and math.isfinite(value):
                        tf.summary.write(key, tf.constant(float(value)),
                                         metadata=SCALAR_META)
            self.writer.flush()
            write_csv(self.run_dir / "history.csv", pd.DataFrame(self.rows))
        if self.verbose:
            shown = {k: row[k] for k in ("step", "steps_per_sec", "ep_return_mean100",
                                         "eval_return_train", "eval_return_heldout")
                     if k in row and row[k] is not None and not _nan(row[k])}
            line = "  ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}"
                             for k, v in shown.items())
            print(line + self._progress(int(row["step"])), flush=True)

    def _progress(self, step: int) -> str:
        if not self.total_steps or step <= 0:
            return ""
        elapsed = time.perf_counter() - self.started
        left = max(0, self.total_steps - step) * elapsed / step
        return (f"  [{step}/{self.total_steps} env steps, {100 * step / self.total_steps:.0f} %,"
                f" ETA {format_duration(left)} at the mean rate so far]")

    def images(self, name: str, images: np.ndarray, step: int) -> None:
        """Write (N, H, W, 1) images in [0, 1] (attention masks, frames) to TensorBoard."""
        if self.writer is not None:
            with self.writer.as_default(step=int(step)):
                pixels = tf.cast(tf.clip_by_value(images, 0.0, 1.0) * 255.0, tf.uint8)
                pngs = [tf.io.encode_png(img) for img in pixels]
                h, w = images.shape[1], images.shape[2]
                tensor = tf.stack([tf.constant(str(w)), tf.constant(str(h))] + pngs)
                tf.summary.write(name, tensor, metadata=IMAGE_META)

    def finish(self, metrics: dict) -> None:
        if self.run_dir is not None:
            write_csv(self.run_dir / "history.csv", pd.DataFrame(self.rows))
            write_json(self.run_dir / "metrics.json", metrics)
            self.writer.close()


def _nan(value) -> bool:
    return isinstance(value, float) and math.isnan(value)
