"""Readers for the field's stereo data sets, recognised by their directory layout.

    middlebury  SCENE/im0.png, im1.png, disp0.pfm (inf = no ground truth), calib.txt —
                one scene, or a folder of scene folders (Middlebury 2014/2021, ETH3D's
                two-view set uses the same names)
    kitti       image_2/ image_3/ disp_occ_0/ (2015) or colored_0/ colored_1/ disp_occ/
                (2012; image_0/ image_1/ for grey): 16-bit PNG, disparity = value / 256,
                0 = no ground truth (sparse LiDAR); pairs are the frames *_10.png
    sceneflow   left/ right/ disparity/*.pfm, or the original trees
                frames_cleanpass|frames_finalpass/…/left/NNNN.png + disparity/…/left/NNNN.pfm
                (PFM rows bottom-up, negative scale: pipelines/stereo/pfm.py)
    captures    left/ right/ disparity/*.npy (px) or depth/*.npy (m) + calib.npz

`read_pairs(root, data_format="")` recognises the layout (or takes `--set data_format=`)
and returns every pair at its own size with ground truth where the set has it; a folder
without ground truth (KITTI's testing split, or left/ + right/ alone) reads for `predict`.
Invalid pixels (inf, nan, KITTI's 0) are masked: `valid` False, disparity 0.
"""
from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from pipelines.stereo.calibration import load_calibration
from pipelines.stereo.captures import (IMAGE_SUFFIXES, check_same_size, files_by_stem,
                                       read_capture_pairs, read_image)
from pipelines.stereo.pfm import read_pfm
from pipelines.stereo.splits import StereoPair
from tflab.errors import UserError

FORMATS = ("middlebury", "kitti", "sceneflow", "captures")
KITTI_LAYOUTS = (("image_2", "image_3", ("disp_occ_0", "disp_noc_0")),
                 ("colored_0", "colored_1", ("disp_occ", "disp_noc")),
                 ("image_0", "image_1", ("disp_occ", "disp_noc")))
SCENEFLOW_FRAMES = ("frames_cleanpass", "frames_finalpass")


def masked_truth(disparity: np.ndarray, invalid_zero: bool = False):
    """(disparity with 0 at invalid pixels, valid mask): inf/nan/negative (and 0) invalid."""
    disparity = np.asarray(disparity, np.float32)
    valid = np.isfinite(disparity) & (disparity >= 0)
    if invalid_zero:
        valid &= disparity > 0
    return np.where(valid, disparity, 0.0).astype(np.float32), valid


def _pair(name, left_path, right_path, truth_path=None, read_truth=None,
          calibration=None) -> StereoPair:
    left, right = read_image(left_path), read_image(right_path)
    check_same_size(left, right, left_path, right_path)
    if truth_path is None:
        return StereoPair(name, left, right, calibration=calibration)
    disparity, valid = read_truth(truth_path)
    check_same_size(left, disparity, left_path, truth_path)
    return StereoPair(name, left, right, disparity, valid, calibration)


def _read_pfm_truth(path: Path):
    """A PFM disparity map; inf/nan = no ground truth. SceneFlow's left-view disparities
    are positive px; |d| also accepts files written with the opposite sign convention."""
    return masked_truth(np.abs(read_pfm(path)))


# -- Middlebury ---------------------------------------------------------------------------
def _middlebury_scenes(root: Path) -> list[Path]:
    if (root / "im0.png").is_file():
        return [root]
    return sorted(p for p in root.iterdir() if p.is_dir() and (p / "im0.png").is_file())


def read_middlebury(root: Path, calib=None) -> list[StereoPair]:
    pairs = []
    for scene in _middlebury_scenes(root):
        calib_file = Path(calib) if calib else scene / "calib.txt"
        calibration = load_calibration(calib_file) if calib_file.is_file() or calib else None
        truth_file = next((scene / n for n in ("disp0.pfm", "disp0GT.pfm")
                           if (scene / n).is_file()), None)
        pairs.append(_pair(scene.name, scene / "im0.png", scene / "im1.png", truth_file,
                           _read_pfm_truth, calibration))
    return pairs


# -- KITTI ----------------------------------------------------------------------------------
def _kitti_layout(root: Path):
    for left, right, truths in KITTI_LAYOUTS:
        if (root / left).is_dir() and (root / right).is_dir():
            truth = next((root / t for t in truths if (root / t).is_dir()), None)
            return root / left, root / right, truth
    return None


def read_kitti_disparity(path: Path) -> tuple[np.ndarray, np.ndarray]:
    """16-bit PNG / 256 → px; 0 = no ground truth."""
    raw = cv2.imread(str(path), cv2.IMREAD_UNCHANGED)
    if raw is None or raw.dtype != np.uint16 or raw.ndim != 2:
        raise UserError(f"{path} is not a KITTI disparity map (16-bit single-channel PNG, "
                        f"value / 256 = px, 0 = invalid)")
    return masked_truth(raw.astype(np.float32) / 256.0, invalid_zero=True)


