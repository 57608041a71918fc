"""Zero-shot transfer to a real photograph pair: tflab network vs OpenCV StereoSGBM.

    python bench/stereo_transfer.py MODEL [MODEL ...] [--out DIR]

The real pair is the Middlebury 2014 Motorcycle scene that scikit-image bundles
(pipelines/stereo/bundled.py: 741×500, ground truth 7.2–59.9 px on 92.7 % of the pixels),
written as a Middlebury folder and scored by the `evaluate` command's own code at full
size, for every model given, next to SGBM at every blockSize the family tunes over
(3, 5, 7, 9) — the best SGBM row is the bar, chosen on this very pair (flattering SGBM).
"""
from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipelines.stereo.bundled import write_middlebury_motorcycle  # noqa: E402
from pipelines.stereo.formats import read_pairs  # noqa: E402
from tfmodels.stereo.baseline import BLOCK_SIZES  # noqa: E402
from tfmodels.stereo.evaluate import evaluate_pairs, write_scores  # noqa: E402
from tfmodels.stereo.inference import load_stereo_model, model_geometry  # noqa: E402
from tfmodels.stereo.scoring import scores_table  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("models", nargs="+")
    parser.add_argument("--out", default=None, help="scores.json/csv per model go here")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        write_middlebury_motorcycle(tmp)
        _, pairs = read_pairs(tmp, need_truth=True)
    for path in args.models:
        model = load_stereo_model(path)
        max_disparity, scale = model_geometry(model)
        for block in BLOCK_SIZES:
            rows = evaluate_pairs(model, pairs, max_disparity, block)
            if block == BLOCK_SIZES[0]:
                print(scores_table({"Motorcycle": rows["Motorcycle"]},
                                   f"{path} (max_disparity {max_disparity}, volume 1/{scale})"
                                   f" vs SGBM blockSize {block}; predict "
                                   f"{rows['Motorcycle']['seconds']:.1f} s wall"))
                if args.out:
                    write_scores(Path(args.out) / Path(path).parent.name, rows,
                                 {"model": path, "data": "skimage stereo_motorcycle"})
            else:
                r = rows["total"]
                print(f"  SGBM blockSize {block}: EPE holes filled {r['sgbm_epe']:.3f}, bad-3 "
                      f"{r['sgbm_bad3']:.1%}, D1 {r['sgbm_d1']:.1%}, density "
                      f"{r['sgbm_density']:.1%}, EPE own px {r['sgbm_epe_valid']:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
