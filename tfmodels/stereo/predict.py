"""Run a trained stereo network on new pairs at their full size.

    python -m tfmodels.stereo.predict MODEL LEFT RIGHT [--calib calib.npz|calib.txt] --out OUT
    python -m tfmodels.stereo.predict MODEL DIR [--set data_format=...] [--calib F] --out OUT
        [--vflip] [--lr-check PX] [--median K] [--ensemble MODEL]

One pair (two image files) or every pair of a directory in any layout `evaluate` reads
(ground truth not needed). For each pair, OUT gets NAME_disparity.pfm/.npy/.png and, with a
calibration (given, or the data set's own, e.g. Middlebury calib.txt), NAME_depth.npy/.pfm
in metres (tfmodels.stereo.outputs). The test-time options (vertical-flip average,
left-right check with occlusion fill, median, averaged networks) are the same as
`evaluate`'s (tfmodels/stereo/options.py).
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

from tflab.cli import ArgumentParser, check_out_dir
from tflab.errors import UserError, main_guard


def _single_pair(left: str, right: str, calib):
    from pipelines.stereo.calibration import load_calibration
    from pipelines.stereo.captures import check_same_size, read_image
    from pipelines.stereo.splits import StereoPair

    for path in (left, right):
        if not Path(path).is_file():
            raise UserError(f"image {path} not found; give LEFT and RIGHT image files, or one "
                            f"directory of pairs")
    left_image, right_image = read_image(Path(left)), read_image(Path(right))
    check_same_size(left_image, right_image, Path(left), Path(right))
    calibration = load_calibration(calib) if calib else None
    return [StereoPair(Path(left).stem, left_image, right_image, calibration=calibration)]


PREDICT_HELP = """Run a trained stereo network on new pairs at their full size.

reads:  MODEL (model.keras of a stereo run); LEFT RIGHT images, or a directory of pairs in a
        Middlebury, KITTI, SceneFlow or captures layout; --calib calib.npz / calib.txt
writes: OUT/NAME_disparity.pfm and .npy (pixels), NAME_disparity.png (colour map with a
        colour bar) and, with a calibration, NAME_depth.npy / .pfm: metres, Z = f·B/(d + doffs)
prints: one line per pair with its size and disparity range
"""

PREDICT_EXAMPLE = """examples:
  python -m tfmodels.stereo.predict runs/rich/model.keras left.png right.png --out out/
  python -m tfmodels.stereo.predict runs/rich/model.keras my_pairs/ --calib calib.npz --out out/
"""


@main_guard
def main(argv=None) -> int:
    from tfmodels.stereo.cli_args import (add_data_options, add_inference_options,
                                          check_model_files, inference_options, read_data)

    parser = ArgumentParser(prog="python -m tfmodels.stereo.predict",
                            description=PREDICT_HELP, epilog=PREDICT_EXAMPLE)
    parser.add_argument("model", help="model.keras written by a stereo run")
    parser.add_argument("inputs", nargs="+", metavar="LEFT RIGHT | DIR",
                        help="a left and a right image, or a directory of pairs")
    parser.add_argument("--out", required=True, help="output directory")
    add_data_options(parser)
    add_inference_options(parser)
    args = parser.parse_args(argv)
    options = inference_options(args)
    out = check_out_dir(args.out)
    check_model_files([args.model, *args.ensemble])
    if len(args.inputs) == 2:
        if args.set:
            raise UserError("--set data_format applies to a directory of pairs, not to "
                            "two image files")
        pairs = _single_pair(*args.inputs, args.calib)
    elif len(args.inputs) == 1:
        _, pairs = read_data(args.inputs[0], args, need_truth=False)
    else:
        raise UserError(f"expected LEFT RIGHT or one DIR after the model, got "
                        f"{len(args.inputs)} paths")
    from tfmodels.stereo.inference import load_stereo_models, model_geometry, predict_pair
    from tfmodels.stereo.outputs import write_prediction

    models = load_stereo_models([args.model, *args.ensemble])
    max_disparity, volume_scale = model_geometry(models[0])
    for pair in pairs:
        start = time.perf_counter()
        disparity = predict_pair(models, pair.left, pair.right, options)
        seconds = time.perf_counter() - start
        written = write_prediction(out, pair.name, disparity, max_disparity, pair.calibration)
        height, width = disparity.shape
        print(f"{pair.name}: {width}x{height}, disparity {disparity.min():.1f}..."
              f"{disparity.max():.1f} px (network range 0..{max_disparity}, cost volume "
              f"1/{volume_scale}; {options.describe()}), {seconds:.2f} s wall -> "
              f"{', '.join(p.name for p in written)}")
    print(f"wrote {len(pairs)} pair(s) to {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
