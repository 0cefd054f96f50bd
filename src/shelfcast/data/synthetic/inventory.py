"""The stock position at the close of the last day of sales, for every series still listed.

On hand is a few days of recent sales (none after a stockout on the last day); some
series have an order on the way. Lead times, review periods and service levels follow the
category (fresh goods daily, dry goods weekly); orders come in packs.
"""

from __future__ import annotations

from datetime import date

import numpy as np
import polars as pl

from shelfcast.data.schema import ITEM, STORE
from shelfcast.data.synthetic.catalog import Items, category_array

__all__ = ["make_inventory"]


def make_inventory(
    rng: np.random.Generator,
    *,
    store_ids: np.ndarray,
    items: Items,
    s: np.ndarray,
    i: np.ndarray,
    rate: np.ndarray,
    out_of_stock: np.ndarray,
    as_of: date,
) -> pl.DataFrame:
    """One row per series (``s``, ``i`` index stores and items); ``rate`` is recent units a day."""
    n = len(s)
    cat = items.category[i]
    lead = category_array("lead_time")[cat] + rng.integers(0, 2, n)
    review = category_array("review")[cat].astype(np.int64)
    service = category_array("service")[cat]
    pack = items.pack_size[i].astype(np.int64)
    on_hand = np.where(out_of_stock, 0.0, rng.poisson(rate * rng.uniform(0.5, 6.0, n) + 0.3))
    pending = rng.random(n) < 0.45
    on_order = np.where(pending, np.ceil(rate * (lead + review) / pack) * pack, 0.0)
    arrival = np.where(on_order > 0, rng.integers(1, lead + 1), -1)
    cover = rate * (lead + review + 7) * 1.5
    max_stock = np.ceil(np.maximum(cover, 2 * pack) / pack) * pack
    as_of_day = np.datetime64(as_of, "D")
    return pl.DataFrame({
        STORE: pl.Series(store_ids, dtype=pl.String).gather(s),
        ITEM: pl.Series(items.ids, dtype=pl.String).gather(i),
        "as_of": pl.Series(np.full(n, as_of_day)).cast(pl.Date),
        "on_hand": pl.Series(on_hand, dtype=pl.Float64),
        "on_order": pl.Series(on_order, dtype=pl.Float64),
        "next_arrival_date": pl.Series(as_of_day + np.maximum(arrival, 0)).cast(pl.Date),
        "lead_time_days": pl.Series(lead, dtype=pl.Int64),
        "review_period_days": pl.Series(review, dtype=pl.Int64),
        "service_level": pl.Series(service, dtype=pl.Float64),
        "pack_size": pl.Series(pack, dtype=pl.Int64),
        "min_order": pl.Series(pack * rng.choice([1, 1, 2], n), dtype=pl.Float64),
        "max_stock": pl.Series(max_stock, dtype=pl.Float64),
        "unit_cost": pl.Series(items.unit_cost[i], dtype=pl.Float64),
        "shelf_life_days": pl.Series(items.shelf_life[i], dtype=pl.Float64),
    }).with_columns(
        pl.when(pl.Series(arrival >= 0)).then(pl.col("next_arrival_date"))
        .alias("next_arrival_date")
    )
