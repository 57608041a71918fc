"""`python -m tfmodels.rl CONFIG [--set key=value ...] [--out DIR] [--quiet]`: one RL run.

RL families: a2c (history.csv) and hac (episodes.csv, tests.csv, normalizer.json).
Writes runs/<config name>-<time>/ (or --out): config.json, metrics.json, model.keras,
tensorboard/ and the family's CSVs — view with `tensorboard --logdir runs/`.
"""
from __future__ import annotations

import json
import sys
import time

from configs.catalog import add_config_arguments, listed
from configs.families import all_specs
from tflab.cli import ArgumentParser, check_out_dir
from tflab.errors import UserError, main_guard

RL_FAMILIES = tuple(sorted(name for name, spec in all_specs().items()
                           if spec.cli == "tfmodels.rl"))


CLI_HELP = """Train one RL agent: A2C (an a2c config) scored on training and held-out variants,
or a hierarchical actor-critic (a hac config) on a goal task with greedy test blocks.

reads:  the config configs/CONFIG.py with --set overrides; environments come from their
        packages (a2c: gymnasium CartPole-v1, MinAtar/<Game>-v1, pip install -e '.[rl]';
        hac: panda-gym PandaReach-v3 / PandaPickAndPlace-v3, Pendulum-v1 with a goal,
        pip install -e '.[hac]')
writes: RUN_DIR (--out, default runs/CONFIG-TIME): config.json, metrics.json, model.keras,
        tensorboard/ (tensorboard --logdir runs/), and a2c: history.csv (one row per log
        interval); hac: episodes.csv, tests.csv, normalizer.json
prints: one line per log interval / test block, then the final metrics as JSON
"""

CLI_EXAMPLE = """examples:
  python -m tfmodels.rl a2c_cartpole                         # solves CartPole-v1
  python -m tfmodels.rl a2c_breakout --set total_steps=100000
  python -m tfmodels.rl hac_panda_reach                      # 2-level HAC on the Panda arm
  python -m tfmodels.rl hac_panda_reach --set levels=1       # the flat DDPG + HER baseline
  python -m tfmodels.rl --list                               # the a2c and hac configs
"""


def parse_args(argv):
    parser = ArgumentParser(prog="python -m tfmodels.rl", description=CLI_HELP,
                            epilog=CLI_EXAMPLE)
    add_config_arguments(parser, "an a2c or hac config name: a file configs/CONFIG.py (see "
                         "--list)")
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
    if listed(args, "python -m tfmodels.rl", "a2c_cartpole", families=RL_FAMILIES):
        return 0
    from configs.base import load_config
    from tfmodels.families import get_family

    if args.out is not None:  # before the config: validating it may load the environments
        check_out_dir(args.out)
    config = load_config(args.config, args.overrides)  # config errors before TF loads
    if config.family not in RL_FAMILIES:
        raise UserError(f"config {args.config!r} is family {config.family!r}, not one of "
                        f"{', '.join(RL_FAMILIES)}; use python -m tfmodels.fit {args.config}")
    run_dir = check_out_dir(args.out or f"runs/{config.name}-{time.strftime('%Y%m%d-%H%M%S')}")
    family = get_family(config.family)
    data = family.load_data(config, None)  # the environments it names: checked before TF
    from tfmodels.runtime import quiet_console

    quiet_console()
    metrics = family.train(config, data, run_dir, verbose=0 if args.quiet else 1)
    print(json.dumps({k: metrics.get(k) for k in family.cli_keys}))
    print(f"run directory: {run_dir} ({family.cli_note})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
