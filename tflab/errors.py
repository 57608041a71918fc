"""User-facing errors and the one CLI wrapper that turns them into a clean exit.

Researchers run grids overnight; a typo in a column name must cost them one readable line,
not a 60-line TensorFlow traceback. Every check that can blame the *input* (a file, a
column, a config key, a value) raises `UserError` with a message that names the problem
and the fix. `main_guard` prints that message on stderr and exits with status 2.
Anything else is a bug in tflab and keeps its traceback.
"""
from __future__ import annotations

import functools
import sys
from typing import Callable

USER_ERROR_EXIT = 2


class UserError(Exception):
    """A problem with the user's input: one line, naming the problem and the fix."""


def main_guard(main: Callable[..., int | None]) -> Callable[..., int]:
    """Decorate a CLI `main(argv)` so `UserError` becomes `tflab: error: ...` + exit 2."""

    @functools.wraps(main)
    def wrapper(*args, **kwargs) -> int:
        try:
            code = main(*args, **kwargs)
        except UserError as err:
            message = " ".join(str(err).split())  # exactly one line
            print(f"tflab: error: {message}", file=sys.stderr)
            return USER_ERROR_EXIT
        return 0 if code is None else int(code)

    return wrapper
