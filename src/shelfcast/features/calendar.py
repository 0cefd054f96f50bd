"""Calendar features of the day being forecast: weekday, month, week, day of month, paydays."""

from __future__ import annotations

import polars as pl

from shelfcast.data.schema import DATE

__all__ = ["CALENDAR_FEATURES", "calendar_features"]

CALENDAR_FEATURES: tuple[str, ...] = (
    "day_of_week", "day_of_month", "month", "week_of_year", "day_of_year",
    "days_to_month_end", "payday",
)


def calendar_features(date: pl.Expr | None = None) -> list[pl.Expr]:
    """Expressions for :data:`CALENDAR_FEATURES` from a date column (default ``date``).

    ``payday`` marks the usual pay days (the 1st, the 15th and the month's last day): many
    chains see the weekend after them busier, so the distance to month end goes in too.
    """
    d = pl.col(DATE) if date is None else date
    month_end = d.dt.month_end()
    to_end = (month_end - d).dt.total_days()
    dom = d.dt.day()
    return [
        d.dt.weekday().cast(pl.Float64).alias("day_of_week"),
        dom.cast(pl.Float64).alias("day_of_month"),
        d.dt.month().cast(pl.Float64).alias("month"),
        d.dt.week().cast(pl.Float64).alias("week_of_year"),
        d.dt.ordinal_day().cast(pl.Float64).alias("day_of_year"),
        to_end.cast(pl.Float64).alias("days_to_month_end"),
        ((dom == 1) | (dom == 15) | (to_end == 0)).cast(pl.Float64).alias("payday"),
    ]
