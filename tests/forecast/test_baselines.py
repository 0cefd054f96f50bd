"""The baselines forecast what their textbook definitions say, in the forecast-file shape."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
import polars as pl
import pytest

from shelfcast.data.dataset import Dataset
from shelfcast.errors import NotFittedError
from shelfcast.forecast.baselines import (
    BASELINES,
    MovingAverage,
    Naive,
    SeasonalNaive,
    WeekdayMean,
)

START = date(2024, 1, 1)  # a Monday
QCOLS = ["q10", "q50", "q80", "q90", "q95", "q99"]


def _series(values: list[float], *, store: str = "s1", item: str = "a") -> pl.DataFrame:
    return pl.DataFrame(
        {
            "date": [START + timedelta(days=k) for k in range(len(values))],
            "store_id": store,
            "item_id": item,
            "sales": [float(v) for v in values],
        }
    )


@pytest.fixture
def weekly() -> Dataset:
    # Ten weeks of the pattern 1..7 (Monday 1, Sunday 7), then a last week of 10..16.
    values = list(range(1, 8)) * 10 + list(range(10, 17))
    return Dataset(sales=_series(values))


@pytest.fixture
def noisy() -> Dataset:
    rng = np.random.default_rng(0)
    parts = [
        _series(list(rng.poisson(4, 120)), store=s, item=i) for s in ("s1", "s2") for i in "ab"
    ]
    return Dataset(sales=pl.concat(parts))


def test_naive_repeats_the_last_day(weekly: Dataset) -> None:
    out = Naive().fit(weekly).predict(horizon=3)
    assert out["forecast"].to_list() == [16.0, 16.0, 16.0]


def test_seasonal_naive_repeats_the_last_week(weekly: Dataset) -> None:
    out = SeasonalNaive().fit(weekly).predict(horizon=10)
    assert out["forecast"].to_list() == [10.0, 11, 12, 13, 14, 15, 16, 10, 11, 12]


def test_weekday_mean_averages_the_last_four_same_weekdays(weekly: Dataset) -> None:
    out = WeekdayMean().fit(weekly).predict(horizon=2)
    # Monday: three weeks of 1 and the last week's 10.
    assert out["forecast"].to_list() == [(1 + 1 + 1 + 10) / 4, (2 + 2 + 2 + 11) / 4]


def test_moving_average_is_flat_over_the_window(weekly: Dataset) -> None:
    out = MovingAverage(window=7).fit(weekly).predict(horizon=2)
    assert out["forecast"].to_list() == [13.0, 13.0]


def test_missing_days_count_as_zero_sales() -> None:
    sales = _series([5.0] * 21).filter(pl.col("date") != START + timedelta(days=20))
    # The series lives on: its last day (no row) sold nothing; so did day 13.
    sales = sales.filter(pl.col("date") != START + timedelta(days=13))
    ds = Dataset(sales=pl.concat([sales, _series([1.0] * 21, item="b")]))
    out = SeasonalNaive().fit(ds).predict(horizon=7).filter(pl.col("item_id") == "a")
    assert out["forecast"].to_list() == [5.0] * 6 + [0.0]


@pytest.mark.parametrize("name", sorted(BASELINES))
def test_forecast_frame_has_the_contract_shape(name: str, noisy: Dataset) -> None:
    out = BASELINES[name]().fit(noisy).predict(horizon=28)
    assert out.columns == ["date", "store_id", "item_id", "forecast", *QCOLS]
    assert out.height == 4 * 28
    assert out.select(pl.all().exclude("date", "store_id", "item_id").min()).min_horizontal()[0] >= 0
    for lo, hi in zip(QCOLS, QCOLS[1:], strict=False):
        assert (out[lo] <= out[hi]).all(), f"{lo} crosses {hi}"
    assert out["date"].min() == noisy.last_date + timedelta(days=1)


def test_quantiles_come_from_in_sample_errors(noisy: Dataset) -> None:
    out = SeasonalNaive().fit(noisy).predict(horizon=7)
    spread = (out["q90"] - out["q10"]).mean()
    assert spread is not None and spread > 1.0  # Poisson(4) errors are not zero


def test_future_rows_define_the_output_and_closed_days_forecast_zero(noisy: Dataset) -> None:
    first = noisy.last_date + timedelta(days=1)
    future = pl.DataFrame(
        {
            "date": [first, first + timedelta(days=1)],
            "store_id": ["s1", "s2"],
            "item_id": ["a", "b"],
            "open": [1.0, 0.0],
        }
    )
    out = WeekdayMean().fit(noisy).predict(future)
    assert out.select("date", "store_id", "item_id").rows() == future.drop("open").rows()
    closed = out.filter(pl.col("store_id") == "s2").drop("date", "store_id", "item_id")
    assert closed.row(0) == (0.0,) * 7
    assert out.filter(pl.col("store_id") == "s1")["forecast"].item() > 0


def test_update_moves_the_window_on(weekly: Dataset) -> None:
    model = Naive().fit(weekly)
    day = weekly.last_date + timedelta(days=1)
    model.update(pl.DataFrame({"date": [day], "store_id": ["s1"], "item_id": ["a"], "sales": [3.0]}))
    out = model.predict(horizon=1)
    assert out["date"].item() == day + timedelta(days=1)
    assert out["forecast"].item() == 3.0


def test_predict_before_fit_says_so() -> None:
    with pytest.raises(NotFittedError, match="fitted"):
        SeasonalNaive().predict()
