"""Choose the census network's inference window on synthetic validation pairs, never on a real pair.

    python bench/stereo_census_window.py runs/census/model.keras [--windows 0 2 4 8]

Rebuilds the trained network with SoftArgmax(window=w) for every w (no weight changes: the
window only alters inference) and scores the `rich` validation split the run was
validated on (the data config is read from the run's config.json) with the family's
masked metrics: EPE, bad-1/2/3 over the valid pixels.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import keras  # noqa: E402

from pipelines.stereo.crops import limit_disparity  # noqa: E402
from pipelines.stereo.synthetic import load_synthetic  # noqa: E402
from tfmodels.stereo.evaluate import predict_disparity  # noqa: E402
from tfmodels.stereo.inference import load_stereo_model  # noqa: E402
from tfmodels.stereo.losses import disparity_errors  # noqa: E402


def with_window(model: keras.Model, window: int) -> keras.Model:
    """The same network and weights, its soft-argmax restricted to ±window bins in inference."""
    config = model.get_config()
    for layer in config["layers"]:
        if layer["config"]["name"] == "soft_argmax":
            layer["config"]["window"] = int(window)
    rebuilt = keras.Model.from_config(config)
    rebuilt.set_weights(model.get_weights())
    return rebuilt


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("model")
    parser.add_argument("--windows", type=int, nargs="+", default=[0, 2, 4, 8])
    args = parser.parse_args(argv)
    run = json.loads((Path(args.model).parent / "config.json").read_text())
    data = load_synthetic(run["domain"], run["image_height"], run["image_width"],
                          run["max_disparity"], run["n_train"], run["n_val"], run["n_test"],
                          run["data_seed"])
    val, beyond = limit_disparity(data.validation, run["max_disparity"])
    model = load_stereo_model(args.model)
    print(f"{args.model} on {len(val)} validation pairs of {data.source} ({beyond} px beyond "
          f"max_disparity masked); pixel means over valid pixels")
    for window in args.windows:
        start = time.process_time()
        scores = disparity_errors(predict_disparity(with_window(model, window), val, 4),
                                  val.disparity, val.valid)
        print(f"window {window}: EPE {scores['epe']:.3f}  bad-1 {scores['bad1']:.1%}  bad-2 "
              f"{scores['bad2']:.1%}  bad-3 {scores['bad3']:.1%}  "
              f"({time.process_time() - start:.0f} CPU-s)", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
