"""Catan game generation: catanatron's own play speed beside tick encoding, in one run.

    python -m bench.catan_generation --games 24 --workers 2

Plays the same seeded games (4 fixed bots) in five ways and prints ticks/s for each:
  play only        catanatron's game loop and bots, nothing recorded (the floor)
  reference        + every tick encoded with catanatron-gym's own tensor functions through a
                   GameAccumulator (a game copy per tick): the encoding before the fast path
  fast             + every tick encoded by pipelines/catan/encode.py (the builder's path)
each in 1 process and in a pool of `--workers` processes (wall clock after the pool has
started and imported catanatron, and the processes' CPU seconds, the figure that depends
least on what else runs: ticks per CPU second × cores is what the cores allow), then the
TFDS builder end to end (pool start-up and writing included), and a cProfile of 1 process
per path, split into catanatron's game loop, the bots' decisions and the encoding.
Writes its section of bench/RESULTS_catan.md between the generation markers.
"""
from __future__ import annotations

import argparse
import cProfile
import datetime
import multiprocessing
import pstats
import sys
import tempfile
import time

from bench.catan_bench import RESULTS, load, machine

START, END = "<!-- generation:start -->", "<!-- generation:end -->"
BOTS = ("victory_point", "weighted_random", "weighted_random", "random")
MODES = ("play only", "reference", "fast")


def play(args: tuple) -> tuple[int, float]:
    """Play game `seed` in `mode`; returns (ticks, CPU seconds of this process)."""
    seed, mode = args
    from catanatron.game import TURNS_LIMIT, Game

    from pipelines.catan.simulate import make_players, play_game

    started = time.process_time()
    if mode == "play only":
        game, ticks = Game(make_players(BOTS), seed=seed), 0
        while game.winning_color() is None and game.state.num_turns < TURNS_LIMIT:
            game.play_tick()
            ticks += 1
    else:
        ticks = play_game(seed, BOTS, reference=mode == "reference").n_ticks
    return ticks, time.process_time() - started


def warm(_):
    import pipelines.catan.simulate  # noqa: F401  (the imports a worker pays once)
    return 0


def run(seeds: list[int], mode: str, pool=None) -> dict:
    jobs = [(seed, mode) for seed in seeds]
    started = time.perf_counter()
    results = list(pool.imap(play, jobs)) if pool else [play(job) for job in jobs]
    wall = time.perf_counter() - started
    ticks, cpu = sum(r[0] for r in results), sum(r[1] for r in results)
    return {"ticks": ticks, "wall": wall, "cpu": cpu, "per_s": ticks / wall,
            "per_cpu_s": ticks / cpu}


