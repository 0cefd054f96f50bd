"""Nowcast backtest: today's total predicted at 10:00, 13:00 and 16:00 against the morning forecast.

    .venv/bin/python benchmarks/bench_nowcast.py retail   # UCI Online Retail, real intraday times
    .venv/bin/python benchmarks/bench_nowcast.py chain    # the synthetic chain's till lines

``retail``: ``/work/shared/data/online_retail/online_retail.parquet``, invoice lines read as
``examples/online_retail.yaml`` reads them (store = Country, item = StockCode; cancellations,
non-products, negative and free lines dropped; InvoiceDate is Europe/London local time). The
last ``--test-weeks`` (8) weeks are scored; every earlier day teaches the intraday profile and
the prior strength (fit on those days: ``fit_prior_strength``).

``chain``: ``benchmarks/out/data/chain_s10_i100_d730_seed0`` (``bench_generator.py``; 10 stores
x 100 items, till lines for its last 28 days); the first 14 days of lines teach, the last 14
are scored.

The morning forecast is a baseline, said plainly: the mean of the same weekday in the four
previous weeks (the textbook forecast of BENCHMARKS.md), from the daily totals of every day
before the scored one. At each hour H the nowcast sees the lines stamped before H:00 local time
and the profile's share done by H:00 (``shelfcast.live``), and is scored against the day's final
total. Two levels: per store and day, and per store, item and day (the level the live server
works at; the item uses its store's profile). Scores: WAPE (sum |error| / sum actual) and MAE
over every scored (store[, item], day), zero days included. Output: a JSON per data set under
``benchmarks/out/nowcast`` and a markdown table on standard output.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import numpy as np
import polars as pl

from shelfcast.data.transactions import local_day
from shelfcast.live.nowcast import fit_prior_strength, nowcast_array
from shelfcast.live.profile import IntradayProfile, intraday_profile

ROOT = Path(__file__).resolve().parent
OUT = ROOT / "out" / "nowcast"
RETAIL_FILE = Path("/work/shared/data/online_retail/online_retail.parquet")
CHAIN = ROOT / "out" / "data" / "chain_s10_i100_d730_seed0"
HOURS = (10, 13, 16)


def retail_lines() -> tuple[pl.DataFrame, str]:
    raw = pl.read_parquet(RETAIL_FILE)
    lines = (
        raw.filter(~pl.col("InvoiceNo").str.starts_with("C"),
                   pl.col("StockCode").str.contains(r"^\d{5}"),
                   pl.col("Quantity") > 0, pl.col("UnitPrice") > 0)
        .select(pl.col("InvoiceDate").dt.replace_time_zone("Europe/London", ambiguous="earliest")
                .dt.convert_time_zone("UTC").alias("timestamp"),
                pl.col("Country").alias("store_id"), pl.col("StockCode").alias("item_id"),
                pl.col("Quantity").cast(pl.Float64).alias("quantity"))
    )
    return lines, "Europe/London"


def chain_lines() -> tuple[pl.DataFrame, str]:
    tx = pl.read_parquet(CHAIN / "transactions.parquet")
    return tx.select("timestamp", "store_id", "item_id", "quantity"), "UTC"


def with_local(lines: pl.DataFrame, tz: str) -> pl.DataFrame:
    local = pl.col("timestamp").dt.convert_time_zone(tz)
    return lines.with_columns(local_day(pl.col("timestamp"), tz).alias("day"),
                              (local.dt.hour().cast(pl.Int32) * 60
                               + local.dt.minute().cast(pl.Int32)).alias("minute"))


def daily_grid(lines: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    """Totals per key and trading day (a day with any line), zeros filled in."""
    days = lines.select(pl.col("day").unique())
    totals = lines.group_by(*keys, "day").agg(pl.col("quantity").sum().alias("actual"))
    return (lines.select(keys).unique().join(days, how="cross")
            .join(totals, on=[*keys, "day"], how="left").fill_null(0.0))


def morning_forecast(grid: pl.DataFrame, keys: list[str]) -> pl.DataFrame:
    """Mean of the same weekday 1-4 weeks before, over those of them that were trading days."""
    past = [grid.select(*keys, (pl.col("day") + timedelta(weeks=k)).alias("day"),
                        pl.col("actual").alias(f"w{k}")) for k in range(1, 5)]
    out = grid
    for frame in past:
        out = out.join(frame, on=[*keys, "day"], how="left")
    return out.with_columns(pl.mean_horizontal("w1", "w2", "w3", "w4").alias("forecast")) \
        .drop("w1", "w2", "w3", "w4").filter(pl.col("forecast").is_not_null())


def sold_before(lines: pl.DataFrame, keys: list[str], hour: int) -> pl.DataFrame:
    return (lines.filter(pl.col("minute") < hour * 60)
            .group_by(*keys, "day").agg(pl.col("quantity").sum().alias("sold")))


def at_hour(frame: pl.DataFrame, lines: pl.DataFrame, keys: list[str], profile: IntradayProfile,
            hour: int) -> dict[str, np.ndarray]:
    """What the nowcast sees at ``hour`` for each row of ``frame`` (same order)."""
    at = frame.join(sold_before(lines, keys, hour), on=[*keys, "day"], how="left",
                    maintain_order="left").with_columns(pl.col("sold").fill_null(0.0))
    share = np.array([profile.fraction_done(s, d, hour * 60) for s, d in
                      zip(at["store_id"].to_list(), at["day"].to_list(), strict=True)])
    return {"sold": at["sold"].to_numpy(), "share": share,
            "forecast": at["forecast"].to_numpy(), "actual": at["actual"].to_numpy()}


def score(rows: pl.DataFrame, column: str) -> dict[str, float]:
    err = (rows[column] - rows["actual"]).abs()
    return {"wape": float(err.sum() / rows["actual"].sum()), "mae": float(err.mean())}


def run(name: str, lines: pl.DataFrame, tz: str, test_from: date) -> dict:
    lines = with_local(lines, tz)
    train = lines.filter(pl.col("day") < test_from)
    started = time.perf_counter()
    profile = intraday_profile(train, time_zone=tz)
    results: dict = {"data": name, "test_from": test_from.isoformat(), "levels": {}}
    for level, keys in (("store", ["store_id"]), ("store_item", ["store_id", "item_id"])):
        frame = morning_forecast(daily_grid(lines, keys), keys)
        fit, test = frame.filter(pl.col("day") < test_from), frame.filter(pl.col("day") >= test_from)
        # The prior strength is fit per hour on the days before the scored ones: how much the
        # sales so far are worth depends on how lumpy the morning is (wholesale orders).
        strength = {hour: fit_prior_strength(*at_hour(fit, lines, keys, profile, hour).values())
                    for hour in HOURS}
        rows: dict = {"prior_strength": {f"{h}:00": a for h, a in strength.items()}, "scored": test.height,
                      "fit_rows": fit.height, "actual_total": float(test["actual"].sum()),
                      "morning": score(test, "forecast"), "hours": {}}
        for hour in HOURS:
            now = at_hour(test, lines, keys, profile, hour)
            at = test.with_columns(
                pl.Series("nowcast", nowcast_array(now["sold"], now["share"], now["forecast"],
                                                   prior_strength=strength[hour])),
                pl.Series("run_rate", np.where(now["share"] > 0, now["sold"]
                                               / np.maximum(now["share"], 1e-9), now["sold"])),
            )
            rows["hours"][f"{hour}:00"] = {"share_done_mean": float(now["share"].mean()),
                                           "nowcast": score(at, "nowcast"),
                                           "run_rate_alone": score(at, "run_rate")}
            if level == "store_item":
                # A store's total as the live server shows it: the sum of its items' nowcasts
                # (and of their morning forecasts), scored against the store's actual total.
                stores = at.group_by("store_id", "day").agg(pl.col("nowcast", "forecast", "actual").sum())
                rows["hours"][f"{hour}:00"]["store_sum"] = {
                    "rows": stores.height, "morning": score(stores, "forecast"),
                    "nowcast": score(stores, "nowcast")}
        results["levels"][level] = rows
    results["seconds"] = round(time.perf_counter() - started, 2)
    return results


def markdown(result: dict) -> str:
    out = [f"**{result['data']}** (scored from {result['test_from']})", "",
           "| level | hour | share done | WAPE morning | WAPE nowcast | WAPE run rate alone "
           "| MAE morning | MAE nowcast | prior a |", "|---|---|---|---|---|---|---|---|---|"]
    for level, rows in result["levels"].items():
        for hour, h in rows["hours"].items():
            out.append(f"| {level} ({rows['scored']} rows) | {hour} | {h['share_done_mean']:.2f} "
                       f"| {rows['morning']['wape']:.3f} | {h['nowcast']['wape']:.3f} "
                       f"| {h['run_rate_alone']['wape']:.3f} | {rows['morning']['mae']:.2f} "
                       f"| {h['nowcast']['mae']:.2f} | {rows['prior_strength'][hour]:.3g} |")
    sums = result["levels"].get("store_item", {}).get("hours", {})
    if sums:
        out += ["", "Store totals as the live server shows them (the sum of the store's item nowcasts):",
                "", "| hour | store-days | WAPE morning (sum of items) | WAPE nowcast (sum of items) |",
                "|---|---|---|---|"]
        for hour, h in sums.items():
            t = h["store_sum"]
            out.append(f"| {hour} | {t['rows']} | {t['morning']['wape']:.3f} | {t['nowcast']['wape']:.3f} |")
    return "\n".join(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("data", choices=["retail", "chain"])
    parser.add_argument("--test-weeks", type=int, default=8, help="retail: weeks scored")
    args = parser.parse_args()
    if args.data == "retail":
        lines, tz = retail_lines()
        last = lines.select(local_day(pl.col("timestamp"), tz).max()).item()
        test_from = last - timedelta(weeks=args.test_weeks) + timedelta(days=1)
    else:
        lines, tz = chain_lines()
        first = lines.select(local_day(pl.col("timestamp"), tz).min()).item()
        test_from = first + timedelta(days=14)
    result = run(args.data, lines, tz, test_from)
    result.update({"when": datetime.now(UTC).isoformat(timespec="seconds"),
                   "machine": f"{platform.machine()}, {os.cpu_count()} cores",
                   "load_average": os.getloadavg()})
    OUT.mkdir(parents=True, exist_ok=True)
    (OUT / f"{args.data}.json").write_text(json.dumps(result, indent=2))
    print(markdown(result))


if __name__ == "__main__":
    main()
