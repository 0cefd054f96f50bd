"""Frames the replenishment tests build: forecasts from known daily distributions, inventories."""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl

from shelfcast.config import DEFAULT_QUANTILES
from shelfcast.data.schema import quantile_column
from shelfcast.replenish.demand import nb_quantile

__all__ = ["AS_OF", "forecast_frame", "inventory_frame"]

AS_OF = date(2026, 11, 20)


def forecast_frame(mean: np.ndarray, var: np.ndarray | None = None, *,
                   as_of: date = AS_OF, stores: list[str] | None = None,
                   items: list[str] | None = None) -> pl.DataFrame:
    """A forecast whose days are negative binomials with these means and variances.

    ``mean``/``var`` are (SKUs, days); day 0 is ``as_of + 1``. SKU k is store ``S{k}`` item
    ``I{k}`` unless named.
    """
    mean = np.atleast_2d(np.asarray(mean, dtype=float))
    var = mean * 2.0 if var is None else np.broadcast_to(np.asarray(var, dtype=float), mean.shape)
    n, h = mean.shape
    stores = stores or [f"S{k}" for k in range(n)]
    items = items or [f"I{k}" for k in range(n)]
    cols: dict[str, object] = {
        "date": np.tile(np.datetime64(as_of, "D") + np.arange(1, h + 1), n),
        "store_id": np.repeat(stores, h),
        "item_id": np.repeat(items, h),
        "forecast": mean.ravel(),
    }
    for q in DEFAULT_QUANTILES:
        cols[quantile_column(q)] = nb_quantile(q, mean.ravel(), var.ravel())
    return pl.DataFrame(cols).with_columns(pl.col("date").cast(pl.Date))


def inventory_frame(n: int, **columns: object) -> pl.DataFrame:
    """An inventory of SKUs ``S{k}``/``I{k}``; each keyword is a scalar or a length-n list."""
    data: dict[str, object] = {
        "store_id": [f"S{k}" for k in range(n)],
        "item_id": [f"I{k}" for k in range(n)],
        "as_of": [AS_OF] * n,
    }
    for name, value in columns.items():
        data[name] = list(value) if isinstance(value, (list, tuple, np.ndarray)) else [value] * n
    df = pl.DataFrame(data)
    ints = ["lead_time_days", "review_period_days", "pack_size"]
    return df.with_columns(
        [pl.col(c).cast(pl.Int64) for c in ints if c in df.columns]
        + [pl.col(c).cast(pl.Float64) for c in df.columns
           if c not in ints + ["store_id", "item_id", "as_of", "next_arrival_date"]]
    )
