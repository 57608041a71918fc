"""Which optional install (`pip install -e '.[x]'`) each model family needs, and the check.

The core install is what the main job (the mimic grid) needs; each other family's
simulators come with its extra, so a movement ecologist does not install a board game and
two RL suites. A family CLI calls `require_family` before importing the family's code, so
a missing package costs one line naming the extra to install, not an ImportError traceback.
"""
from __future__ import annotations

import importlib.util

from tflab.errors import UserError

# family -> (extra in setup.cfg, the modules that extra installs). "" = the core install.
FAMILY_EXTRAS: dict[str, tuple[str, tuple[str, ...]]] = {
    "mimic": ("", ()),
    "catan": ("catan", ("catanatron", "catanatron_gym")),
    "a2c": ("rl", ("minatar", "gymnasium")),
    "stereo": ("stereo", ("cv2", "scipy")),
    "hac": ("hac", ("panda_gym", "pybullet", "gymnasium_robotics", "mujoco", "gymnasium")),
}


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


def require_family(family: str) -> None:
    """Raise a one-line `UserError` naming the extra to install if `family` lacks a module."""
    extra, modules = FAMILY_EXTRAS.get(family, ("", ()))
    missing = missing_modules(modules)
    if missing:
        raise UserError(f"the {family} family needs {', '.join(missing)}, which is not "
                        f"installed; run pip install -e '.[{extra}]' in the tflab checkout")
