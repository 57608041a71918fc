"""Prepare a dataset once, even when several processes ask for it at the same moment.

Why: a grid's trial processes start together, and on a fresh data cache each found the
simulator's TFDS data missing and generated it; the slower one then failed on TFDS' final
rename ("Destination … already exists"), so `python -m tuning.grid mimic_v3` on a new machine
lost a trial. An exclusive lock (flock) beside the dataset's directory lets one process
prepare while the others wait, then read what it wrote.
"""
from __future__ import annotations

import contextlib
import fcntl
from pathlib import Path
from typing import Callable, TypeVar

Builder = TypeVar("Builder")


@contextlib.contextmanager
def _exclusive(lock_file: Path):
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_file, "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def prepared(make_builder: Callable[[], Builder], prepare: Callable[[Builder], None]) -> Builder:
    """A TFDS-style builder (`is_prepared()`, `data_dir`) whose data is on disk.

    `prepare(builder)` writes it when it is missing, one process at a time. The builder is
    made again after waiting, since one made before another process finished does not see
    the splits that process wrote.
    """
    builder = make_builder()
    if builder.is_prepared():
        return builder
    target = Path(builder.data_dir)
    with _exclusive(target.parent / f".{target.name}.lock"):
        builder = make_builder()
        if not builder.is_prepared():
            prepare(builder)
    return builder
