"""Weather as a covariate, only where it also covers the days to forecast.

A weather table that stops at the last day of sales would teach the model an effect it then
cannot use (every forecast row would have no weather): such a table is ignored, with a note.
"""

from __future__ import annotations

from datetime import date

import polars as pl

from shelfcast.data.schema import DATE, STORE

__all__ = ["weather_columns", "weather_covers", "weather_features"]


def weather_columns(weather: pl.DataFrame) -> list[str]:
    return [c for c, t in weather.schema.items() if c not in (DATE, STORE) and t.is_numeric()]


def weather_covers(weather: pl.DataFrame, stores: list[str], start: date, end: date) -> bool:
    """Whether every store has a weather row for every day from ``start`` to ``end``."""
    need = len(stores) * ((end - start).days + 1)
    have = weather.filter(pl.col(DATE).is_between(start, end), pl.col(STORE).is_in(stores))
    return have.select(DATE, STORE).unique().height >= need


def weather_features(weather: pl.DataFrame) -> pl.DataFrame:
    """``store_id, date``, then per weather column ``weather_<c>`` and ``weather_<c>_anomaly``.

    The anomaly is the day's value minus the store's mean of the 28 days before: the series
    level the model starts from already holds the season's usual weather, so what moves
    sales from it is a day hotter or wetter than the weeks before.
    """
    cols = weather_columns(weather)
    w = weather.select(
        pl.col(STORE).cast(pl.String), pl.col(DATE), *[pl.col(c).cast(pl.Float64).alias(f"weather_{c}") for c in cols]
    ).unique([STORE, DATE], keep="first").sort(STORE, DATE)
    return w.with_columns(
        (pl.col(f"weather_{c}") - pl.col(f"weather_{c}").shift(1).rolling_mean(28, min_samples=1).over(STORE))
        .alias(f"weather_{c}_anomaly")
        for c in cols
    )
