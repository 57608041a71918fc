"""Catan benchmark: games/s generated with N processes, training steps/s at batch 32 on CPU.

    python -m bench.catan_bench --games 16 --workers 2 --widths 1.0,0.25

Writes its section of bench/RESULTS_catan.md (machine, date, load average, numbers, how
measured) between the `<!-- bench:start -->` / `<!-- bench:end -->` markers and keeps the
rest of the file (the overfit and norm-grid figures recorded by hand).
Games are generated into a fresh temporary TFDS dir, so nothing cached is re-used.
Training steps are timed with `train_on_batch` on one fixed batch of real windows after a
warm-up step (the trace), i.e. model compute only; the channels-first expansion of a batch
from integer codes is timed separately because the pipeline runs it beside the model.
"""
from __future__ import annotations

import argparse
import datetime
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

RESULTS = Path(__file__).resolve().parent / "RESULTS_catan.md"
START, END = "<!-- bench:start -->", "<!-- bench:end -->"


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} logical CPUs, {platform.system()} {platform.release()}"


def load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def bench_games(n_games: int, workers: int, max_ticks: int) -> dict:
    from pipelines.catan.builder import games_config, prepare

    with tempfile.TemporaryDirectory() as tmp:
        config = games_config(("victory_point", "weighted_random", "weighted_random", "random"),
                              seed_start=1000, n_games=n_games, max_ticks=max_ticks,
                              val_fraction=0.25, workers=workers)
        started = time.perf_counter()
        builder = prepare(config, tmp)
        wall = time.perf_counter() - started
    stats = builder.stats
    return {"games": stats["games"], "ticks": stats["ticks"], "workers": workers,
            "play_s": stats["seconds"], "wall_s": wall,
            "games_per_s": stats["games"] / stats["seconds"],
            "ticks_per_s": stats["ticks"] / stats["seconds"]}


def bench_steps(widths: list[float], norm: str, batch_size: int, steps: int) -> list[dict]:
    import keras
    import numpy as np
    import tensorflow as tf

    from pipelines.catan import layout
    from pipelines.catan.channels import head_split
    from pipelines.catan.simulate import play_game
    from tfmodels.catan.heads import head_losses
    from tfmodels.catan.model import build_model

    record = play_game(3, ("victory_point", "weighted_random", "weighted_random", "random"))
    span = 20
    starts = np.linspace(0, record.n_ticks - span, batch_size).astype(int)
    take = lambda a: np.stack([a[s:s + span] for s in starts])  # noqa: E731
    codes = (tf.constant(take(record.board)), tf.constant(take(record.numeric)),
             tf.constant(take(record.action)))
    split = head_split(4)
    expand = tf.function(lambda b, n, a: layout.split_targets(
        *layout.to_notes(b, n, a, 16)[1], split) | {"x": layout.to_notes(b, n, a, 16)[0]})
    expand(*codes)
    started = time.perf_counter()
    for _ in range(3):
        batch = expand(*codes)
    expand_s = (time.perf_counter() - started) / 3
    x = batch.pop("x")
    rows = []
    for width in widths:
        keras.utils.set_random_seed(0)
        model = build_model(split, 16, width=width, norm=norm)
        model.compile(optimizer=keras.optimizers.AdamW(1e-3, weight_decay=1e-4, amsgrad=True),
                      loss=head_losses())
        model.train_on_batch(x, batch)
        started, cpu_started = time.perf_counter(), time.process_time()
        for _ in range(steps):
            model.train_on_batch(x, batch)
        seconds = (time.perf_counter() - started) / steps
        cpu = (time.process_time() - cpu_started) / steps
        rows.append({"width": width, "params": model.count_params(), "step_s": seconds,
                     "steps_per_s": 1 / seconds, "cpu_s": cpu, "expand_s": expand_s})
    return rows


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--games", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--max-ticks", type=int, default=0)
    parser.add_argument("--widths", default="1.0,0.25")
    parser.add_argument("--norm", default="group")
    parser.add_argument("--steps", type=int, default=5)
    args = parser.parse_args(argv)
    load_before = load()
    games = bench_games(args.games, args.workers, args.max_ticks)
    print(f"games: {games}", flush=True)
    steps = bench_steps([float(w) for w in args.widths.split(",")], args.norm, 32, args.steps)
    for row in steps:
        print(f"steps: {row}", flush=True)
    from tflab import io
    from tfmodels.catan.layers import widths

    lines = [
        "# Catan benchmark (bench/catan_bench.py)", "",
        f"- date: {datetime.datetime.now().isoformat(timespec='minutes')}",
        f"- machine: {machine()}",
        f"- load average before / after: {load_before} / {load()} (CPU shared with other "
        f"jobs: numbers are what this run got, not the machine's best)",
        f"- command: `python -m bench.catan_bench {' '.join(argv or sys.argv[1:])}`", "",
        "## Game generation (catanatron, 4 fixed bots, every tick encoded)", "",
        "| processes | games | ticks | seconds (play + encode) | games/s | ticks/s |",
        "|---|---|---|---|---|---|",
        f"| {games['workers']} | {games['games']} | {games['ticks']} | {games['play_s']:.1f} | "
        f"{games['games_per_s']:.2f} | {games['ticks_per_s']:.0f} |", "",
        f"Seconds = wall clock of the builder's game loop, pool start-up included "
        f"(TFDS writing adds {games['wall_s'] - games['play_s']:.1f} s).", "",
        f"## Training steps, batch 32, norm={args.norm}, CPU, no XLA", "",
        "| width | stage widths | parameters | s/step (wall) | steps/s | CPU s/step |",
        "|---|---|---|---|---|---|",
        *[f"| {r['width']} | {'/'.join(map(str, widths(r['width'])))} | {r['params']:,} | "
          f"{r['step_s']:.2f} | {r['steps_per_s']:.2f} | {r['cpu_s']:.2f} |" for r in steps], "",
        f"`train_on_batch` on one fixed batch of 32 real windows, mean of {args.steps} steps "
        f"after a warm-up step (model compute only); CPU s/step = process CPU time (all "
        f"threads) per step, the figure that depends least on what else runs. Expanding a "
        f"batch of 32 windows from integer codes to the channels-first layout + per-head "
        f"targets: "
        f"{steps[0]['expand_s']:.2f} s "
        f"(runs in the tf.data pipeline; fixed overfit windows are expanded once and cached).",
        "",
    ]
    block = "\n".join([START, *lines, END])
    text = RESULTS.read_text() if RESULTS.exists() else ""
    if START in text and END in text:
        text = text[:text.index(START)] + block + text[text.index(END) + len(END):]
    else:
        text = block + "\n" + text
    io.write_text(RESULTS, text)
    print(f"wrote {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
