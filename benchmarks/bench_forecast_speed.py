"""Forecast speed: train + forecast 28 days, whole processes, shelfcast vs mlforecast + LightGBM.

    .venv/bin/python benchmarks/bench_forecast_speed.py [--scale 1k|chain] [--runs 3]
        [--no-peers] [--out benchmarks/out/speed]

Scales (synthetic chains from ``shelfcast.data.generate``, with covariates price, promo,
open, events and weather):

- ``1k``: 10 stores x 100 items x 1,000 days = 1,000 series (goal: <= 40 s and no slower
  than mlforecast + LightGBM);
- ``chain``: 30 stores x 1,000 items x 1,900 days = 30,000 series, shelfcast only (goal:
  <= 20 min, <= 12 GB). Long: run it on a quiet machine.

Each measured process is started under ``/usr/bin/time -v`` and does everything a user's
run does: read the dataset folder, train, forecast the 28 days of ``future``, write the
forecast. Wall time and peak resident memory come from ``time -v``. The peer is the
mlforecast + LightGBM reference configuration of BENCHMARKS.md (``run_peers.py --models
lgbm``), point forecast only by default (its conformal intervals refit the model twice
more; ``--peer-intervals`` measures that too); shelfcast always computes its quantiles.
The median of ``--runs`` runs is reported, with the machine's load average, since other
work may share the cores.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent
REPO = ROOT.parent
PEERS_PY = ROOT / ".venv-peers" / "bin" / "python"
RUN_PEERS = ROOT / "peers" / "run_peers.py"
SCALES = {
    "1k": {"stores": 10, "items": 100, "days": 1000, "seed": 0},
    "chain": {"stores": 30, "items": 1000, "days": 1900, "seed": 0},
    "smoke": {"stores": 2, "items": 5, "days": 200, "seed": 0},  # checks the script itself
}


def log(msg: str) -> None:
    print(f"[{datetime.now(UTC):%H:%M:%S}] {msg}", flush=True)


def prepare(scale: str, out: Path) -> Path:
    """The dataset folder (generated once), plus train/future parquet files for the peer."""
    args = SCALES[scale]
    folder = out / "data" / "speed_s{stores}_i{items}_d{days}".format(**args)
    if not (folder / "sales.parquet").exists():
        log(f"generating {folder} ...")
        code = (
            "from shelfcast.data.generate import generate_chain, write_chain; "
            f"write_chain(generate_chain(**{args!r}, transactions_days=0), {str(folder)!r}, "
            "fmt='parquet')"
        )
        subprocess.run([sys.executable, "-c", code], check=True)
    return folder


def peer_inputs(folder: Path) -> tuple[Path, Path]:
    import polars as pl

    train, future = folder / "peer_train.parquet", folder / "peer_future.parquet"
    if not train.exists():
        sales = pl.read_parquet(folder / "sales.parquet")
        fut = pl.read_parquet(folder / "future.parquet")
        covs = [c for c in fut.columns if c not in ("date", "store_id", "item_id")]
        sales.select("date", "store_id", "item_id", "sales", *covs).write_parquet(train)
        fut.write_parquet(future)
    return train, future


def timed_process(cmd: list[str], log_file: Path) -> dict:
    """Run ``cmd`` under /usr/bin/time -v; wall seconds and peak RSS (GB) of the process."""
    full = ["/usr/bin/time", "-v", *cmd]
    load = os.getloadavg()[0]
    start = time.perf_counter()
    proc = subprocess.run(full, capture_output=True, text=True, cwd=REPO)
    wall_outer = time.perf_counter() - start
    log_file.write_text(proc.stdout + "\n" + proc.stderr)
    if proc.returncode != 0:
        raise SystemExit(f"{cmd[:3]} failed, see {log_file}:\n{proc.stderr[-3000:]}")
    wall = _elapsed(re.search(r"Elapsed \(wall clock\) time.*: (\S+)", proc.stderr).group(1))
    rss_kb = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr).group(1))
    user = float(re.search(r"User time \(seconds\): (\S+)", proc.stderr).group(1))
    system = float(re.search(r"System time \(seconds\): (\S+)", proc.stderr).group(1))
    return {"wall_s": wall, "wall_outer_s": wall_outer, "peak_rss_gb": rss_kb / 1024**2,
            "cpu_s": user + system, "load_before": load, "load_after": os.getloadavg()[0]}


def _elapsed(text: str) -> float:
    parts = [float(p) for p in text.split(":")]
    return sum(p * 60**k for k, p in enumerate(reversed(parts)))


SHELFCAST_JOB = """
import sys, time
from shelfcast.data.load import load_dataset
from shelfcast.data.tables import write_table
from shelfcast.forecast import Forecaster
t0 = time.perf_counter()
ds = load_dataset(sys.argv[1])
t1 = time.perf_counter()
model = Forecaster().fit(ds)
t2 = time.perf_counter()
fc = model.predict(ds.future)
write_table(fc, sys.argv[2])
t3 = time.perf_counter()
print(f"load {t1-t0:.1f} s, fit {t2-t1:.1f} s, predict+write {t3-t2:.1f} s, {fc.height} rows")
print(f"training rows {model.n_train_rows_:,}, trees {model.best_iteration_}; notes: {model.notes_}")
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", choices=sorted(SCALES), default="1k")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--no-peers", dest="peers", action="store_false")
    parser.add_argument("--peer-intervals", action="store_true")
    parser.add_argument("--out", type=Path, default=ROOT / "out" / "speed")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    folder = prepare(args.scale, ROOT / "out")
    peers = args.peers and args.scale != "chain"

    jobs: dict[str, list[str]] = {
        "shelfcast": [sys.executable, "-c", SHELFCAST_JOB, str(folder),
                      str(args.out / f"forecast_{args.scale}.parquet")],
    }
    if peers:
        if not PEERS_PY.exists():
            raise SystemExit(f"{PEERS_PY} is missing: run `make bench-peers-env` first")
        train, future = peer_inputs(folder)
        base = [str(PEERS_PY), str(RUN_PEERS), "--train", str(train), "--future", str(future)]
        jobs["mlforecast_lgbm"] = [*base, "--out", str(args.out / "peer_lgbm.parquet"),
                                   "--models", "lgbm", "--no-intervals"]
        if args.peer_intervals:
            jobs["mlforecast_lgbm_conformal"] = [
                *base, "--out", str(args.out / "peer_lgbm_conf.parquet"), "--models", "lgbm"]

    runs: dict[str, list[dict]] = {name: [] for name in jobs}
    for k in range(args.runs):
        for name, cmd in jobs.items():  # interleaved, so that load hits both alike
            r = timed_process(cmd, args.out / f"{args.scale}_{name}_run{k}.log")
            runs[name].append(r)
            log(f"{args.scale} {name} run {k}: {r['wall_s']:.1f} s wall, {r['cpu_s']:.1f} s cpu, "
                f"{r['peak_rss_gb']:.2f} GB peak, load {r['load_before']:.1f}->{r['load_after']:.1f}")

    import polars as pl

    sales = pl.scan_parquet(folder / "sales.parquet")
    size = sales.select(pl.len(), pl.struct("store_id", "item_id").n_unique()).collect().row(0)
    summary = {
        "date": f"{datetime.now(UTC):%Y-%m-%d %H:%M} UTC",
        "machine": f"{platform.node()}, {os.cpu_count()} cores, "
                   f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 1e9:.0f} GB",
        "scale": args.scale, "generator": SCALES[args.scale],
        "sales_rows": size[0], "series": size[1],
        "median": {n: {m: statistics.median(r[m] for r in rs) for m in
                       ("wall_s", "peak_rss_gb", "cpu_s", "load_before")}
                   for n, rs in runs.items()},
        "runs": runs,
    }
    (args.out / f"speed_{args.scale}.json").write_text(json.dumps(summary, indent=2))
    lines = [f"Forecast speed, scale {args.scale}: {size[1]:,} series, {size[0]:,} sales rows; "
             f"{summary['date']}; {summary['machine']}; median of {args.runs} runs.", "",
             "| process | wall s | peak RSS GB | CPU s | load avg before |", "|---|---:|---:|---:|---:|"]
    for n, m in summary["median"].items():
        lines.append(f"| {n} | {m['wall_s']:.1f} | {m['peak_rss_gb']:.2f} | {m['cpu_s']:.1f} | "
                     f"{m['load_before']:.1f} |")
    text = "\n".join(lines) + "\n"
    (args.out / f"speed_{args.scale}.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
