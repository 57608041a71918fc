"""Finding optional packages without importing them.

The core install is what the main job (the mimic grid) needs; each other family's packages
come with its extra (declared in its `configs/families/NAME.py` spec), so a movement
ecologist does not install a board game and two RL suites. Checking with `find_spec`
imports nothing, so a missing package costs one line naming the extra, not a traceback.
"""
from __future__ import annotations

import importlib.util

from tflab.errors import UserError

def missing_modules(modules: tuple[str, ...]) -> list[str]:
    """The modules of `modules` that cannot be imported here (found without importing)."""
    missing = []
    for name in modules:
        try:
            found = importlib.util.find_spec(name) is not None
        except (ImportError, ValueError):  # a parent package missing, or a broken entry
            found = False
        if not found:
            missing.append(name)
    return missing
