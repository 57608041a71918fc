"""Known truth at GPS scale: hourly walkers on a synthetic raster, drawn from an iSSF.

A real-telemetry pipeline (tracks with a CRS, bursts, raster covariates, pixel choice
sets, kernel features, time split) is only trustworthy if it recovers coefficients it was
not told. This module writes a dataset shaped like a GPS study: `habitat.tif` (a smooth
random field, mean 0 sd 1, on a north-up grid of `pixel_m` pixels in a projected CRS),
`tracks.csv` (hourly fixes in bursts) and `truth.json` (the coefficients and settings).

Each hour every walker picks one pixel of its choice set — the origin pixel plus the
`pixels.pixel_window` offsets within `max_km`, minus those off the raster (what the
pipeline's outside=drop removes) — with probability softmax(β · x), where x are the
features the pipeline computes with the same functions (`kernel.log_step_km`,
`kernel.cos_turn`):

    step_km      −12.0   distance between pixel centres (km)
    log_step_km   −0.5   log(step km); log(pixel / 2) for staying put
    cos_turn      +1.0   cos(bearing − previous step's bearing); 0 where undefined
    habitat       +1.2   the candidate pixel's habitat value

Candidates are uniform in area, so the chosen step length follows (up to pixel
discretisation and truncation at max_km) a gamma law with shape 2 + β_log = 1.5 and
scale −1/β_step = 83 m (mean 125 m, median 99 m: about two 50 m pixels, near the deepssf
buffalo's median step of 97 m), and the turning angle a von Mises law with concentration
κ = β_cos = 1.0 around straight ahead. Staying put has utility −0.5 · log(0.025) ≈ +1.8.
The measured stay-put share and median step (stays included, on the pixel grid) are
written to truth.json's counts (seed 0, 20 walkers × 300 h: 11 % and 112 m).

Tracks are bursts of hourly fixes separated by gaps of several hours. The walker keeps
moving during a gap (unobserved), and the first step of every burst has no previous
bearing (cos_turn = 0), exactly what a pipeline can know from the fixes; otherwise the
previous bearing is that of the previous step in the burst (`pixels.step_heading` of pixel
centres), NaN after a step that stayed in its pixel. Fix times are the nominal hour plus
whole-second jitter with |jitter| < 5 min, so time_step = 1 h with a 10 min tolerance
recovers every burst and every gap exceeds 2 h 50 min.

CLI
    python -m pipelines.movement.simulator.landscape OUT_DIR [--individuals N]
        [--steps N] [--seed S] [--max-km KM] [--lonlat]
reads: nothing (the simulator is seeded)
writes: OUT_DIR/tracks.csv (individual,time,x,y — or lat,lon with --lonlat),
        OUT_DIR/habitat.tif, OUT_DIR/truth.json; each file atomically
prints: the files written and the fix, burst, decision and stay-put counts
example:
    python -m pipelines.movement.simulator.landscape /tmp/gps --individuals 20 --steps 300
"""
from __future__ import annotations

import argparse
import dataclasses
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from pipelines.movement import crs as crs_lib
from pipelines.movement.kernel import cos_turn, log_step_km
from pipelines.movement.pixels import pixel_window, step_heading
from tflab import io
from tflab.errors import UserError, main_guard

TRUE_COEFFICIENTS = {"step_km": -12.0, "log_step_km": -0.5, "cos_turn": 1.0, "habitat": 1.2}
BURST_FIXES = (20, 100)  # fixes per burst, inclusive range
GAP_HOURS = (3, 12)      # hours between the last fix of a burst and the next one's first
JITTER_S = 299           # |fix time − nominal hour| ≤ 299 s
START_TIME = "2024-06-01T00:00:00"


@dataclasses.dataclass(frozen=True)
class Landscape:
    """A north-up raster: `habitat[row, col]`, row 0 at the top edge `north`."""

    habitat: np.ndarray  # float32 [rows, cols], mean 0, sd 1
    crs: str
    pixel_m: float
    west: float
    north: float

    @property
    def shape(self) -> tuple[int, int]:
        return self.habitat.shape

    def centre(self, row, col) -> tuple[np.ndarray, np.ndarray]:
        """Projected (x, y) of pixel centres."""
        return (self.west + (np.asarray(col) + 0.5) * self.pixel_m,
                self.north - (np.asarray(row) + 0.5) * self.pixel_m)

    def window(self, max_km: float, window: str = "disk"):
        km = self.pixel_m / 1000.0
        return pixel_window(km, km, max_km, window)


