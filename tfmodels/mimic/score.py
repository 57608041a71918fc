"""Score choices with a trained mimic run: `python -m tfmodels.mimic.score RUN_DIR`.

A movement ecologist fits a grid, picks the best run and wants its probability for every
cell a fish could have moved to, on the training tracks or on new ones:

    python -m tfmodels.mimic.score grids/m3/trial_0007 --data new_tracks.csv --out p.csv

Why a separate path from training: the run's `scorer.keras` is the per-choice MLP alone
([rows, F] → log-odds), so scoring runs on the flat long table with no padding and no
batch-size limit, and the softmax over each decision's choices is done here, exactly.
The inputs are rebuilt the way the run saw them: same feature set, H3 resolution, radius
and time step (from `config.json`), covariates centred with the run's *training*
statistics (`features.json`), never re-estimated on the data being scored.

Writes one row per (decision, choice): individual, decision, time, choice, selected,
distance_km, `split` (train/val for the run's own individuals, `new` otherwise),
`logodds`, `probability` (softmax within the decision) and, on simulated data, the
simulator's `true_prob`. Prints the geometric mean probability of the selections per split.
"""
from __future__ import annotations

import dataclasses
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from configs.families.mimic import MimicConfig
from pipelines import movement
from tflab import io
from tflab.cli import ArgumentParser, check_out_file, int_at_least
from tflab.errors import UserError, main_guard

RUN_FILES = ("config.json", "features.json", "scorer.keras")
KEEP_COLUMNS = ("individual", "decision", "time", "choice", "selected", "distance_km",
                "lat", "lon", "x", "y", "area_km2")


def read_run(run_dir: Path) -> tuple[MimicConfig, dict]:
    """The run's resolved config and feature statistics, with one-line errors."""
    missing = [name for name in RUN_FILES if not (run_dir / name).exists()]
    if missing:
        raise UserError(f"{run_dir} is not a finished mimic run (missing {', '.join(missing)});"
                        f" pass a run directory written by tfmodels.fit or tuning.grid")
    saved = io.read_json(run_dir / "config.json")
    if saved.get("family") != "mimic":
        raise UserError(f"{run_dir} is a {saved.get('family')!r} run; only mimic runs have a "
                        f"choice scorer")
    fields = {f.name for f in MimicConfig.__dataclass_fields__.values()}
    config = MimicConfig(**{k: v for k, v in saved.items() if k in fields})
    stats = io.read_json(run_dir / "features.json")["stats"]
    return config, stats


def softmax_within(logodds: np.ndarray, decision: np.ndarray) -> np.ndarray:
    """exp(v − max) / Σ exp(v − max) over the rows of each decision (float64)."""
    values = pd.Series(logodds.astype(np.float64))
    shifted = values - values.groupby(decision).transform("max")
    weights = np.exp(shifted)
    return (weights / weights.groupby(decision).transform("sum")).to_numpy()


def split_of(table: pd.DataFrame, stats: dict) -> np.ndarray:
    """Split of each row: 'train' / 'val' for the run's own individuals and 'new' for any
    other (split=individual); with split=time, the run's chronological cuts applied to the
    scored table's own decisions ('train' / 'val' / 'test')."""
    if stats.get("split") == "time":
        from pipelines.movement.splits import split_by_time

        per_decision = table.drop_duplicates("decision")
        labels = split_by_time(per_decision["individual"].to_numpy(),
                               per_decision["time"].to_numpy(),
                               tuple(stats["split_fractions"]))
        return pd.Series(labels, index=per_decision["decision"].to_numpy()).reindex(
            table["decision"].to_numpy()).to_numpy()
    names = table["individual"].astype(str)
    split = np.full(len(names), "new", dtype=object)
    split[names.isin([str(i) for i in stats.get("val_individuals", [])]).to_numpy()] = "val"
    split[names.isin([str(i) for i in stats.get("train_individuals", [])]).to_numpy()] = "train"
    return split


