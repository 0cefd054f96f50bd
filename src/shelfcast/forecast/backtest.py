"""Rolling-origin backtests: cut the history at a date, train on what came before, score after.

``split_at`` is the one place a dataset is cut: nothing dated after the cutoff (sales,
stockouts, transactions, inventory counts) reaches the training side. What is known in
advance for the days after it (the covariates of ``sales``: price, promo, open...,
events, and weather, taken as a perfect weather forecast) comes in the future frame, as
a dataset folder's ``future`` table would bring it.

``backtest`` repeats the cut at ``windows`` cutoffs ``step`` days apart, fits a fresh
model per cutoff, and returns the long results frame that ``metrics.evaluate`` scores.
``next_day_backtest`` scores the forecast of tomorrow, day after day, moving the model
on with ``update`` (when it has one) instead of refitting every day.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from datetime import date, timedelta
from typing import Any, Protocol

import polars as pl

from shelfcast.data.dataset import Dataset
from shelfcast.data.schema import DATE, FORECAST, ITEM, SALES, STORE, TIMESTAMP
from shelfcast.errors import ShelfcastError
from shelfcast.forecast.baselines import ACTIVE_DAYS
from shelfcast.forecast.metrics import (
    ACTUAL,
    CUTOFF,
    HORIZON,
    MODEL,
    quantile_columns,
    series_scales,
)

__all__ = [
    "Model", "ModelFactory", "split_at", "cutoffs", "score_rows", "backtest", "next_day_backtest",
]

SERIES = [STORE, ITEM]
ORIGIN = "origin"


class Model(Protocol):
    """What a backtest needs of a model: the Forecaster's shape."""

    def fit(self, dataset: Dataset) -> Any: ...

    def predict(
        self, future: pl.DataFrame | None = None, *, horizon: int | None = None
    ) -> pl.DataFrame: ...


ModelFactory = Callable[[], Model]
"""Makes a fresh, unfitted model (a class, or a lambda with its parameters)."""


def split_at(
    dataset: Dataset, cutoff: date, *, horizon: int = 28
) -> tuple[Dataset, pl.DataFrame, pl.DataFrame]:
    """Cut ``dataset`` after the day ``cutoff``.

    Returns ``(train, future, actuals)``: ``train`` holds only what was known at the close
    of ``cutoff`` (its ``future`` table is the returned ``future``); ``future`` has a row
    per day of ``(cutoff, cutoff + horizon]`` (within the data) for every series that sold
    in the 8 weeks up to the cutoff, with the known-in-advance covariates; ``actuals`` is
    ``date, store_id, item_id, actual``, a missing row counting as zero sales.
    """
    sales = dataset.sales
    first, last = dataset.first_date, dataset.last_date
    if not first <= cutoff < last:
        raise ShelfcastError(
            f"cutoff {cutoff} must fall within the sales history, on or after {first} and "
            f"before its last day {last}",
            details={"cutoff": str(cutoff), "first": str(first), "last": str(last)},
        )
    end = min(cutoff + timedelta(days=horizon), last)
    before = sales.filter(pl.col(DATE) <= cutoff)
    active = (
        before.filter((pl.col(DATE) > cutoff - timedelta(days=ACTIVE_DAYS)) & (pl.col(SALES) > 0))
        .select(SERIES)
        .unique()
    )
    days = pl.DataFrame({DATE: pl.date_range(cutoff + timedelta(days=1), end, "1d", eager=True)})
    grid = active.join(days, how="cross")
    covariates = [c for c in dataset.covariates if c in sales.columns]
    after = sales.filter(pl.col(DATE).is_between(cutoff + timedelta(days=1), end))
    rows = grid.join(after, on=[*SERIES, DATE], how="left")
    if covariates:
        # A day without a row (no sale) takes the series' latest known covariates.
        last_known = (
            before.sort(DATE)
            .group_by(SERIES)
            .agg(pl.col(c).drop_nulls().last().alias(f"_last_{c}") for c in covariates)
        )
        rows = (
            rows.sort(*SERIES, DATE)
            .with_columns(pl.col(c).forward_fill().over(SERIES) for c in covariates)
            .join(last_known, on=SERIES, how="left")
            .with_columns(pl.col(c).fill_null(pl.col(f"_last_{c}")) for c in covariates)
        )
    future = rows.select(DATE, *SERIES, *covariates).sort(*SERIES, DATE)
    actuals = rows.select(
        DATE, *SERIES, pl.col(SALES).fill_null(0.0).cast(pl.Float64).alias(ACTUAL)
    ).sort(*SERIES, DATE)
    train = _train_side(dataset, cutoff, end=end, future=future)
    return train, future, actuals


def _train_side(dataset: Dataset, cutoff: date, *, end: date, future: pl.DataFrame) -> Dataset:
    def until(df: pl.DataFrame | None, day: date) -> pl.DataFrame | None:
        return None if df is None else df.filter(pl.col(DATE) <= day)

    transactions = dataset.transactions
    if transactions is not None:
        # Conservative about time zones: a line counts only if it is before the cutoff's
        # end in UTC, whatever the chain's local day.
        transactions = transactions.filter(
            pl.col(TIMESTAMP).dt.date() <= cutoff
        )
        transactions = transactions if transactions.height else None
    return dataclasses.replace(
        dataset,
        sales=dataset.sales.filter(pl.col(DATE) <= cutoff),
        future=future,
        weather=until(dataset.weather, end),
        transactions=transactions,
        inventory=None,  # a count of stock is an outcome of the days after the cutoff
    )


