"""Rolling-origin backtests: what reaches the training side, and the shape of the results."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np
import polars as pl
import pytest

from shelfcast.data.dataset import Dataset
from shelfcast.errors import ShelfcastError
from shelfcast.forecast.backtest import backtest, cutoffs, next_day_backtest, split_at
from shelfcast.forecast.baselines import BASELINES, SeasonalNaive, WeekdayMean
from shelfcast.forecast.metrics import evaluate

START = date(2024, 1, 1)
DAYS = 120
LAST = START + timedelta(days=DAYS - 1)


def _dataset(*, poison_after: date | None = None) -> Dataset:
    rng = np.random.default_rng(1)
    frames = []
    for store in ("s1", "s2"):
        for item in ("a", "b", "c"):
            days = [START + timedelta(days=k) for k in range(DAYS)]
            sales = rng.poisson(5, DAYS).astype(float)
            frames.append(
                pl.DataFrame(
                    {
                        "date": days,
                        "store_id": store,
                        "item_id": item,
                        "sales": sales,
                        "price": 2.0 + 0.01 * np.arange(DAYS),
                        "stockout": 0.0,
                    }
                )
            )
    sales = pl.concat(frames).filter(pl.col("sales") > 0)  # sparse: a missing day sold 0
    if poison_after is not None:
        sales = sales.with_columns(
            pl.when(pl.col("date") > poison_after).then(1e6).otherwise(pl.col("sales"))
            .alias("sales"),
            pl.when(pl.col("date") > poison_after).then(1.0).otherwise(pl.col("stockout"))
            .alias("stockout"),
        )
    stamps = [datetime(2024, 1, 1, 12, tzinfo=UTC) + timedelta(days=k) for k in range(DAYS)]
    transactions = pl.DataFrame(
        {
            "transaction_id": [str(k) for k in range(DAYS)],
            "timestamp": stamps,
            "store_id": "s1",
            "item_id": "a",
            "quantity": 1.0,
        }
    )
    inventory = pl.DataFrame({"store_id": ["s1"], "item_id": ["a"], "on_hand": [3.0]})
    weather = pl.DataFrame(
        {"date": [START + timedelta(days=k) for k in range(DAYS)], "store_id": "s1",
         "temp_max": 10.0}
    )
    return Dataset(sales=sales, transactions=transactions, inventory=inventory, weather=weather)


def test_nothing_after_the_cutoff_reaches_the_training_side() -> None:
    cutoff = LAST - timedelta(days=28)
    train, future, actuals = split_at(_dataset(), cutoff, horizon=28)
    assert train.sales["date"].max() == cutoff
    assert train.transactions is not None
    assert train.transactions["timestamp"].dt.date().max() == cutoff
    assert train.inventory is None
    assert "sales" not in future.columns and "stockout" not in future.columns
    assert future["date"].min() == cutoff + timedelta(days=1)
    assert future["date"].max() == LAST
    # Known in advance: the covariates and the weather of the days to forecast.
    assert "price" in future.columns
    assert train.future is not None and train.future.equals(future)
    assert actuals.height == future.height == 6 * 28


def test_forecasts_do_not_change_when_the_days_after_the_cutoff_do() -> None:
    cutoff = LAST - timedelta(days=28)
    models = {"seasonal_naive": SeasonalNaive, "weekday_mean_4": WeekdayMean}
    clean = backtest(_dataset(), models, windows=1, horizon=28)
    poisoned = backtest(_dataset(poison_after=cutoff), models, windows=1, horizon=28)
    forecast_cols = ["forecast", "q10", "q50", "q90", "q99", "scale_abs", "scale_sq"]
    assert clean.select(forecast_cols).equals(poisoned.select(forecast_cols))
    assert not clean["actual"].equals(poisoned["actual"])


def test_missing_days_are_scored_as_zero_sales() -> None:
    full = _dataset()
    gone = (pl.col("item_id") == "a") & (pl.col("date") >= LAST - timedelta(days=5))
    ds = Dataset(sales=full.sales.filter(~gone))
    _, _, actuals = split_at(ds, LAST - timedelta(days=28), horizon=28)
    assert actuals.filter(gone)["actual"].to_list() == [0.0] * 12
    rows_after = ds.sales.filter(pl.col("date") > LAST - timedelta(days=28)).height
    assert actuals.height > rows_after  # the zero days are there too
    assert actuals["actual"].sum() == ds.sales.filter(
        pl.col("date") > LAST - timedelta(days=28)
    )["sales"].sum()


def test_cutoffs_step_back_from_the_end() -> None:
    assert cutoffs(LAST, windows=3, horizon=28, step=7) == [
        LAST - timedelta(days=42), LAST - timedelta(days=35), LAST - timedelta(days=28)
    ]


def test_backtest_long_form_covers_every_model_cutoff_and_day() -> None:
    results = backtest(_dataset(), BASELINES, windows=2, horizon=14, step=7)
    assert results.columns[:8] == [
        "model", "cutoff", "date", "horizon", "store_id", "item_id", "actual", "forecast"
    ]
    assert {"q10", "q50", "q90", "q99", "scale_abs", "scale_sq"} <= set(results.columns)
    assert results.height == len(BASELINES) * 2 * 6 * 14
    assert results["horizon"].min() == 1 and results["horizon"].max() == 14
    assert ((results["date"] - results["cutoff"]).dt.total_days() == results["horizon"]).all()
    table = evaluate(results)
    assert sorted(table["model"]) == sorted(BASELINES)
    # Poisson(5) noise: every baseline's scaled error is of the order of one.
    assert table["rmsse"].is_between(0.3, 3.0).all()


def test_next_day_backtest_forecasts_one_day_per_origin() -> None:
    results = next_day_backtest(_dataset(), {"seasonal_naive": SeasonalNaive}, days=7)
    assert results["horizon"].unique().to_list() == [1]
    assert results["origin"].n_unique() == 7
    assert ((results["date"] - results["origin"]).dt.total_days() == 1).all()
    # One cutoff for the window: scaled metrics take each series over its 7 days.
    assert results["cutoff"].unique().to_list() == [LAST - timedelta(days=7)]
    assert results["date"].max() == LAST


def test_a_cutoff_outside_the_history_is_refused() -> None:
    with pytest.raises(ShelfcastError, match="cutoff"):
        split_at(_dataset(), LAST, horizon=7)


def test_too_many_windows_for_the_history_are_refused() -> None:
    with pytest.raises(ShelfcastError, match="not enough history"):
        backtest(_dataset(), {"seasonal_naive": SeasonalNaive}, windows=20, horizon=28, step=7)