def make_landscape(seed: int, shape=(400, 400), pixel_m: float = 50.0,
                   crs: str = "EPSG:32633", correlation_m: float = 500.0,
                   west: float = 450_000.0, north: float = 5_800_000.0) -> Landscape:
    """White noise smoothed by a Gaussian of sd `correlation_m` (in Fourier space, so the
    field wraps around its edges), standardised; stored as float32 like a GeoTIFF band and
    used at that precision, so the file and the simulation see the same values."""
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), 0]))
    noise = rng.standard_normal(shape)
    fy = np.fft.fftfreq(shape[0])[:, None]
    fx = np.fft.rfftfreq(shape[1])[None, :]
    sigma = correlation_m / pixel_m  # in pixels
    gain = np.exp(-2.0 * (np.pi * sigma) ** 2 * (fx ** 2 + fy ** 2))
    field = np.fft.irfft2(np.fft.rfft2(noise) * gain, s=shape)
    field = (field - field.mean()) / field.std()
    return Landscape(field.astype(np.float32), str(crs), float(pixel_m), float(west),
                     float(north))


def burst_schedule(rng, n_individuals: int, n_steps: int, burst_fixes=BURST_FIXES,
                   gap_hours=GAP_HOURS) -> tuple[np.ndarray, np.ndarray]:
    """(observed, burst_start), bool [N, n_steps + 1] over the hours of the walk."""
    observed = np.zeros((n_individuals, n_steps + 1), bool)
    burst_start = np.zeros_like(observed)
    for i in range(n_individuals):
        hour = 0
        while hour <= n_steps:
            fixes = int(rng.integers(burst_fixes[0], burst_fixes[1] + 1))
            observed[i, hour:hour + fixes] = True
            burst_start[i, hour] = True
            hour += fixes - 1 + int(rng.integers(gap_hours[0], gap_hours[1] + 1))
    return observed, burst_start


