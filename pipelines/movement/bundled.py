"""Data files bundled with installed packages, located without importing those packages.

deepssf (MIT; Forrest et al. 2026, Methods in Ecology and Evolution 17(2)) ships a water
buffalo track (hourly fixes, EPSG:3112) and two 25 m GeoTIFFs inside the package. Its
`__init__` imports torch, and torch must never share a process with TensorFlow, so the
folder is found from the import spec alone (`pip install --no-deps deepssf` is enough).
A path written `deepssf:FILE` names a file there.
"""
from __future__ import annotations

import importlib.util
from pathlib import Path

from tflab.errors import UserError

BUFFALO_CSV = "buffalo_djelk_id2005.csv"
NDVI_TIF = "ndvi_2005.tif"
SLOPE_TIF = "slope_2005.tif"
DATA_FILES = (BUFFALO_CSV, NDVI_TIF, SLOPE_TIF)
PREFIX = "deepssf:"


def deepssf_data_dir() -> Path | None:
    """The installed deepssf's `datasets/data` folder holding all three files, else None."""
    try:
        spec = importlib.util.find_spec("deepssf")
    except (ImportError, ValueError):
        return None
    for location in (spec.submodule_search_locations or []) if spec else []:
        folder = Path(location) / "datasets" / "data"
        if all((folder / name).is_file() for name in DATA_FILES):
            return folder
    return None


def resolve_path(text: str) -> str:
    """`deepssf:FILE` → that bundled file's path; any other path unchanged."""
    text = str(text)
    if not text.startswith(PREFIX):
        return text
    name = text[len(PREFIX):]
    folder = deepssf_data_dir()
    if folder is None:
        raise UserError(f"{text} names data bundled with the deepssf package, which is not "
                        f"installed; run pip install --no-deps deepssf, or give the file's "
                        f"path with --data / --set covariates=")
    if not (folder / name).is_file():
        raise UserError(f"deepssf has no bundled file {name!r}; it has: "
                        f"{', '.join(sorted(p.name for p in folder.iterdir()))}")
    return str(folder / name)
