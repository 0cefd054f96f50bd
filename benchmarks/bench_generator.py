"""The synthetic chain: how fast it is made, and how much it looks like real retail data.

Speed: ``generate_chain`` (and nothing else: no files written) in a fresh process under
``/usr/bin/time -v``, several runs, median wall time and peak memory (max RSS):

    .venv/bin/python benchmarks/bench_generator.py speed [--runs 3]
        [--size 10x500x1095] [--size 10x100x1000:0] [--size 30x1000x1900:0]

(``STORESxITEMSxDAYS[:TRANSACTION_DAYS]``; default sizes as above.)

Realism: the synthetic chain (10 x 500 x 1095, seed 0) beside real data, on three
statistics: the share of zero days, the weekday profile (share of a week's units per
weekday) and the coefficient of variation of daily sales by sales-rate bucket.

    .venv/bin/python benchmarks/bench_generator.py realism [--data /work/shared/data]

Real data (read in place, never copied; ``--data`` or ``SHELFCAST_DATA``):
- UCI Online Retail: positive quantities of product stock codes (codes starting with a
  digit), cancellations removed, summed per StockCode and day, United Kingdom only; days
  counted from each code's first to last sale, over the days the shop traded (it never
  trades on Saturdays, and closed over the 2010/11 year end).
- Favorita ``transactions.csv``: till transactions per store and day (store traffic).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
from pathlib import Path

import polars as pl

__all__ = ["main", "measure", "realism"]

WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
BUCKETS = (0.0, 0.5, 2.0, 10.0, float("inf"))
CHILD = """
import sys, time
from shelfcast.data.generate import generate_chain
s, i, d, tx = (int(v) for v in sys.argv[1:5])
t = time.perf_counter()
tables = generate_chain(stores=s, items=i, days=d, transactions_days=tx)
print(f"generate_chain {time.perf_counter() - t:.2f} s, sales rows {tables['sales'].height}, "
      f"transaction lines {tables['transactions'].height}")
