from __future__ import annotations

import polars as pl
import pytest

from shelfcast.features.lags import (
    DaysSinceSale, Lag, RollingMean, RollingStd, SameWeekdayMean, ZeroShare,
)

BY = ["store_id", "item_id"]


def test_names_come_from_the_parameters() -> None:
    assert RollingMean(window=7).name(1) == "rolling_mean_lag1_window7"
    assert RollingStd(window=28).name(1) == "rolling_std_lag1_window28"
    assert ZeroShare(window=91).name(1) == "zero_share_lag1_window91"
    assert SameWeekdayMean(weeks=4).name(7) == "same_weekday_mean_lag7_weeks4"
    assert Lag(k=0).name(1) == "lag1" and Lag(k=6).name(1) == "lag7"
    assert DaysSinceSale(cap=180).name(1) == "days_since_sale_lag1_cap180"


def _series(values: list[float | None]) -> pl.DataFrame:
    n = len(values)
    return pl.DataFrame(
        {
            "store_id": ["S"] * n, "item_id": ["I"] * n,
            "date": pl.date_range(pl.date(2024, 1, 1), pl.date(2024, 1, n), eager=True),
            "y": values,
        }
    )


def test_rolling_mean_at_lag_reads_only_the_past_and_skips_masked_days() -> None:
    df = _series([1.0, None, 3.0, 5.0, 100.0])
    out = df.with_columns(RollingMean(window=3).expr(pl.col("y"), 1, BY).alias("m"))["m"].to_list()
    # Day 5 (100) never reaches its own feature; the masked day 2 is skipped, not a zero.
    assert out == [None, 1.0, 1.0, 2.0, 4.0]


def test_zero_share_and_days_since_sale() -> None:
    df = _series([0.0, 2.0, 0.0, 0.0, None, 0.0])
    out = df.with_columns(
        ZeroShare(window=3).expr(pl.col("y"), 1, BY).alias("z"),
        DaysSinceSale(cap=3).expr(pl.col("y"), 1, BY).alias("d"),
    )
    assert out["z"].to_list()[1:4] == [1.0, 0.5, pytest.approx(2 / 3)]
    # No sale yet counts as the cap; afterwards days since the day with sales.
    assert out["d"].to_list() == [None, 3.0, 0.0, 1.0, 2.0, 3.0]


def test_same_weekday_mean_uses_the_same_weekdays_only() -> None:
    values = [float(d % 7 == 0) * 10 + d for d in range(22)]
    df = _series(values)
    out = df.with_columns(SameWeekdayMean(weeks=2).expr(pl.col("y"), 7, BY).alias("w"))["w"]
    assert out[21] == pytest.approx((values[14] + values[7]) / 2)
    assert out[7] == pytest.approx(values[0])
    with pytest.raises(ValueError, match="multiple of 7"):
        SameWeekdayMean(weeks=2).expr(pl.col("y"), 3, BY)
