"""Replenishment benchmark: shelfcast against the textbook method, by simulation.

    .venv/bin/python benchmarks/bench_replenish.py chain  [--days 90 --refit-every 30]
    .venv/bin/python benchmarks/bench_replenish.py retail [--days 90 --refit-every 30]

``chain``: the synthetic chain ``benchmarks/out/data/chain_s10_i100_d730_seed0`` (made by
``bench_generator.py``; 10 stores x 100 items, 730 days), its first 3 stores (300 SKUs),
with its own inventory set-up (lead
times, review periods, packs, minimum orders, shelf lives, costs), the shelf capacity
(``max_stock``) lifted so that the 95 % target is reachable where shelf lives allow it.

``retail``: UCI Online Retail, United Kingdom, daily demand of the SKUs sold on at least 150
days (``benchmarks/out/online_retail``, made by ``bench_import.py``), with an assumed set-up
documented in ``ASSUMED_RETAIL``: lead time 2 days, daily review, packs of 1, no minimum order,
no capacity limit, not perishable, unit cost 60 % of the median price.

Both methods replay the same days with the same rules (packs, minimum order, capacity, shelf
life); each sweeps its service-level target over ``LEVELS`` and the curves of average inventory
against achieved fill rate are compared at equal fill rate. shelfcast's Forecaster is refit
every ``--refit-every`` days and rolled forward with ``update`` in between; it forecasts every
review day. Those forecasts are cached on disk (``FORECAST_CACHE``; ``--no-cache`` to redo them):
the first run fits and forecasts, later runs replay the policies in minutes. Output: a JSON of
every row and the comparison, under ``benchmarks/out/replenish``.
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import polars as pl

from shelfcast.data.load import load_dataset
from shelfcast.forecast.forecaster import Forecaster
from shelfcast.replenish.calibrate import past_window_errors, variance_factor
from shelfcast.replenish.demand import nb_quantile, window_moments
from shelfcast.replenish.simulate import (
    ModelSource,
    TextbookSource,
    inventory_at_fill_rate,
    setup_from_dataset,
    simulate_sweep,
)

ROOT = Path(__file__).resolve().parent
OUT = ROOT / "out" / "replenish"
CHAIN = ROOT / "out" / "data" / "chain_s10_i100_d730_seed0"
RETAIL = ROOT / "out" / "online_retail"
FORECAST_CACHE = OUT / "forecast_cache"
"""Each review day's forecast (mean, variance), one file per data set, SKUs, refit schedule and
day: forecasts do not depend on the policy, so a rerun after a policy change takes minutes.
The key does not see the Forecaster's own code or settings: after changing those, run with
``--no-cache`` (or delete the folder)."""
LEVELS = (0.80, 0.85, 0.90, 0.925, 0.95, 0.96, 0.97, 0.98, 0.99, 0.995)
"""Both methods sweep the same targets; the steps are finer where the textbook's curve ends
(fill rates 0.86-0.90 on Online Retail), so every stretch of it has a comparable point."""
ASSUMED_RETAIL = {
    "store": "United Kingdom", "min_selling_days": 150, "lead_time_days": 2,
    "review_period_days": 1, "pack_size": 1, "min_order": 0.0, "unit_cost_share": 0.6,
}


CHAIN_STORES = 3
"""Stores of the chain replayed (the first ones): the Forecaster's weekly refits of all 10 do not
fit the time this machine (2 cores, shared) gives a benchmark run."""


def chain_inputs() -> tuple[object, pl.DataFrame]:
    from dataclasses import replace

    ds = load_dataset(CHAIN)
    stores = sorted(ds.sales["store_id"].unique())[:CHAIN_STORES]
    keep = pl.col("store_id").is_in(stores)
    ds = replace(ds, sales=ds.sales.filter(keep), transactions=None,
                 future=None if ds.future is None else ds.future.filter(keep),
                 inventory=ds.inventory.filter(keep))
    inv = ds.inventory.with_columns(max_stock=pl.lit(None, dtype=pl.Float64))
    return ds, inv


def retail_inputs() -> tuple[object, pl.DataFrame]:
    from dataclasses import replace

    ds = load_dataset(RETAIL)
    a = ASSUMED_RETAIL
    sales = ds.sales.filter(pl.col("store_id") == a["store"])
    active = (
        sales.filter(pl.col("sales") > 0)
        .group_by("store_id", "item_id")
        .agg(pl.len().alias("days"), pl.col("price").median().alias("price"))
        .filter(pl.col("days") >= a["min_selling_days"])
        # group_by's order changes run to run; the forecast cache is keyed by the SKU order.
        .sort("store_id", "item_id")
    )
    sales = sales.join(active.select("store_id", "item_id"), on=["store_id", "item_id"],
                       how="semi")
    ds = replace(ds, sales=sales, transactions=None, future=None, inventory=None)
    inv = active.select(
        "store_id", "item_id",
        on_hand=pl.lit(0.0),
        lead_time_days=pl.lit(a["lead_time_days"], dtype=pl.Int64),
        review_period_days=pl.lit(a["review_period_days"], dtype=pl.Int64),
        pack_size=pl.lit(a["pack_size"], dtype=pl.Int64),
        min_order=pl.lit(a["min_order"]),
        unit_cost=pl.col("price") * a["unit_cost_share"],
    )
    return ds, inv


def coverage(setup, source, level: float = 0.95) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """How often the protection period's demand stayed at or below its forecast quantile:
    with the days taken as independent, and (for shelfcast) with the calibrated spread."""
    rules = setup.rules
    n = rules.n
    protection = rules.lead_time + rules.review_period
    horizon = int(protection.max())
    days = setup.days - horizon
    cumulative = np.zeros((n, setup.days + 1))
    np.cumsum(setup.demand[:, setup.start:setup.start + setup.days], axis=1,
              out=cumulative[:, 1:])
    window_mean = np.full((n, setup.days), np.nan)
    window_var = np.full((n, setup.days), np.nan)
    reviewed = np.ones((n, setup.days), dtype=bool)
    hits = {"independent": 0, "calibrated": 0}
    for d in range(days):
        t = setup.start + d
        mean, var = source.matrices(t, max(horizon, _horizon_of(rules)))
        m, v = window_moments(mean, var, 0, protection)
        actual = cumulative[np.arange(n), d + 1 + protection] - cumulative[:, d + 1]
        if source.name == "textbook":
            from scipy import special

            s = m + special.ndtri(level) * np.sqrt(var[:, 0] * protection)
            hits["independent"] += int((actual <= s + 1e-9).sum())
            continue
        errors, model_var, known = past_window_errors(
            cumulative, window_mean, window_var, reviewed, protection, d)
        factor = variance_factor(errors, model_var, known)
        window_mean[:, d], window_var[:, d] = m, v
        hits["independent"] += int((actual <= nb_quantile(level, m, v) + 1e-9).sum())
        hits["calibrated"] += int((actual <= nb_quantile(level, m, v * factor) + 1e-9).sum())
    out = {k: round(h / (days * n), 4) for k, h in hits.items()}
    if source.name == "textbook":
        out.pop("calibrated")
    return out


def _horizon_of(rules) -> int:  # type: ignore[no-untyped-def]
    from shelfcast.replenish.simulate import _horizon

    return _horizon(rules)


def compare(report: pl.DataFrame) -> dict[str, object]:
    """Inventory of shelfcast against the textbook's at the same fill rate, along the sweeps."""
    shelf = report.filter(pl.col("source") == "shelfcast").sort("fill_rate")
    text = report.filter(pl.col("source") == "textbook")
    fills = shelf["fill_rate"].to_numpy()
    text_inv = inventory_at_fill_rate(text, fills)
    ours = shelf["avg_inventory_units"].to_numpy()
    saving = 1.0 - ours / text_inv
    ok = np.isfinite(saving)
    return {
        "fill_rates": fills.round(4).tolist(),
        "shelfcast_inventory": ours.round(1).tolist(),
        "textbook_inventory_at_same_fill": np.round(text_inv, 1).tolist(),
        "saving": np.round(saving, 4).tolist(),
        "median_saving_where_comparable": float(np.median(saving[ok])) if ok.any() else None,
        "comparable_points": int(ok.sum()),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("data", choices=["chain", "retail"])
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--refit-every", type=int, default=30)
    parser.add_argument("--levels", type=float, nargs="*", default=list(LEVELS))
    parser.add_argument("--relaxed", action="store_true",
                        help="packs of 1 and no minimum order (to see what the rules cost)")
    parser.add_argument("--no-cache", action="store_true",
                        help="forecast afresh, neither reading nor writing FORECAST_CACHE")
    parser.add_argument("--textbook-only", action="store_true",
                        help="skip the Forecaster (minutes) for quick diagnostics")
    args = parser.parse_args()

    t0 = time.perf_counter()
    ds, inv = chain_inputs() if args.data == "chain" else retail_inputs()
    if args.relaxed:
        inv = inv.with_columns(pack_size=pl.lit(1, dtype=pl.Int64), min_order=pl.lit(0.0))
    setup = setup_from_dataset(ds, days=args.days, inventory=inv)  # type: ignore[arg-type]
    textbook = TextbookSource(setup)
    shelfcast = ModelSource(
        setup, ds, Forecaster, refit_every=args.refit_every,  # type: ignore[arg-type]
        progress=lambda m: print(m, flush=True),
        cache_dir=None if args.no_cache else FORECAST_CACHE, cache_label=args.data,
    )
    rules = setup.rules
    perishable = np.isfinite(rules.shelf_life) & (rules.shelf_life < 60)
    # SKUs whose rules can reach a 95 % target: not perishable (no shelf-life cap) and one
    # pack (or the minimum order) no more than the protection period's demand.
    groups = {"non_perishable": np.flatnonzero(~perishable)} if perishable.any() else {}
    sources = [textbook] if args.textbook_only else [textbook, shelfcast]
    full = simulate_sweep(setup, sources, service_levels=args.levels,
                          groups=groups or None)
    report = full.filter(pl.col("group") == "all") if groups else full
    wall = time.perf_counter() - t0
    cov = {s.name: coverage(setup, s) for s in sources}
    result = {
        "data": args.data,
        "skus": setup.rules.n,
        "perishable_skus": int(perishable.sum()),
        "days": args.days,
        "first_day": str(setup.dates[setup.start]),
        "refit_every": args.refit_every,
        "forecast_cache": None if args.no_cache else str(FORECAST_CACHE),
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, 2 cores, 24 GiB",
        "wall_seconds": round(wall, 1),
        "protection_quantile_coverage_at_0.95": cov,
        "relaxed": args.relaxed,
        "comparison": None if args.textbook_only else compare(report),
        "rows": full.to_dicts(),
    }
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / (f"{args.data}{'_relaxed' if args.relaxed else ''}"
                  f"{'_textbook' if args.textbook_only else ''}.json")
    path.write_text(json.dumps(result, indent=1, default=str))
    pl.Config.set_tbl_cols(12)
    pl.Config.set_tbl_width_chars(200)
    print(report.select("source", "target_service_level", "cycle_service_level",
                        "cycle_service_level_with_demand", "fill_rate", "avg_inventory_units",
                        "days_of_cover", "waste_units", "total_cost"))
    causes = [c for c in report.columns if c.startswith(("cycle_service_level_", "cycles_"))
              and not c.endswith("with_demand")]
    print(report.filter(pl.col("target_service_level") == 0.95).select(
        "source", "target_service_level", *causes))
    if groups:
        print(full.filter(pl.col("group") != "all").select(
            "group", "source", "target_service_level", "cycle_service_level", "fill_rate",
            "avg_inventory_units"))
    print(json.dumps({k: v for k, v in result.items() if k != "rows"}, indent=1, default=str))
    print(f"-> {path}")


if __name__ == "__main__":
    main()
