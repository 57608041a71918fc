"""Zero-shot transfer to a real photograph pair: tflab network vs OpenCV StereoSGBM.

    python bench/stereo_transfer.py MODEL[+MODEL...] [MODEL ...] [--out DIR]
        [--vflip] [--lr-check PX] [--median K]

The real pair is the Middlebury 2014 Motorcycle scene that scikit-image bundles
(pipelines/stereo/bundled.py: 741×500, ground truth 7.2–59.9 px on 92.7 % of the pixels),
written as a Middlebury folder and scored by the `evaluate` command's own code at full
size, for every model given, next to SGBM at every blockSize the family tunes over
(3, 5, 7, 9) — the best SGBM row is the bar, chosen on this very pair (flattering SGBM).
`a.keras+b.keras` scores the average of the networks; the test-time options are
`evaluate`'s (tfmodels/stereo/options.py), with the same defaults. The network is run once
per model argument and its one map is scored against every SGBM blockSize.
"""
from __future__ import annotations

import argparse
import dataclasses
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pipelines.stereo.bundled import write_middlebury_motorcycle  # noqa: E402
from pipelines.stereo.formats import read_pairs  # noqa: E402
from tfmodels.stereo.baseline import BLOCK_SIZES  # noqa: E402
from tfmodels.stereo.cli_args import add_inference_options, inference_options  # noqa: E402
from tfmodels.stereo.evaluate import write_scores  # noqa: E402
from tfmodels.stereo.inference import load_stereo_models, model_geometry  # noqa: E402
from tfmodels.stereo.inference import predict_pair  # noqa: E402
from tfmodels.stereo.scoring import PairScorer, scores_table  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("models", nargs="+", help="model.keras, or a+b+... to average")
    parser.add_argument("--out", default=None, help="scores.json/csv per model go here")
    add_inference_options(parser)
    args = parser.parse_args(argv)
    options = inference_options(args)
    with tempfile.TemporaryDirectory() as tmp:
        write_middlebury_motorcycle(tmp)
        _, pairs = read_pairs(tmp, need_truth=True)
    (pair,) = pairs
    for spec in args.models:
        models = load_stereo_models(spec.split("+"))
        max_disparity, scale = model_geometry(models[0])
        start = time.perf_counter()
        prediction = predict_pair(models, pair.left, pair.right, options)
        seconds = time.perf_counter() - start
        for block in BLOCK_SIZES:
            scorer = PairScorer(max_disparity, block)
            rows = {pair.name: scorer.score(pair.left, pair.right, prediction, pair.disparity,
                                            pair.valid)}
            rows["total"] = scorer.total()
            if block == BLOCK_SIZES[0]:
                print(scores_table({pair.name: rows[pair.name]},
                                   f"{spec} (max_disparity {max_disparity}, volume 1/{scale}; "
                                   f"{options.describe()}) vs SGBM blockSize {block}; predict "
                                   f"{seconds:.1f} s wall"))
                if args.out:
                    name = "+".join(Path(p).parent.name for p in spec.split("+"))
                    write_scores(Path(args.out) / name, rows,
                                 {"model": spec, "data": "skimage stereo_motorcycle",
                                  "inference": dataclasses.asdict(options)})
            else:
                r = rows["total"]
                print(f"  SGBM blockSize {block}: EPE holes filled {r['sgbm_epe']:.3f}, bad-3 "
                      f"{r['sgbm_bad3']:.1%}, D1 {r['sgbm_d1']:.1%}, density "
                      f"{r['sgbm_density']:.1%}, EPE own px {r['sgbm_epe_valid']:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
