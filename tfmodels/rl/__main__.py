"""`python -m tfmodels.rl CONFIG [--set key=value ...] [--out DIR] [--quiet]`: one A2C run.

Writes runs/<config name>-<time>/ (or --out): config.json, history.csv, metrics.json,
model.keras, tensorboard/ — view with `tensorboard --logdir runs/`.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from tflab.errors import UserError, main_guard


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
    if config.family != "a2c":
        raise UserError(f"config {args.config!r} is family {config.family!r}, not a2c; "
                        f"use python -m tfmodels.fit {args.config}")
    run_dir = Path(args.out or f"runs/{config.name}-{time.strftime('%Y%m%d-%H%M%S')}")
    metrics = get_family("a2c").train(config, None, run_dir, verbose=0 if args.quiet else 1)
    keys = ("eval_return_train", "eval_return_heldout", "ep_return_mean100", "steps_to_solve",
            "steps_per_sec_overall")
    print(json.dumps({k: metrics.get(k) for k in keys}))
    print(f"run directory: {run_dir} (eval_return_*: mean return of eval episodes per "
          f"variant with the normaliser frozen; ep_return_mean100: last 100 training episodes)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