def score(run_dir: Path, data_path: str | None, covariates_path: str | None = None,
          batch_size: int = 65_536, keep_all: bool = False) -> pd.DataFrame:
    """Per-choice log-odds and probabilities of `data_path` (or the run's own simulator).

    `covariates_path` goes with new tracks (v3 needs mlt/npp where they went); default: the
    run's own `covariates_path`. `keep_all` keeps every column of the choice table and adds
    the model's input features as `feature:NAME` columns (the diagnosis report selects and
    groups choices by them).
    """
    config, stats = read_run(run_dir)
    config = dataclasses.replace(config, feature_set=stats["feature_set"])
    table, source = movement.load_choice_table(config, data_path,
                                               covariates_path=covariates_path or None)
    features, _ = movement.compute_features(table, stats["feature_set"], max_km=config.max_km,
                                            centering=stats["centering"],
                                            timezone=stats.get("timezone", "UTC"),
                                            covariate_columns=stats.get("covariate_columns",
                                                                        ()))
    import keras  # only now: data errors above must stay one line, before TensorFlow loads

    scorer = keras.models.load_model(run_dir / "scorer.keras", compile=False)
    expected = scorer.input_shape[-1]
    if features.shape[1] != expected:
        raise UserError(f"the run's scorer takes {expected} features but the data gives "
                        f"{features.shape[1]} ({', '.join(features.columns)})")
    logodds = scorer.predict(features.to_numpy(np.float32), batch_size=batch_size,
                             verbose=0)[:, 0]
    keep = list(table.columns) if keep_all else [c for c in KEEP_COLUMNS if c in table.columns]
    out = table[keep].copy()
    if keep_all:
        for name in features.columns:
            out[f"feature:{name}"] = features[name].to_numpy()
    out["split"] = split_of(table, stats)
    out["logodds"] = logodds
    out["probability"] = softmax_within(logodds, table["decision"].to_numpy())
    if "area_km2" in table.columns:  # per km²: comparable across cell sizes and tools
        out["log_density"] = np.log(out["probability"].to_numpy()) - np.log(
            table["area_km2"].to_numpy(float))
    if "true_prob" in table.columns and not keep_all:
        out["true_prob"] = table["true_prob"].to_numpy()
    out.attrs["source"] = source
    return out


def gmp_lines(scores: pd.DataFrame) -> list[str]:
    """Geometric mean probability of the selected choices, per split and overall."""
    chosen = scores[scores["selected"] == 1]
    lines = []
    for split, rows in [("all", chosen)] + list(chosen.groupby("split")):
        gmp = np.exp(np.log(rows["probability"]).mean())
        line = f"  {split:>5}: {len(rows)} decisions, gmp {gmp:.4f}"
        if "true_prob" in rows:
            line += f" (simulator's true gmp {np.exp(np.log(rows['true_prob']).mean()):.4f})"
        lines.append(line)
    return lines


CLI_HELP = """Score every choice of every decision with a trained mimic run.

reads:  RUN_DIR (config.json, features.json, scorer.keras: any mimic run directory of
        tfmodels.fit or a grid trial) and tracks or a long choice table (--data; default:
        the run's own simulator data); covariates are centred with the run's training means
writes: --out (default RUN_DIR/scores.csv; .parquet also works): one row per (decision,
        choice) with logodds, probability (softmax within the decision), split
        (train/val for the run's individuals, new otherwise) and, on simulated data,
        true_prob
prints: the geometric mean probability of the selected choices per split
"""

CLI_EXAMPLE = """example:
  python -m tfmodels.mimic.score grids/mimic_v3/trials/trial_07 --data new_tracks.csv \\
      --out p.csv
"""


@main_guard
def main(argv: list[str] | None = None) -> int:
    parser = ArgumentParser(prog="python -m tfmodels.mimic.score",
                            description=CLI_HELP, epilog=CLI_EXAMPLE)
    parser.add_argument("run_dir", type=Path, help="a mimic run directory (tfmodels.fit / grid)")
    parser.add_argument("--data", default=None,
                        help="tracks or long choice table (CSV/Parquet); default: the run's "
                             "simulator data")
    parser.add_argument("--covariates", default=None,
                        help="covariate table for --data tracks (v3: mlt, npp); default: the "
                             "run's covariates_path")
    parser.add_argument("--out", type=Path, default=None,
                        help="output CSV or .parquet (default RUN_DIR/scores.csv)")
    parser.add_argument("--batch-size", type=int_at_least(1), default=65_536,
                        help="choice rows per scorer call (memory only; results are the same)")
    args = parser.parse_args(argv)
    if not args.run_dir.is_dir():
        raise UserError(f"run directory {args.run_dir} does not exist; pass the directory "
                        f"that tfmodels.fit --out or a grid trial wrote")
    out = check_out_file(args.out or args.run_dir / "scores.csv")
    scores = score(args.run_dir, args.data, args.covariates, args.batch_size)
    if out.suffix == ".parquet":
        with io.atomic_path(out) as tmp:
            scores.to_parquet(tmp, index=False)
    else:
        io.write_csv(out, scores)
    print(f"scored {len(scores)} choices of {scores['decision'].nunique()} decisions from "
          f"{scores.attrs['source']} with {args.run_dir} -> {out}")
    print("gmp = exp(mean log probability of the selected choice), softmax over each "
          "decision's full choice set:")
    print("\n".join(gmp_lines(scores)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
