"""`python -m tfmodels.rl CONFIG [--set key=value ...] [--out DIR] [--quiet]`: one RL run.

RL families: a2c (history.csv) and hac (episodes.csv, tests.csv, normalizer.json).
Writes runs/<config name>-<time>/ (or --out): config.json, metrics.json, model.keras,
tensorboard/ and the family's CSVs — view with `tensorboard --logdir runs/`.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from tflab.errors import UserError, main_guard

RL_FAMILIES = ("a2c", "hac")


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m tfmodels.rl", description=__doc__)
    parser.add_argument("config", help="config name in configs/, e.g. a2c_cartpole")
    parser.add_argument("--set", dest="overrides", action="append", default=[],
                        metavar="KEY=VALUE", help="override a config field (repeatable)")
    parser.add_argument("--out", default=None, help="run directory (default runs/NAME-TIME)")
    parser.add_argument("--quiet", action="store_true", help="no progress lines")
    return parser.parse_args(argv)


@main_guard
def main(argv=None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    from configs.base import load_config
    from tfmodels.families import get_family

    config = load_config(args.config, args.overrides)  # config errors before TF loads
    from tfmodels.runtime import quiet_console

    quiet_console()
    if config.family not in RL_FAMILIES:
        raise UserError(f"config {args.config!r} is family {config.family!r}, not one of "
                        f"{', '.join(RL_FAMILIES)}; use python -m tfmodels.fit {args.config}")
    run_dir = Path(args.out or f"runs/{config.name}-{time.strftime('%Y%m%d-%H%M%S')}")
    family = get_family(config.family)
    metrics = family.train(config, None, run_dir, verbose=0 if args.quiet else 1)
    print(json.dumps({k: metrics.get(k) for k in family.cli_keys}))
    print(f"run directory: {run_dir} ({family.cli_note})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
