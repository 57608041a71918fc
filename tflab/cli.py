"""The argument parser every tflab command uses, and checks for its arguments.

argparse reports a bad argument with the whole usage block and its own prefix; a tflab
command owes the user one line, `tflab: error: <problem>; <fix>`, exit 2 (tflab/errors.py).
`ArgumentParser` turns argparse's own errors (a type that does not parse, a missing or
unknown argument) into that `UserError`, while `--help` keeps the full usage. The value
checks below run as argparse types or right after parsing, before any data, TensorFlow or
compute is touched, so a bad value never costs a run and never leaves a file behind.
"""
from __future__ import annotations

import argparse
import math
from pathlib import Path

from tflab.errors import UserError


class ArgumentParser(argparse.ArgumentParser):
    """argparse with one-line errors: `tflab: error: ...; see PROG --help`, exit 2.

    Parse inside a `main_guard`-ed `main`, which prints the `UserError`. The description
    and epilog keep their own line breaks (each command's help is a hand-laid
    "reads / writes / prints" card with examples).
    """

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", argparse.RawDescriptionHelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str):
        raise UserError(f"{message}; see {self.prog} --help")


def _number(kind, text: str, what: str):
    try:
        value = kind(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}") from None
    if isinstance(value, float) and not math.isfinite(value):
        raise argparse.ArgumentTypeError(f"expected {what}, got {text!r}")
    return value


def int_at_least(low: int):
    """argparse type: an integer >= `low`."""
    def parse(text: str) -> int:
        value = _number(int, text, f"an integer >= {low}")
        if value < low:
            raise argparse.ArgumentTypeError(f"expected an integer >= {low}, got {value}")
        return value

    parse.__name__ = f"integer >= {low}"
    return parse


def float_at_least(low: float, *, strict: bool = False, high: float | None = None):
    """argparse type: a finite float >= `low` (> with `strict`), below `high` if given."""
    bound = f"{'>' if strict else '>='} {low:g}" + (f" and < {high:g}" if high is not None else "")
    what = f"a number {bound}"

    def parse(text: str) -> float:
        value = _number(float, text, what)
        if value < low or (strict and value == low) or (high is not None and value >= high):
            raise argparse.ArgumentTypeError(f"expected {what}, got {text}")
        return value

    parse.__name__ = f"number {bound}"
    return parse


def _first_existing(path: Path) -> Path:
    for candidate in (path, *path.parents):
        if candidate.exists():
            return candidate
    return Path(".")


def check_out_dir(path: str | Path, flag: str = "--out") -> Path:
    """An output directory: it may exist (its files are replaced), but must not be a file,
    and the nearest existing folder above it must be a folder."""
    path = Path(path)
    existing = _first_existing(path)
    if not existing.is_dir():
        what = "is a file" if existing == path else f"lies under the file {existing}"
        raise UserError(f"{flag} {path} {what}, not a directory; give a directory path "
                        f"(a new or existing folder)")
    return path


def check_out_file(path: str | Path, flag: str = "--out") -> Path:
    """An output file: it may exist (it is replaced), but must not be a directory, and its
    folder must be creatable."""
    path = Path(path)
    if path.is_dir():
        raise UserError(f"{flag} {path} is a directory; give a file path, e.g. "
                        f"{path / 'out.csv'}")
    existing = _first_existing(path.parent)
    if not existing.is_dir():
        raise UserError(f"{flag} {path} lies under the file {existing}, not a folder; give "
                        f"a file path inside a folder")
    return path