def profile(seeds: list[int], mode: str) -> dict:
    """Share of one process' time in the bots' decisions, the encoding (with the game copy
    the accumulator route makes per tick) and the rest of catanatron's game loop, from
    cProfile's cumulative times (callers separate the bots' own game copies)."""
    profiler = cProfile.Profile()
    profiler.enable()
    for seed in seeds:
        play((seed, mode))
    profiler.disable()
    stats = pstats.Stats(profiler).stats

    def cumulative(file_end: str, name: str, caller: str | None = None) -> float:
        out = 0.0
        for (path, _, function), row in stats.items():
            if path.endswith(file_end) and function == name:
                out += row[3] if caller is None else sum(
                    c[3] for key, c in row[4].items() if key[2] == caller)
        return out

    total = cumulative("catan_generation.py", "play")  # the same overhead in every part
    bots = cumulative("simulate.py", "decide")   # every bot goes through _FixedOrder.decide
    if mode == "fast":
        encoding = cumulative("simulate.py", "__call__") - bots
    elif mode == "reference":
        encoding = (cumulative("simulate.py", "step")
                    + cumulative("catanatron/game.py", "copy", caller="play_tick"))
    else:
        encoding = 0.0
    return {"game": (total - bots - encoding) / total, "bots": bots / total,
            "encoding": encoding / total, "seconds": total}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--games", type=int, default=24)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--seed-start", type=int, default=1000)
    args = parser.parse_args(argv)
    seeds = list(range(args.seed_start, args.seed_start + args.games))
    load_before = load()
    warm(0)
    play((seeds[0], "fast"))  # imports and first-call costs out of the timed runs
    rows = {}
    for mode in MODES:
        rows[(mode, 1)] = run(seeds, mode)
        print(f"{mode}, 1 process: {rows[(mode, 1)]}", flush=True)
    with multiprocessing.get_context("spawn").Pool(args.workers) as pool:
        pool.map(warm, range(args.workers))
        for mode in MODES:
            rows[(mode, args.workers)] = run(seeds, mode, pool)
            print(f"{mode}, {args.workers} processes: {rows[(mode, args.workers)]}", flush=True)
    from pipelines.catan.builder import games_config, prepare

    with tempfile.TemporaryDirectory() as tmp:
        config = games_config(BOTS, args.seed_start, args.games, 0, 0.25, args.workers)
        started = time.perf_counter()
        stats = prepare(config, tmp).stats
        builder_wall = time.perf_counter() - started
    print(f"builder: {stats}, {builder_wall:.1f} s with TFDS writing", flush=True)
    profiles = {mode: profile(seeds[:4], mode) for mode in MODES}
    for mode, shares in profiles.items():
        print(f"profile {mode}: {shares}", flush=True)

    us = {mode: 1e6 / rows[(mode, 1)]["per_cpu_s"] for mode in MODES}  # CPU µs per tick
    lines = [
        "## Game generation: catanatron's own speed beside tick encoding "
        "(bench/catan_generation.py)", "",
        f"- date: {datetime.datetime.now().isoformat(timespec='minutes')}",
        f"- machine: {machine()}",
        f"- load average before / after: {load_before} / {load()} (CPU shared with other "
        f"jobs: wall figures are what this run got; per-CPU-second figures depend less on it)",
        f"- command: `python -m bench.catan_generation {' '.join(argv or sys.argv[1:])}`",
        f"- games: seeds {seeds[0]}..{seeds[-1]}, bots {', '.join(BOTS)}, every game to its "
        f"end ({rows[('fast', 1)]['ticks']} ticks)", "",
        "| path | processes | ticks/s (wall) | ticks per CPU second | CPU s |",
        "|---|---|---|---|---|",
        *[f"| {mode} | {n} | {r['per_s']:.0f} | {r['per_cpu_s']:.0f} | {r['cpu']:.1f} |"
          for (mode, n), r in rows.items()],
        f"| TFDS builder, fast path, end to end (pool start-up included, writing excluded) | "
        f"{args.workers} | {stats['ticks'] / stats['seconds']:.0f} | — | — |", "",
        f"Builder wall clock with TFDS writing: {builder_wall:.1f} s for {stats['ticks']} ticks "
        f"({stats['ticks'] / builder_wall:.0f} ticks/s).", "",
        f"Per tick, one process, CPU time (from the per-CPU-second column): catanatron plays a "
        f"tick in {us['play only']:.0f} µs; the reference encoding adds "
        f"{us['reference'] - us['play only']:.0f} µs, the fast one "
        f"{us['fast'] - us['play only']:.0f} µs.",
        "",
        "Where one process spends its time under cProfile (cumulative times, first 4 games; "
        "the profiler's own overhead inflates code made of many small calls, so the shares "
        "are a guide and the CPU times above the measurement):", "",
        "| path | catanatron game loop | bots' decisions | encoding (+ game copies) | "
        "profiled s |", "|---|---|---|---|---|",
        *[f"| {mode} | {p['game']:.0%} | {p['bots']:.0%} | {p['encoding']:.0%} | "
          f"{p['seconds']:.2f} |" for mode, p in profiles.items()], "",
    ]
    block = "\n".join([START, *lines, END])
    text = RESULTS.read_text() if RESULTS.exists() else ""
    if START in text and END in text:
        text = text[:text.index(START)] + block + text[text.index(END) + len(END):]
    else:
        end = text.index("<!-- bench:end -->") + len("<!-- bench:end -->") if \
            "<!-- bench:end -->" in text else 0
        text = text[:end] + "\n\n" + block + "\n" + text[end:]
    from tflab import io

    io.write_text(RESULTS, text)
    print(f"wrote {RESULTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
