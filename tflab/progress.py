"""Progress on long work: a bar on a terminal, one plain line per unit of work elsewhere.

Game generation, a dataset's first prepare and a long fit run for minutes. On a terminal a
tqdm bar shows the rate and the time left; in a log file or CI a bar is noise (carriage
returns, hundreds of redraws), so there each finished unit prints one line instead, with
the same rate and time left. No bar when `CI` is set or the stream is not a terminal.
"""
from __future__ import annotations

import os
import sys
import time
from typing import TextIO


def use_bar(stream: TextIO) -> bool:
    """A bar only on an interactive terminal outside CI."""
    if os.environ.get("CI"):
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def format_duration(seconds: float) -> str:
    """Seconds as '42 s', '3.5 min' or '1.2 h'."""
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.1f} min"
    return f"{seconds / 3600:.1f} h"


class Progress:
    """Count `total` items of `unit`, labelled `desc`; a unit of work is `every` items.

    `step(detail)` marks one more item done. On a terminal the bar moves and `detail`, when
    `keep` is set, is written above it (so per-epoch lines stay readable); elsewhere one
    line is printed per unit of work (every `every` items and the last one):
    `desc done/total: detail (rate so far, ETA)`. Rate and ETA are wall clock
    since the Progress was made, averaged over the units done so far.
    """

    def __init__(self, total: int, desc: str, unit: str = "it", *, keep: bool = False,
                 every: int = 1, stream: TextIO | None = None):
        self.total = int(total)
        self.desc = desc
        self.unit = unit
        self.keep = keep
        self.every = max(1, int(every))
        self.stream = stream or sys.stdout
        self.done = 0
        self.started = time.perf_counter()
        self._bar = None
        if use_bar(self.stream):
            from tqdm import tqdm

            self._bar = tqdm(total=self.total, desc=desc, unit=unit, file=self.stream,
                             dynamic_ncols=True, leave=True)

    def start(self) -> None:
        """Restart the clock if nothing is done yet: call it where the work itself begins,
        so set-up before it (a dataset's metadata, a pool's start) does not count."""
        if self.done == 0:
            self.started = time.perf_counter()
            if self._bar is not None:
                self._bar.reset(total=self.total)

    def rate_and_eta(self) -> str:
        """`x unit/s so far, ETA y`: wall clock since the start over the units done."""
        elapsed = max(time.perf_counter() - self.started, 1e-9)
        rate = self.done / elapsed
        shown = f"{rate:.3g} {self.unit}/s" if rate >= 1 else f"{1 / rate:.3g} s/{self.unit}"
        shown += " so far"
        left = self.total - self.done
        if left > 0 and rate > 0:
            shown += f", ETA {format_duration(left / rate)}"
        return shown

    def step(self, detail: str = "", n: int = 1) -> None:
        self.done += n
        if self._bar is not None:
            if detail and self.keep:
                self._bar.write(f"{self.desc} {self.done}/{self.total}: {detail}",
                                file=self.stream)
            elif detail:
                self._bar.set_postfix_str(detail, refresh=False)
            self._bar.update(n)
            return
        if self.done % self.every and self.done < self.total:
            return
        head = f"{self.desc} {self.done}/{self.total}"
        body = f": {detail}" if detail else ""
        print(f"{head}{body} ({self.rate_and_eta()})", file=self.stream, flush=True)

    def close(self) -> None:
        if self._bar is not None:
            self._bar.close()
            self._bar = None

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc) -> None:
        self.close()
