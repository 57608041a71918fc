"""Generate catanatron games into a TFDS data dir: `python -m pipelines.catan --games 2000`.

The games' settings come from a config, so a fit with the same settings finds exactly these
games instead of generating new ones (see `CLI_HELP`).
"""
from __future__ import annotations

import sys

from configs.base import load_config
from tflab.cli import ArgumentParser, check_out_dir, int_at_least
from tflab.errors import UserError, main_guard
from configs.families.catan import SPEC as CATAN

CLI_HELP = """Play catanatron games between 4 fixed bots and store every tick for training.

reads:  the game settings (bots, first seed, tick cap, validation share) of --config
        (default catan_resnet18) with --set overrides; needs pip install -e '.[catan]'
writes: a TFDS dataset (one example per game, split by game) under --out (default
        $TFLAB_DATA_DIR or ~/.cache/tflab/tfds); games already there are reused
prints: one line per game (a bar with time left on a terminal), then games/s and ticks/s
        (wall clock of play + encoding, process start-up included) and the splits
Then python -m tfmodels.fit catan_resnet18 --data DIR --set n_games=N trains on them.
"""

CLI_EXAMPLE = """example:
  python -m pipelines.catan --games 200 --out data/catan --workers 2
"""


def build_parser() -> ArgumentParser:
    parser = ArgumentParser(prog="python -m pipelines.catan", description=CLI_HELP,
                            epilog=CLI_EXAMPLE)
    parser.add_argument("--games", type=int_at_least(2), default=None,
                        help="number of games, at least 2: one is held out for validation "
                        "(default: the config's n_games)")
    parser.add_argument("--out", default=None, metavar="DIR",
                        help="TFDS data dir (default $TFLAB_DATA_DIR or ~/.cache/tflab/tfds)")
    parser.add_argument("--config", default="catan_resnet18",
                        help="config whose bots / seed_start / max_ticks / val_fraction to use")
    parser.add_argument("--set", dest="overrides", action="append", default=[],
                        metavar="KEY=VALUE", help="override a config field, e.g. max_ticks=300")
    parser.add_argument("--workers", type=int_at_least(1), default=2,
                        help="game processes (default 2)")
    return parser


@main_guard
def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    CATAN.require()  # before catanatron is imported: a missing extra is one line
    from pipelines.catan.builder import games_config, prepare

    overrides = list(args.overrides)
    if args.games is not None:
        overrides.append(f"n_games={args.games}")
    config = load_config(args.config, overrides)
    if config.family != "catan":
        raise UserError(f"config {args.config!r} is not a catan config")
    if args.out is not None:
        check_out_dir(args.out)
    games = games_config(config.bots, config.seed_start, config.n_games, config.max_ticks,
                         config.val_fraction, args.workers)
    builder = prepare(games, args.out)
    stats = builder.stats
    if stats["games"]:
        seconds = stats["seconds"]
        print(f"generated {stats['games']} games ({stats['ticks']} ticks) in {seconds:.1f} s "
              f"with {args.workers} processes: {stats['games'] / seconds:.2f} games/s, "
              f"{stats['ticks'] / seconds:.0f} ticks/s (wall clock of game play + encoding, "
              f"process start-up included)")
    else:
        print(f"reused {config.n_games} games already on disk (nothing generated)")
    print(f"{builder.data_path}  splits: "
          + ", ".join(f"{k}={v.num_examples} games" for k, v in builder.info.splits.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
