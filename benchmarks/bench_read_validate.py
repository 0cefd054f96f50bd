"""Read and validate: `shelfcast validate` on a 10-million-row `sales.csv`, as a whole process.

Generates (once, cached under ``benchmarks/out/read_validate/``) a dataset folder with one
``sales.csv``: 5,000 series (50 stores x 100 items) x 2,000 days, columns ``date, store_id,
item_id, sales, price, promo, open`` (about 10 M rows, 330 MB), then runs
``.venv/bin/shelfcast validate`` on it under ``/usr/bin/time -v`` several times and prints the
wall time and peak memory (max RSS) of each run and their medians.

    .venv/bin/python benchmarks/bench_read_validate.py [--runs 3]
        [--variant sorted|by-date|one-bad-value] [--stores 50 --items 100 --days 2000]

Goal (issue 2): at most 15 s and 3 GB peak on a 2-core machine.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import numpy as np
import polars as pl

__all__ = ["generate", "measure", "main"]

ROOT = Path(__file__).resolve().parent
OUT = ROOT / "out" / "read_validate"
SHELFCAST = Path(sys.executable).parent / "shelfcast"


VARIANTS = ("sorted", "by-date", "one-bad-value")
"""``sorted``: series-major rows (every day of one series, then the next), as most exports
come; ``by-date``: day-major rows (every series of one day, then the next), so validation
must sort; ``one-bad-value``: sorted, with one ``sales`` value that is not a number in the
middle, so the CSV fast path falls back to reading text and the error names the row."""


def generate(folder: Path, *, stores: int, items: int, days: int, variant: str = "sorted",
             seed: int = 0) -> Path:
    """Write ``folder/sales.csv`` (stores x items x days rows) unless it is already there."""
    path = folder / "sales.csv"
    if path.exists():
        return path
    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    n_series = stores * items
    # Series-major order, as exports usually come: every day of one series, then the next.
    series = np.repeat(np.arange(n_series, dtype=np.int32), days)
    day = np.tile(np.arange(days, dtype=np.int32), n_series)
    level = rng.gamma(1.5, 3.0, n_series)[series]
    weekly = 1.0 + 0.3 * np.sin(2 * np.pi * (day % 7) / 7)
    promo = (rng.random(series.size) < 0.05).astype(np.int8)
    open_ = (rng.random(series.size) > 0.002).astype(np.int8)
    sales = rng.poisson(level * weekly * (1 + promo)) * open_
    price = np.round(rng.uniform(0.5, 20.0, n_series)[series] * (1 - 0.2 * promo), 2)
    frame = pl.DataFrame({
        "date": pl.Series(day).cast(pl.Int32) + (date(2019, 1, 1) - date(1970, 1, 1)).days,
        "store_id": series // items,
        "item_id": series % items,
        "sales": sales.astype(np.int64),
        "price": price,
        "promo": promo,
        "open": open_,
    }).with_columns(
        pl.col("date").cast(pl.Date),
        pl.format("S{}", pl.col("store_id").cast(pl.String).str.zfill(3)).alias("store_id"),
        pl.format("I{}", pl.col("item_id").cast(pl.String).str.zfill(4)).alias("item_id"),
    )
    if variant == "by-date":
        frame = frame.sort("date", "store_id", "item_id")
    elif variant == "one-bad-value":
        middle = frame.height // 2
        frame = frame.with_columns(pl.col("sales").cast(pl.String)).with_columns(
            pl.when(pl.int_range(pl.len()) == middle).then(pl.lit("12,5"))
            .otherwise(pl.col("sales")).alias("sales"))
    tmp = path.with_suffix(".tmp")
    frame.write_csv(tmp)
    tmp.rename(path)
    return path


def measure(folder: Path) -> tuple[float, float, float, int]:
    """One ``shelfcast validate`` process: (wall seconds, CPU seconds (user + system), max RSS
    in MiB, exit code). CPU time says more than wall time when others load the machine."""
    cmd = ["/usr/bin/time", "-v", str(SHELFCAST), "validate", str(folder)]
    done = subprocess.run(cmd, capture_output=True, text=True, check=False)
    wall = re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)", done.stderr)
    rss = re.search(r"Maximum resident set size \(kbytes\): (\d+)", done.stderr)
    cpu = [float(m) for m in re.findall(r"(?:User|System) time \(seconds\): ([\d.]+)", done.stderr)]
    if not wall or not rss or len(cpu) != 2:
        raise RuntimeError(f"could not read /usr/bin/time output:\n{done.stderr[-2000:]}")
    hours, minutes, seconds = (float(g or 0) for g in wall.groups())
    return (hours * 3600 + minutes * 60 + seconds, sum(cpu), int(rss.group(1)) / 1024,
            done.returncode)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--stores", type=int, default=50)
    parser.add_argument("--items", type=int, default=100)
    parser.add_argument("--days", type=int, default=2000)
    parser.add_argument("--variant", choices=VARIANTS, default="sorted")
    args = parser.parse_args(argv)

    folder = OUT / f"s{args.stores}_i{args.items}_d{args.days}_{args.variant}"
    started = time.perf_counter()
    path = generate(folder, stores=args.stores, items=args.items, days=args.days,
                    variant=args.variant)
    print(f"data: {path} ({path.stat().st_size / 2**20:.0f} MiB, "
          f"{args.stores * args.items * args.days:,} rows; ready in "
          f"{time.perf_counter() - started:.1f} s)")
    walls, cpus, rsss = [], [], []
    print(f"variant: {args.variant}; load average before: {os.getloadavg()[0]:.2f}")
    for run in range(1, args.runs + 1):
        wall, cpu, rss, code = measure(folder)
        walls.append(wall)
        cpus.append(cpu)
        rsss.append(rss)
        print(f"run {run}: wall {wall:.2f} s, CPU {cpu:.2f} s, max RSS {rss:.0f} MiB, "
              f"exit code {code}, load average after {os.getloadavg()[0]:.2f}")
    print(f"median: wall {statistics.median(walls):.2f} s, CPU {statistics.median(cpus):.2f} s, "
          f"max RSS {statistics.median(rsss):.0f} MiB ({args.runs} runs)")


if __name__ == "__main__":
    main()