"""


def _parse_size(text: str) -> tuple[int, int, int, int]:
    m = re.fullmatch(r"(\d+)x(\d+)x(\d+)(?::(\d+))?", text)
    if not m:
        raise argparse.ArgumentTypeError(f"size {text!r}: expected STORESxITEMSxDAYS[:TX_DAYS]")
    s, i, d, tx = m.groups()
    return int(s), int(i), int(d), 28 if tx is None else int(tx)


def measure(size: tuple[int, int, int, int], runs: int) -> dict[str, object]:
    """Median wall time (s) and peak RSS (GiB) of ``runs`` fresh processes."""
    walls, rss, inner = [], [], []
    for _ in range(runs):
        proc = subprocess.run(
            ["/usr/bin/time", "-v", sys.executable, "-c", CHILD, *map(str, size)],
            capture_output=True, text=True, check=True,
        )
        wall = re.search(r"Elapsed \(wall clock\) time.*: (?:(\d+):)?(\d+):([\d.]+)", proc.stderr)
        assert wall is not None, proc.stderr
        h, m, s = wall.groups()
        walls.append(int(h or 0) * 3600 + int(m) * 60 + float(s))
        kb = re.search(r"Maximum resident set size \(kbytes\): (\d+)", proc.stderr)
        rss.append(int(kb.group(1)) / 2**20)  # type: ignore[union-attr]
        inner.append(proc.stdout.strip())
    return {
        "size": "{}x{}x{} (tx {})".format(*size),
        "wall_s": statistics.median(walls), "walls": walls,
        "peak_gib": statistics.median(rss), "inside": inner[len(inner) // 2],
    }


# ---- realism -------------------------------------------------------------------------------

def _stats(daily: pl.DataFrame) -> dict[str, object]:
    """``daily``: series, date, units (every trading day of each series' span, zeros included)."""
    per = daily.group_by("series").agg(
        pl.col("units").mean().alias("rate"),
        (pl.col("units").std() / pl.col("units").mean()).alias("cv"),
        (pl.col("units") == 0).mean().alias("zeros"),
    ).filter(pl.col("rate") > 0)
    buckets = []
    for lo, hi in zip(BUCKETS[:-1], BUCKETS[1:]):
        b = per.filter((pl.col("rate") >= lo) & (pl.col("rate") < hi))
        buckets.append((f"{lo:g}-{hi:g}", b.height, b["cv"].median() if b.height else None,
                        b["zeros"].median() if b.height else None))
    week = daily.group_by(pl.col("date").dt.weekday().alias("wd")).agg(pl.col("units").sum())
    total = week["units"].sum()
    profile = {WEEKDAYS[wd - 1]: u / total for wd, u in week.sort("wd").iter_rows()}
    return {
        "series": per.height, "days": daily.height,
        "zero_share": (daily["units"] == 0).mean(),
        "median_series_zero_share": per["zeros"].median(),
        "median_rate": per["rate"].median(),
        "weekday": profile, "cv_by_rate": buckets,
    }


def _online_retail(data: Path) -> pl.DataFrame:
    lines = (
        pl.scan_parquet(data / "online_retail" / "online_retail.parquet")
        .filter(pl.col("Country") == "United Kingdom", ~pl.col("InvoiceNo").str.starts_with("C"),
                pl.col("Quantity") > 0, pl.col("StockCode").str.contains(r"^\d"))
        .select(pl.col("StockCode").alias("series"), pl.col("InvoiceDate").dt.date().alias("date"),
                pl.col("Quantity").cast(pl.Float64).alias("units"))
        .collect()
    )
    sold = lines.group_by("series", "date").agg(pl.col("units").sum())
    trading = lines.select("date").unique()
    spans = sold.group_by("series").agg(pl.col("date").min().alias("lo"),
                                        pl.col("date").max().alias("hi"))
    grid = spans.join(trading, how="cross").filter(pl.col("date").is_between("lo", "hi"))
    return (grid.select("series", "date")
            .join(sold, on=["series", "date"], how="left").fill_null(0.0))


def _synthetic(tables: dict[str, pl.DataFrame]) -> tuple[pl.DataFrame, pl.DataFrame]:
    sales = tables["sales"].filter(pl.col("open") == 1)
    daily = sales.select(pl.concat_str("store_id", "item_id").alias("series"), "date",
                         pl.col("sales").alias("units"))
    stores = sales.group_by("store_id", "date").agg(pl.col("sales").sum().alias("units"))
    return daily, stores.rename({"store_id": "series"})


def _favorita(data: Path) -> pl.DataFrame:
    return (pl.read_csv(data / "favorita" / "transactions.csv", try_parse_dates=True)
            .select(pl.col("store_nbr").cast(pl.String).alias("series"), "date",
                    pl.col("transactions").cast(pl.Float64).alias("units")))


def realism(data: Path) -> dict[str, dict[str, object]]:
    from shelfcast.data.generate import generate_chain

    daily, store_days = _synthetic(generate_chain(transactions_days=0))
    return {
        "synthetic items": _stats(daily),
        "online retail UK": _stats(_online_retail(data)),
        "synthetic stores": _stats(store_days),
        "favorita stores": _stats(_favorita(data)),
    }


def _print_realism(res: dict[str, dict[str, object]]) -> None:
    names = list(res)
    print("| statistic | " + " | ".join(names) + " |")
    print("|---|" + "---|" * len(names))

    def row(label: str, values: list[object]) -> None:
        print(f"| {label} | " + " | ".join(values) + " |")  # type: ignore[arg-type]

    row("series (with sales)", [f"{r['series']:,}" for r in res.values()])
    row("series-days", [f"{r['days']:,}" for r in res.values()])
    row("share of zero days", [f"{r['zero_share']:.1%}" for r in res.values()])
    row("median series' zero share", [f"{r['median_series_zero_share']:.1%}" for r in res.values()])
    row("median daily rate", [f"{r['median_rate']:.2f}" for r in res.values()])
    for wd in WEEKDAYS:
        row(f"share of week: {wd}",
            [f"{r['weekday'].get(wd, 0.0):.1%}" for r in res.values()])  # type: ignore[union-attr]
    # Online Retail never trades on Saturdays: the same profiles with Saturday left out.
    for wd in WEEKDAYS:
        if wd == "Sat":
            continue
        cells = []
        for r in res.values():
            week = r["weekday"]  # type: ignore[assignment]
            rest = 1.0 - week.get("Sat", 0.0)  # type: ignore[union-attr]
            cells.append(f"{week.get(wd, 0.0) / rest:.1%}")  # type: ignore[union-attr]
        row(f"share of week without Sat: {wd}", cells)
    for k, bucket in enumerate(res[names[0]]["cv_by_rate"]):  # type: ignore[arg-type]
        cells = [r["cv_by_rate"][k] for r in res.values()]  # type: ignore[index]
        row(f"rate {bucket[0]}/day: median CV (n series)",
            ["-" if c[2] is None else f"{c[2]:.2f} (n={c[1]:,})" for c in cells])
        row(f"rate {bucket[0]}/day: median zero share",
            ["-" if c[3] is None else f"{c[3]:.1%}" for c in cells])


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="mode", required=True)
    sp = sub.add_parser("speed")
    sp.add_argument("--runs", type=int, default=3)
    sp.add_argument("--size", type=_parse_size, action="append")
    rp = sub.add_parser("realism")
    rp.add_argument("--data", type=Path,
                    default=Path(os.environ.get("SHELFCAST_DATA", "/work/shared/data")))
    args = parser.parse_args(argv)
    if args.mode == "speed":
        sizes = args.size or [(10, 500, 1095, 28), (10, 100, 1000, 0), (30, 1000, 1900, 0)]
        print("| stores x items x days (tx days) | wall s (median) | runs | peak GiB | inside |")
        print("|---|---|---|---|---|")
        for size in sizes:
            r = measure(size, args.runs)
            walls = ", ".join(f"{w:.1f}" for w in r["walls"])  # type: ignore[attr-defined]
            print(f"| {r['size']} | {r['wall_s']:.1f} | {walls} | {r['peak_gib']:.2f} "
                  f"| {r['inside']} |", flush=True)
    else:
        _print_realism(realism(args.data))


if __name__ == "__main__":
    main()
