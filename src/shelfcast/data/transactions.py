"""Till lines -> daily sales per store, item and local calendar day (DATA_FORMAT.md).

A transaction belongs to the local calendar day of its timestamp in the chain's time
zone. Returns (negative quantities) are netted within the day; a day whose returns
outweigh its sales counts as 0, and the result says how many such days there were.

The work is split in two steps so that a large source can be read in chunks
(``shelfcast ingest --sql``): ``partial_daily`` reduces one chunk to per-day sums, and
``finish_daily`` combines the sums of all chunks. ``daily_sales_from_transactions`` is
both at once, for a frame already in memory (the live server reuses it).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import polars as pl

from shelfcast.data.schema import DATE, ITEM, PRICE, QUANTITY, SALES, STORE, TIMESTAMP, UNIT_PRICE
from shelfcast.errors import DataValidationError

__all__ = [
    "DailySales",
    "daily_sales_from_transactions",
    "partial_daily",
    "finish_daily",
    "local_day",
]

# Per-day partial sums; a quantity-weighted price needs value and units of priced sales.
_NET, _VALUE, _PRICED = "_net_units", "_priced_value", "_priced_units"


@dataclass(frozen=True)
class DailySales:
    """Daily ``sales`` (``date, store_id, item_id, sales`` and ``price`` when prices were
    given) and what the aggregation did."""

    sales: pl.DataFrame
    lines: int
    """Transaction lines aggregated."""
    negative_days: int
    """(store, item, day) rows whose returns outweighed their sales, counted as 0."""


def local_day(timestamp: pl.Expr, time_zone: str) -> pl.Expr:
    """The local calendar day of a time-zone-aware timestamp in ``time_zone``."""
    return timestamp.dt.convert_time_zone(time_zone).dt.date()


def partial_daily(tx: pl.DataFrame, *, time_zone: str = "UTC") -> pl.DataFrame:
    """Reduce till lines (``timestamp``, ``store_id``, ``item_id``, ``quantity``, optional
    ``unit_price``) to per-day sums that ``finish_daily`` combines.

    A line may instead carry its local ``date`` (no ``timestamp``): sources that only know
    the day, or whose naive times were already placed in the chain's time zone.
    """
    missing = [c for c in (STORE, ITEM, QUANTITY) if c not in tx.columns]
    if TIMESTAMP not in tx.columns and DATE not in tx.columns:
        missing.append(TIMESTAMP)
    if missing:
        raise DataValidationError(
            f"transactions: missing column(s) {missing} (have {tx.columns})",
            details={"file": "transactions", "missing": missing},
        )
    if TIMESTAMP in tx.columns:
        dtype = tx.schema[TIMESTAMP]
        if not isinstance(dtype, pl.Datetime) or dtype.time_zone is None:
            raise DataValidationError(
                "transactions: column 'timestamp' must be a date-time with a time zone, "
                f"got {dtype}",
                details={"file": "transactions", "column": TIMESTAMP, "dtype": str(dtype)},
            )
        day = local_day(pl.col(TIMESTAMP), time_zone)
    else:
        day = pl.col(DATE).cast(pl.Date)
    qty = pl.col(QUANTITY).cast(pl.Float64)
    aggs = [qty.sum().alias(_NET)]
    if UNIT_PRICE in tx.columns:
        price = pl.col(UNIT_PRICE).cast(pl.Float64)
        # Only sales at a real price say what the item cost that day (returns and free
        # lines do not).
        priced = (qty > 0) & (price > 0)
        aggs += [
            (qty * price).filter(priced).sum().alias(_VALUE),
            qty.filter(priced).sum().alias(_PRICED),
        ]
    return (
        tx.lazy()
        .group_by(day.alias(DATE), pl.col(STORE).cast(pl.String), pl.col(ITEM).cast(pl.String))
        .agg(aggs)
        .collect()
    )


def finish_daily(partials: Iterable[pl.DataFrame], *, lines: int) -> DailySales:
    """Combine the ``partial_daily`` sums of every chunk into daily sales."""
    frames = [p for p in partials if p.height]
    if not frames:
        empty = pl.DataFrame(
            schema={DATE: pl.Date, STORE: pl.String, ITEM: pl.String, SALES: pl.Float64}
        )
        return DailySales(empty, lines=lines, negative_days=0)
    both = pl.concat(frames, how="diagonal_relaxed")
    priced = _VALUE in both.columns
    aggs = [pl.col(_NET).sum()]
    if priced:
        aggs += [pl.col(_VALUE).sum(), pl.col(_PRICED).sum()]
    days = both.group_by(DATE, STORE, ITEM).agg(aggs)
    negative_days = int(days.select((pl.col(_NET) < 0).sum()).item())
    columns = [
        pl.col(DATE),
        pl.col(STORE),
        pl.col(ITEM),
        pl.col(_NET).clip(lower_bound=0.0).alias(SALES),
    ]
    if priced:
        columns.append(
            pl.when(pl.col(_PRICED) > 0).then(pl.col(_VALUE) / pl.col(_PRICED)).alias(PRICE)
        )
    sales = days.select(columns).sort(STORE, ITEM, DATE)
    return DailySales(sales, lines=lines, negative_days=negative_days)


def daily_sales_from_transactions(tx: pl.DataFrame, *, time_zone: str = "UTC") -> DailySales:
    """Daily sales per store, item and local calendar day in ``time_zone``.

    ``sales`` is the net quantity (returns subtracted), 0 on a day whose returns outweigh
    its sales (counted in ``negative_days``). With ``unit_price``, ``price`` is the
    quantity-weighted mean price of that day's priced sales (null when there were none).
    """
    return finish_daily([partial_daily(tx, time_zone=time_zone)], lines=tx.height)