def read_kitti(root: Path, calib=None) -> list[StereoPair]:
    left_dir, right_dir, truth_dir = _kitti_layout(root)
    calibration = load_calibration(calib) if calib else None
    lefts = {stem: p for stem, p in files_by_stem(left_dir, {".png"}).items()
             if stem.endswith("_10")}
    rights = files_by_stem(right_dir, {".png"})
    truths = files_by_stem(truth_dir, {".png"}) if truth_dir else {}
    pairs = []
    for stem in sorted(lefts):
        if stem not in rights:
            raise UserError(f"{lefts[stem]} has no match in {right_dir}/ (KITTI pairs are "
                            f"matched by name, e.g. {stem}.png in both)")
        pairs.append(_pair(stem, lefts[stem], rights[stem], truths.get(stem),
                           read_kitti_disparity, calibration))
    return pairs


# -- SceneFlow ------------------------------------------------------------------------------
def _sceneflow_triples(root: Path):
    """(name, left png, right png, disparity pfm) in either SceneFlow layout."""
    frames = next((root / f for f in SCENEFLOW_FRAMES if (root / f).is_dir()), None)
    if frames is None:  # flat: left/ right/ disparity/*.pfm
        truths = files_by_stem(root / "disparity", {".pfm"})
        lefts = files_by_stem(root / "left", IMAGE_SUFFIXES)
        for stem in sorted(lefts):
            yield stem, lefts[stem], root / "right" / lefts[stem].name, truths.get(stem)
        return
    for left in sorted(frames.rglob("left/*.png")):
        rel = left.relative_to(frames)
        truth = (root / "disparity" / rel).with_suffix(".pfm")
        yield ("_".join(rel.with_suffix("").parts), left,
               left.parent.parent / "right" / left.name, truth if truth.is_file() else None)


def read_sceneflow(root: Path, calib=None) -> list[StereoPair]:
    calibration = load_calibration(calib) if calib else None
    pairs = []
    for name, left, right, truth in _sceneflow_triples(root):
        if not right.is_file():
            raise UserError(f"{left} has no right view {right}; SceneFlow pairs share the "
                            f"file name under left/ and right/")
        pairs.append(_pair(name, left, right, truth, _read_pfm_truth, calibration))
    return pairs


# -- recognising a layout -------------------------------------------------------------------
def recognise(root: Path) -> str:
    """The format of a --data directory, or a UserError listing the layouts it knows."""
    if not root.is_dir():
        raise UserError(f"data directory {root} not found")
    if _middlebury_scenes(root):
        return "middlebury"
    if _kitti_layout(root):
        return "kitti"
    if any((root / f).is_dir() for f in SCENEFLOW_FRAMES) or (
            (root / "left").is_dir() and any((root / "disparity").glob("*.pfm"))):
        return "sceneflow"
    if (root / "left").is_dir() and (root / "right").is_dir():
        return "captures"
    raise UserError(f"{root}: no stereo layout recognised; expected Middlebury (im0.png, "
                    f"im1.png), KITTI (image_2/, image_3/), SceneFlow (left/, right/, "
                    f"disparity/*.pfm) or captures (left/, right/, disparity|depth/*.npy); "
                    f"or name it with --set data_format=...")


def _read_unlabelled(root: Path, calib=None) -> list[StereoPair]:
    """left/ + right/ only: pairs to predict on."""
    calibration = load_calibration(calib) if calib else None
    lefts = files_by_stem(root / "left", IMAGE_SUFFIXES)
    rights = files_by_stem(root / "right", IMAGE_SUFFIXES)
    missing = sorted(set(lefts) - set(rights))
    if missing:
        raise UserError(f"{lefts[missing[0]]} has no match in {root / 'right'}/ (pairs are "
                        f"matched by name)")
    return [_pair(stem, lefts[stem], rights[stem], calibration=calibration)
            for stem in sorted(lefts)]


def _read_captures(root: Path, calib=None) -> list[StereoPair]:
    if not ((root / "disparity").is_dir() or (root / "depth").is_dir()):
        return _read_unlabelled(root, calib)
    return read_capture_pairs(root, calib)


READERS = {"middlebury": read_middlebury, "kitti": read_kitti,
           "sceneflow": read_sceneflow, "captures": _read_captures}


def read_pairs(root: str | Path, data_format: str = "", calib=None,
               need_truth: bool = False) -> tuple[str, list[StereoPair]]:
    """(format, pairs) of a data directory; `need_truth` refuses pairs without ground truth."""
    root = Path(root)
    if data_format and data_format not in FORMATS:
        raise UserError(f"data_format must be one of {', '.join(FORMATS)} (or empty to "
                        f"recognise the layout); got {data_format!r}")
    data_format = data_format or recognise(root)
    pairs = READERS[data_format](root, calib)
    if not pairs:
        raise UserError(f"{root} holds no {data_format} pairs; check the layout or "
                        f"--set data_format=")
    if need_truth:
        bare = [p.name for p in pairs if not p.has_truth]
        if bare:
            raise UserError(f"{root}: {len(bare)} of {len(pairs)} pairs have no ground truth "
                            f"(first: {bare[0]}); evaluate needs disparity for every pair")
    return data_format, pairs
