"""Do paths simulated from a trained mimic run move like the simulator's fish?

    python bench/mimic_simulate_check.py RUN_DIR --out DIR [--days 200] [--seed 0]

Writes the simulator's own tracks (the run's `simulator_config`, same seed as its TFDS
data), simulates the same animals from the same first fixes with the run's model and with
the simulator's true model (`tfmodels.mimic.simulate`, `--truth`), and prints one markdown
row per source: steps, stay-put share, mean move and the step-distance shares, all measured
the same way (consecutive fixes, great-circle km between cell centres).
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("run_dir", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--days", type=int, default=200)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    from pipelines.movement.simulator import simulate
    from pipelines.movement.simulator.builder import builder_config
    from tflab import io
    from tfmodels.mimic import simulate as cli

    config = io.read_json(args.run_dir / "config.json")
    tracks, _, _ = simulate(builder_config(config["simulator_config"]).spec())
    args.out.mkdir(parents=True, exist_ok=True)
    observed = args.out / "observed_tracks.csv"
    io.write_csv(observed, tracks)
    rows = []
    for name, extra in (("model", []), ("truth", ["--truth"])):
        out = args.out / f"sim_{name}.csv"
        code = cli.main([str(args.run_dir), "--start", str(observed), "--days", str(args.days),
                         "--seed", str(args.seed), "--out", str(out), *extra])
        if code:
            return code
        summary = json.loads(Path(str(out.with_suffix("")) + "_summary.json").read_text())
        rows.append((f"simulated from the {name}", summary["simulated"]))
    rows.insert(0, ("simulator's own tracks", summary["start_tracks"]))
    labels = cli.STEP_LABELS
    print("| tracks | steps | stay-put share | mean move km | "
          + " | ".join(f"share {k} km" for k in labels) + " |")
    print("|---" * (4 + len(labels)) + "|")
    for name, s in rows:
        print(f"| {name} | {s['steps']} | {s['stay_put_share']:.4f} | {s['mean_move_km']:.1f} | "
              + " | ".join(f"{s['step_km_share'][k]:.3f}" for k in labels) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
