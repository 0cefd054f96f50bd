"""Price and promotion features of the day being forecast.

Prices and promotions are known in advance (DATA_FORMAT.md), so these read the covariate
timeline (history and ``future``), never sales: the price relative to the item's usual price
(the median of the 91 days before), its change against a week before, the promo flag and depth,
and how many days the promotion has been running.
"""

from __future__ import annotations

import polars as pl

from shelfcast.data.schema import ITEM, PRICE, PROMO, STORE

__all__ = ["USUAL_PRICE_WINDOW", "price_features"]

USUAL_PRICE_WINDOW = 91


def price_features(columns: list[str]) -> list[pl.Expr]:
    """Expressions over a frame sorted by series and date that has the given covariates."""
    by = [STORE, ITEM]
    out: list[pl.Expr] = []
    if PRICE in columns:
        price = pl.col(PRICE)
        usual = price.shift(1).rolling_median(USUAL_PRICE_WINDOW, min_samples=1).over(by)
        ratio = price / usual
        out += [
            ratio.alias("price_ratio"),
            (price / price.shift(7).over(by) - 1.0).alias("price_change_7d"),
            (1.0 - ratio).clip(lower_bound=0.0).alias("discount"),
        ]
    if PROMO in columns:
        on = (pl.col(PROMO).fill_null(0.0) > 0)
        run = (~on).cum_sum().over(by)
        days_in = pl.int_range(pl.len()).over([*by, run])
        out += [
            on.cast(pl.Float64).alias("promo_flag"),
            pl.when(on).then(days_in.cast(pl.Float64)).otherwise(0.0).alias("promo_days"),
        ]
    return out
