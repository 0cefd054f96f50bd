"""Speed of order proposals for many store-item pairs, whole process.

    .venv/bin/python benchmarks/bench_replenish_speed.py make --pairs 1000000
    /usr/bin/time -v .venv/bin/python benchmarks/bench_replenish_speed.py run

``make`` writes, under ``benchmarks/out/replenish_speed/``, a forecast (7 days, the quantile
columns of the contract) and an inventory for ``--pairs`` store-item pairs (1,000 stores x
1,000 items by default): lead times 1-4 days, review periods 1-3, packs of 1-24, minimum
orders, shelf capacities, a fifth of the items perishable (shelf life 2-10 days), costs.
``run`` is what ``shelfcast replenish`` does after loading: read the forecast and the
inventory, ``propose`` (demand distributions, policy, rules, reasons, alerts), write orders
and alerts as Parquet. The time of the whole process is the figure.
"""

from __future__ import annotations

import argparse
import time
from datetime import date, timedelta
from pathlib import Path

import numpy as np
import polars as pl

OUT = Path(__file__).resolve().parent / "out" / "replenish_speed"
AS_OF = date(2026, 11, 20)
DAYS = 7


def make(pairs: int, seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    stores = max(pairs // 1000, 1)
    items = pairs // stores
    n = stores * items
    store = np.repeat([f"S{s:04d}" for s in range(stores)], items)
    item = np.tile([f"I{i:05d}" for i in range(items)], stores)
    level = rng.gamma(0.6, 6.0, n)
    dow = np.array([1.0, 0.9, 0.95, 1.0, 1.2, 1.4, 0.8])
    mean = level[:, None] * dow[None, :DAYS]
    disp = 1.0 + rng.gamma(2.0, 0.6, n)
    from shelfcast.config import DEFAULT_QUANTILES
    from shelfcast.data.schema import quantile_column
    from shelfcast.replenish.demand import nb_quantile

    var = mean * disp[:, None]
    fc = {
        "date": np.tile(np.datetime64(AS_OF, "D") + np.arange(1, DAYS + 1), n),
        "store_id": np.repeat(store, DAYS),
        "item_id": np.repeat(item, DAYS),
        "forecast": mean.ravel(),
    }
    for q in DEFAULT_QUANTILES:
        fc[quantile_column(q)] = nb_quantile(q, mean.ravel(), var.ravel())
    OUT.mkdir(parents=True, exist_ok=True)
    pl.DataFrame(fc).with_columns(pl.col("date").cast(pl.Date)).write_parquet(
        OUT / "forecast.parquet")
    perishable = rng.random(n) < 0.2
    inv = pl.DataFrame({
        "store_id": store, "item_id": item,
        "as_of": np.full(n, np.datetime64(AS_OF, "D")),
        "on_hand": np.round(level * rng.uniform(0, 6, n)),
        "on_order": np.where(rng.random(n) < 0.3, np.round(level * 2), 0.0),
        "next_arrival_date": np.datetime64(AS_OF, "D") + rng.integers(1, 3, n),
        "lead_time_days": rng.integers(1, 5, n),
        "review_period_days": rng.integers(1, 4, n),
        "service_level": rng.choice([0.9, 0.95, 0.98], n),
        "pack_size": rng.choice([1, 6, 12, 24], n),
        "min_order": rng.choice([0.0, 12.0, 24.0], n),
        "max_stock": np.round(level * 12 + 24),
        "unit_cost": np.round(rng.uniform(0.5, 8.0, n), 2),
        "shelf_life_days": np.where(perishable, rng.integers(2, 11, n), np.nan),
    }).with_columns(pl.col("as_of").cast(pl.Date), pl.col("next_arrival_date").cast(pl.Date),
                    pl.col("shelf_life_days").fill_nan(None))
    inv.write_parquet(OUT / "inventory.parquet")
    print(f"{n:,} pairs -> {OUT}")


def run() -> None:
    from shelfcast.replenish.proposals import propose

    t0 = time.perf_counter()
    fc = pl.read_parquet(OUT / "forecast.parquet")
    inv = pl.read_parquet(OUT / "inventory.parquet")
    t1 = time.perf_counter()
    out = propose(fc, inv, as_of=AS_OF - timedelta(days=0))
    t2 = time.perf_counter()
    out.orders.write_parquet(OUT / "orders.parquet")
    out.alerts.write_parquet(OUT / "alerts.parquet")
    t3 = time.perf_counter()
    print(f"pairs {inv.height:,}: read {t1 - t0:.1f} s, propose {t2 - t1:.1f} s, "
          f"write {t3 - t2:.1f} s; {out.orders.height:,} order lines, "
          f"{out.alerts.height:,} alerts")


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("step", choices=["make", "run"])
    parser.add_argument("--pairs", type=int, default=1_000_000)
    args = parser.parse_args()
    make(args.pairs) if args.step == "make" else run()
