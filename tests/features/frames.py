"""Small hand-made frames for the feature tests."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import polars as pl

__all__ = ["panel"]


def panel(days: int = 60, series: int = 2, *, seed: int = 0, start: date = date(2024, 1, 1)) -> pl.DataFrame:
    """A dense sales table: ``series`` items in store S1, Poisson sales, a price and promo."""
    rng = np.random.default_rng(seed)
    dates = [start + timedelta(days=d) for d in range(days)]
    rows = []
    for s in range(series):
        for i, d in enumerate(dates):
            rows.append(
                {
                    "date": d, "store_id": "S1", "item_id": f"I{s}",
                    "sales": float(rng.poisson(3 + s)), "price": 2.0 - 0.5 * (i % 10 == 0),
                    "promo": float(i % 10 == 0),
                }
            )
    return pl.DataFrame(rows).sort("store_id", "item_id", "date")
