"""`python -m tfmodels.rl CONFIG`: one A2C run on a gymnasium / MinAtar environment."""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from configs.catalog import add_config_arguments, listed
from tflab.errors import UserError, main_guard


CLI_HELP = """Train one A2C agent (an a2c config) and score it on training and held-out variants.

reads:  the config configs/CONFIG.py with --set overrides; environments come from their
        packages (gymnasium CartPole-v1, MinAtar/<Game>-v1; pip install -e '.[rl]')
writes: RUN_DIR (--out, default runs/CONFIG-TIME): config.json, history.csv (one row per
        log interval), metrics.json, model.keras, tensorboard/ (tensorboard --logdir runs/)
prints: one line per log interval (steps/s, mean return of the last 100 episodes, eval
        returns), then the final metrics as JSON
"""

CLI_EXAMPLE = """examples:
  python -m tfmodels.rl a2c_cartpole                         # solves CartPole-v1
  python -m tfmodels.rl a2c_breakout --set total_steps=100000
  python -m tfmodels.rl --list                               # the a2c configs
"""


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="python -m tfmodels.rl", description=CLI_HELP,
                                     epilog=CLI_EXAMPLE,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    add_config_arguments(parser, "an a2c config name: a file configs/CONFIG.py (see --list)")
    parser.add_argument("--set", dest="overrides", action="append", default=[],
                        metavar="KEY=VALUE", help="override a config field (type-checked, "
                        "repeatable)")
    parser.add_argument("--out", default=None, metavar="RUN_DIR",
                        help="run directory (default runs/CONFIG-TIME)")
    parser.add_argument("--quiet", action="store_true", help="no progress lines")
    return parser.parse_args(argv)


@main_guard
def main(argv=None) -> int:
    args = parse_args(sys.argv[1:] if argv is None else argv)
    if listed(args, "python -m tfmodels.rl", "a2c_cartpole", families=("a2c",)):
        return 0
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
