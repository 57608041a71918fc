"""Family config schemas, one module each, and the registry of their `SPEC`s (the folder)."""
from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

from configs.families.spec import FamilySpec
from tflab.errors import UserError

_NOT_FAMILIES = ("spec",)


def all_specs() -> dict[str, FamilySpec]:
    """name → spec of every family module in this folder (found by name, like configs)."""
    specs = {}
    for info in pkgutil.iter_modules([str(Path(__file__).resolve().parent)]):
        if info.name.startswith("_") or info.name in _NOT_FAMILIES:
            continue
        spec = importlib.import_module(f"{__name__}.{info.name}").SPEC
        specs[spec.name] = spec
    return specs


def family_spec(name: str) -> FamilySpec:
    specs = all_specs()
    if name not in specs:
        raise UserError(f"unknown family {name!r}; known families: {', '.join(sorted(specs))}")
    return specs[name]