def _walk(land: Landscape, rng, n: int, n_steps: int, max_km: float, window: str,
          coefficients: dict, burst_start: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pixel (rows, cols) [N, n_steps + 1]: all walkers step together, one [N, W] softmax
    per hour."""
    win = land.window(max_km, window)
    rows_n, cols_n = land.shape
    heading = np.broadcast_to(win.heading, (n, win.width))
    distance = np.broadcast_to(win.distance_km, (n, win.width))
    base = (coefficients["step_km"] * win.distance_km
            + coefficients["log_step_km"] * log_step_km(win.distance_km, win.spacing_km))
    habitat = land.habitat.astype(np.float64)
    rows = np.empty((n, n_steps + 1), np.int64)
    cols = np.empty_like(rows)
    rows[:, 0] = rng.integers(rows_n // 4, rows_n - rows_n // 4, n)  # central half
    cols[:, 0] = rng.integers(cols_n // 4, cols_n - cols_n // 4, n)
    previous = np.full(n, np.nan)
    everyone = np.arange(n)
    for hour in range(n_steps):
        previous = np.where(burst_start[:, hour], np.nan, previous)
        r = rows[:, hour, None] + win.drow
        c = cols[:, hour, None] + win.dcol
        inside = (r >= 0) & (r < rows_n) & (c >= 0) & (c < cols_n)
        utility = (base + coefficients["habitat"] * habitat[np.clip(r, 0, rows_n - 1),
                                                            np.clip(c, 0, cols_n - 1)]
                   + coefficients["cos_turn"] * cos_turn(heading, previous[:, None], distance))
        utility = np.where(inside, utility, -np.inf)
        weight = np.exp(utility - utility.max(axis=1, keepdims=True))
        cdf = np.cumsum(weight, axis=1)
        pick = (cdf < rng.random(n)[:, None] * cdf[:, -1:]).sum(axis=1)
        pick = np.minimum(pick, win.width - 1)
        rows[:, hour + 1], cols[:, hour + 1] = r[everyone, pick], c[everyone, pick]
        x0, y0 = land.centre(rows[:, hour], cols[:, hour])
        x1, y1 = land.centre(rows[:, hour + 1], cols[:, hour + 1])
        previous = step_heading(x0, y0, x1, y1)
    return rows, cols


def _check(n_individuals: int, n_steps: int, max_km: float, window: str, pixel_m: float,
           shape, crs_out: str | None) -> None:
    if n_individuals < 1 or n_steps < 1:
        raise UserError("the landscape simulator needs n_individuals >= 1 and n_steps >= 1 "
                        "(e.g. --individuals 20 --steps 300)")
    half_km = min(shape) * pixel_m / 2000.0
    if not max_km <= half_km:  # a wider window would hold most of the raster
        raise UserError(f"max_km={max_km:g} exceeds half the landscape ({half_km:g} km); "
                        f"use a choice-set radius of at most {half_km:g} km")
    pixel_window(pixel_m / 1000.0, pixel_m / 1000.0, max_km, window)
    if crs_out is not None:
        crs_lib.parse_crs(crs_out, "crs_out")


def _simulate(land: Landscape, seed: int, n_individuals: int, n_steps: int, max_km: float,
              window: str, coefficients: dict, start_time: str) -> tuple[pd.DataFrame, dict]:
    rng = np.random.default_rng(np.random.SeedSequence([int(seed), 1]))
    observed, burst_start = burst_schedule(rng, n_individuals, n_steps)
    rows, cols = _walk(land, rng, n_individuals, n_steps, max_km, window, coefficients,
                       burst_start)
    offset_h = rng.integers(0, 24 * 7, n_individuals)  # walkers start on different hours
    jitter_s = rng.integers(-JITTER_S, JITTER_S + 1, observed.shape)
    hours = offset_h[:, None] + np.arange(n_steps + 1)
    times = (np.datetime64(start_time, "s") + (hours * 3600 + jitter_s).astype("timedelta64[s]"))
    who, hour = np.nonzero(observed)
    x, y = land.centre(rows[who, hour], cols[who, hour])
    tracks = pd.DataFrame({"individual": who.astype(np.int64),
                           "time": times[who, hour].astype("datetime64[ns]"), "x": x, "y": y})
    step = observed[:, 1:] & observed[:, :-1] & ~burst_start[:, 1:]  # decisions in bursts
    moved = (rows[:, 1:] != rows[:, :-1]) | (cols[:, 1:] != cols[:, :-1])
    km = land.pixel_m / 1000.0 * np.hypot(np.diff(rows, axis=1), np.diff(cols, axis=1))
    counts = {"individuals": n_individuals, "hours": n_steps, "fixes": int(observed.sum()),
              "bursts": int((burst_start & observed).sum()), "decisions": int(step.sum()),
              "stay_put_share": float((~moved[step]).mean()) if step.any() else None,
              "median_step_km": float(np.median(km[step])) if step.any() else None}
    return tracks, counts


def simulate_tracks(land: Landscape, *, seed: int, n_individuals: int, n_steps: int,
                    max_km: float = 1.0, window: str = "disk", coefficients: dict | None = None,
                    start_time: str = START_TIME) -> pd.DataFrame:
    """Fixes `individual, time, x, y` (pixel centres in `land.crs`, naive-UTC datetime64),
    sorted by individual and time; `n_steps` hours are walked, gaps included."""
    coefficients = dict(TRUE_COEFFICIENTS if coefficients is None else coefficients)
    _check(n_individuals, n_steps, max_km, window, land.pixel_m, land.shape, None)
    return _simulate(land, seed, n_individuals, n_steps, max_km, window, coefficients,
                     start_time)[0]


def write_geotiff(path, land: Landscape) -> None:
    """`habitat.tif`: one float32 band, the landscape's CRS and north-up transform."""
    import rasterio
    from affine import Affine

    profile = {"driver": "GTiff", "height": land.shape[0], "width": land.shape[1],
               "count": 1, "dtype": "float32", "crs": land.crs,
               "transform": Affine(land.pixel_m, 0.0, land.west, 0.0, -land.pixel_m, land.north)}
    with io.atomic_path(path) as tmp:
        with rasterio.open(tmp, "w", **profile) as dst:
            dst.write(land.habitat, 1)
            dst.set_band_description(1, "habitat")


def write_dataset(out_dir, *, seed: int, n_individuals: int, n_steps: int = 500,
                  max_km: float = 1.0, window: str = "disk", crs_out: str | None = None,
                  shape=(400, 400), pixel_m: float = 50.0, crs: str = "EPSG:32633",
                  coefficients: dict | None = None) -> dict:
    """Write tracks.csv, habitat.tif and truth.json into `out_dir`; returns the truth.

    `crs_out` (e.g. EPSG:4326) writes the fixes as `individual,time,lat,lon` instead of
    projected x, y, so the pipeline's reprojection is on the tested path."""
    out_dir = Path(out_dir)
    if out_dir.exists() and not out_dir.is_dir():
        raise UserError(f"{out_dir} is a file; give a directory for the simulated dataset")
    _check(n_individuals, n_steps, max_km, window, pixel_m, shape, crs_out)
    crs_lib.parse_crs(crs, "crs")
    if crs_lib.parse_crs(crs).is_geographic:
        raise UserError(f"crs {crs} is geographic; the landscape needs a projected CRS in "
                        f"metres such as EPSG:32633")
    coefficients = dict(TRUE_COEFFICIENTS if coefficients is None else coefficients)
    land = make_landscape(seed, shape=shape, pixel_m=pixel_m, crs=crs)
    tracks, counts = _simulate(land, seed, n_individuals, n_steps, max_km, window,
                               coefficients, START_TIME)
    table = tracks.assign(time=np.datetime_as_string(
        tracks["time"].to_numpy().astype("datetime64[s]"), unit="s").astype(object) + "Z")
    if crs_out is not None:
        lon, lat = crs_lib.transform(table["x"], table["y"], land.crs, crs_out)
        table = table.drop(columns=["x", "y"]).assign(lat=lat, lon=lon)
    shape_, scale = 2.0 + coefficients["log_step_km"], -1.0 / coefficients["step_km"]
    truth = {"coefficients": coefficients, "features": list(coefficients), "seed": seed,
             "crs": land.crs, "tracks_crs": crs_out or land.crs, "pixel_m": land.pixel_m,
             "raster_shape": list(land.shape), "max_km": max_km, "window": window,
             "time_step": "1h", "time_tolerance": "10min", "jitter_max_s": JITTER_S,
             "burst_fixes": list(BURST_FIXES), "gap_hours": list(GAP_HOURS),
             "implied_gamma": {"shape": shape_, "scale_km": scale},
             "implied_von_mises_kappa": coefficients["cos_turn"], "counts": counts}
    out_dir.mkdir(parents=True, exist_ok=True)
    write_geotiff(out_dir / "habitat.tif", land)
    io.write_csv(out_dir / "tracks.csv", table)
    io.write_json(out_dir / "truth.json", truth)
    return truth


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m pipelines.movement.simulator.landscape",
                                     description=__doc__.split("\n")[0] + "\n\n"
                                     + __doc__.split("CLI\n")[-1],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out_dir", type=Path, help="directory for the three files")
    parser.add_argument("--individuals", type=int, default=20, help="walkers")
    parser.add_argument("--steps", type=int, default=500,
                        help="hours walked per individual, gaps included")
    parser.add_argument("--seed", type=int, default=0, help="landscape and walk seed")
    parser.add_argument("--max-km", type=float, default=1.0, help="choice-set radius (km)")
    parser.add_argument("--lonlat", action="store_true",
                        help="write tracks as lat, lon (EPSG:4326) instead of x, y")
    return parser


@main_guard
def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    truth = write_dataset(args.out_dir, seed=args.seed, n_individuals=args.individuals,
                          n_steps=args.steps, max_km=args.max_km,
                          crs_out=crs_lib.LONLAT if args.lonlat else None)
    c = truth["counts"]
    print(f"wrote {args.out_dir}/tracks.csv, habitat.tif, truth.json: {c['fixes']} fixes in "
          f"{c['bursts']} bursts, {c['decisions']} decisions, stay-put share "
          f"{c['stay_put_share']:.3f}, median step {c['median_step_km'] * 1000:.0f} m")
    return 0


if __name__ == "__main__":
    sys.exit(main())
