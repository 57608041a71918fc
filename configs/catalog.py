"""The list of configs a CLI prints for `--list`: name, family, grid size, description.

The description is the first line of the config file's docstring, so a config documents
itself in one place. Listing imports each config file and calls `get_config()` (plain
dataclasses, no TensorFlow, no validation), so it is instant and works on a core install.
"""
from __future__ import annotations

import ast
import math

from configs.base import CONFIG_DIR, known_config_names, unvalidated_config
from tflab.errors import UserError


def description(name: str) -> str:
    """First line of `configs/NAME.py`'s docstring (read without importing it)."""
    source = (CONFIG_DIR / f"{name}.py").read_text(encoding="utf-8")
    docstring = ast.get_docstring(ast.parse(source)) or ""
    first = docstring.strip().splitlines()[0] if docstring.strip() else "(no description)"
    return first.removeprefix(f"{name}:").strip()


def grid_size(grid: dict) -> int:
    return math.prod(len(values) for values in grid.values()) if grid else 0


def format_list(families: tuple[str, ...] | None = None) -> str:
    """One line per config (of `families`, or all): name, family, trials, description."""
    rows = []
    for name in known_config_names():
        config = unvalidated_config(name)
        if families is not None and config.family not in families:
            continue
        size = grid_size(config.grid)
        rows.append((name, config.family, f"{size} trials" if size else "one fit",
                     description(name)))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    return "\n".join(f"{n:<{widths[0]}}  {f:<{widths[1]}}  {g:<{widths[2]}}  {d}"
                     for n, f, g, d in rows)


def add_config_arguments(parser, help_config: str) -> None:
    """The `CONFIG` positional (optional with `--list`) and the `--list` flag of a CLI."""
    parser.add_argument("config", nargs="?", help=help_config)
    parser.add_argument("--list", action="store_true",
                        help="print every config with its one-line description, then exit")


def add_run_arguments(parser, *, out_metavar: str, out_help: str, set_help: str) -> None:
    """`--data`, `--out` and `--set` as every training CLI spells them."""
    parser.add_argument("--data", default=None, metavar="PATH",
                        help="input data (default: the config's built-in simulator)")
    parser.add_argument("--out", default=None, metavar=out_metavar, help=out_help)
    parser.add_argument("--set", dest="overrides", action="append", default=[],
                        metavar="KEY=VALUE", help=set_help)


def listed(args, prog: str, example: str, families: tuple[str, ...] | None = None) -> bool:
    """Print the list and return True for `--list`; a missing CONFIG is a one-line error."""
    if args.list:
        print(format_list(families))
        return True
    if args.config is None:
        raise UserError(f"give a config name, e.g. {prog} {example}; {prog} --list shows them")
    return False
