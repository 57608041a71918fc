"""The example data bundled with the PyPI package deepssf, located without importing it.

deepssf (MIT; Forrest et al. 2026, Methods in Ecology and Evolution 17(2)) ships a water
buffalo track and two 25 m GeoTIFFs inside the package. Its `__init__` imports torch,
and torch must never share a process with TensorFlow, so the folder is found from the
import spec alone (`pip install --no-deps deepssf` is enough).
"""
from __future__ import annotations

import importlib.util
from pathlib import Path

BUFFALO_CSV = "buffalo_djelk_id2005.csv"
NDVI_TIF = "ndvi_2005.tif"
SLOPE_TIF = "slope_2005.tif"
DATA_FILES = (BUFFALO_CSV, NDVI_TIF, SLOPE_TIF)


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