def cutoffs(last: date, *, windows: int, horizon: int, step: int) -> list[date]:
    """The cutoffs of a rolling-origin backtest, oldest first; the last leaves ``horizon``
    days to score."""
    if windows < 1 or horizon < 1 or step < 1:
        raise ShelfcastError(
            f"windows, horizon and step must be >= 1 (got {windows}, {horizon}, {step})"
        )
    final = last - timedelta(days=horizon)
    return [final - timedelta(days=step * k) for k in range(windows - 1, -1, -1)]


def score_rows(
    forecast: pl.DataFrame, actuals: pl.DataFrame, *, name: str, cutoff: date
) -> pl.DataFrame:
    """One model's forecast beside the actuals, in the backtest's long form (no scales).

    Every actual row must be forecast; a model that leaves rows out is an error.
    """
    qcols = quantile_columns(forecast)
    joined = actuals.join(
        forecast.select(DATE, *SERIES, FORECAST, *qcols), on=[DATE, *SERIES], how="left"
    )
    missing = joined.filter(pl.col(FORECAST).is_null())
    if missing.height:
        first = missing.row(0, named=True)
        raise ShelfcastError(
            f"model {name!r} left {missing.height} of {joined.height} rows unforecast at cutoff "
            f"{cutoff} (first: {first[STORE]}/{first[ITEM]} on {first[DATE]})",
            details={"model": name, "cutoff": str(cutoff), "missing": missing.height},
        )
    return joined.select(
        pl.lit(name).alias(MODEL),
        pl.lit(cutoff).alias(CUTOFF),
        DATE,
        (pl.col(DATE) - pl.lit(cutoff)).dt.total_days().cast(pl.Int64).alias(HORIZON),
        *SERIES,
        ACTUAL,
        pl.col(FORECAST).cast(pl.Float64),
        *[pl.col(c).cast(pl.Float64) for c in qcols],
    )


def backtest(
    dataset: Dataset,
    models: Mapping[str, ModelFactory],
    *,
    windows: int = 4,
    horizon: int = 28,
    step: int = 7,
) -> pl.DataFrame:
    """Fit every model afresh at each cutoff and forecast the ``horizon`` days after it.

    Returns one row per model, cutoff and (series, day): ``model, cutoff, date, horizon``
    (days after the cutoff, 1 = the next day), ``store_id, item_id, actual, forecast``,
    the quantile columns, and ``scale_abs``/``scale_sq`` (the series' in-sample one-step
    scales, from the training side only) for MASE and RMSSE.
    """
    if not models:
        raise ShelfcastError("backtest needs at least one model")
    parts: list[pl.DataFrame] = []
    for cutoff in cutoffs(dataset.last_date, windows=windows, horizon=horizon, step=step):
        if cutoff < dataset.first_date + timedelta(days=7):
            raise ShelfcastError(
                f"not enough history for {windows} windows of {horizon} days {step} days apart: "
                f"the first cutoff {cutoff} leaves less than a week of training data "
                f"(sales start on {dataset.first_date})"
            )
        train, future, actuals = split_at(dataset, cutoff, horizon=horizon)
        scales = series_scales(train.sales, end=cutoff)
        for name, factory in models.items():
            model = factory()
            model.fit(train)
            forecast = model.predict(future)
            parts.append(
                score_rows(forecast, actuals, name=name, cutoff=cutoff).join(
                    scales, on=SERIES, how="left"
                )
            )
    return pl.concat(parts, how="diagonal_relaxed")


def next_day_backtest(
    dataset: Dataset,
    models: Mapping[str, ModelFactory],
    *,
    days: int = 28,
    refit_every: int | None = None,
) -> pl.DataFrame:
    """Tomorrow's forecast, scored day after day over the last ``days`` days.

    Each model is fitted at the close of ``last - days`` and forecasts the next day; then
    it takes that day's sales through ``update`` (models without ``update`` are refitted)
    and forecasts the following day, and so on. ``refit_every`` refits every so many days
    even when ``update`` exists. Same long form as ``backtest``, plus ``origin`` (the day
    each forecast was made); ``cutoff`` is the first origin for every row, so that scaled
    metrics take each series over the whole window, and so are its scales.
    """
    start = dataset.last_date - timedelta(days=days)
    if start <= dataset.first_date:
        raise ShelfcastError(f"{days} days of next-day backtest need more history than that")
    train, _, _ = split_at(dataset, start, horizon=days)
    scales = series_scales(train.sales, end=start)
    parts: list[pl.DataFrame] = []
    for name, factory in models.items():
        model: Any = None
        for k in range(days):
            origin = start + timedelta(days=k)
            day_train, future, actuals = split_at(dataset, origin, horizon=1)
            refit = model is None or not hasattr(model, "update") or (
                refit_every is not None and k % refit_every == 0
            )
            if refit:
                model = factory()
                model.fit(day_train)
            else:
                model.update(dataset.sales.filter(pl.col(DATE) == origin))
            forecast = model.predict(future)
            parts.append(
                score_rows(forecast, actuals, name=name, cutoff=origin)
                .with_columns(pl.col(CUTOFF).alias(ORIGIN), pl.lit(start).alias(CUTOFF))
                .join(scales, on=SERIES, how="left")
            )
    return pl.concat(parts, how="diagonal_relaxed")
