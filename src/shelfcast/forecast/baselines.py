"""The baselines every forecast must beat, with the Forecaster's shape.

``Naive`` (yesterday's sales), ``SeasonalNaive`` (the same weekday one week before),
``MovingAverage(window=28)`` and ``WeekdayMean(weeks=4)`` (the mean of the last 4 same
weekdays: the textbook replenishment forecast of BENCHMARKS.md). Each is
``Baseline(**params).fit(dataset) -> self`` then ``.predict(future=None, *, horizon=None)
-> forecast frame`` (DATA_FORMAT.md: ``date, store_id, item_id, forecast, q10 ... q99``).

Quantiles are the point forecast plus the empirical quantiles of the method's own
in-sample errors over the last ``error_weeks`` weeks, per series (pooled over all series
for one with too short a history), clipped at 0: non-negative and non-crossing by
construction. The errors are those of the method at its own lag (one day for ``Naive``,
a week for ``SeasonalNaive``), so they understate the spread at longer horizons; a
baseline, not a model.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, timedelta

from abc import ABC, abstractmethod

import polars as pl

from shelfcast.config import DEFAULT_QUANTILES
from shelfcast.data.dataset import Dataset
from shelfcast.data.schema import DATE, FORECAST, ITEM, OPEN, SALES, STORE, quantile_column
from shelfcast.errors import NotFittedError, ShelfcastError

__all__ = [
    "Baseline",
    "Naive",
    "SeasonalNaive",
    "MovingAverage",
    "WeekdayMean",
    "BASELINES",
    "dense_recent",
    "default_future",
]

SERIES = [STORE, ITEM]
ACTIVE_DAYS = 56
"""Without ``future``, a series is forecast when it sold in the last 8 weeks (DATA_FORMAT.md)."""


def dense_recent(sales: pl.DataFrame, *, end: date, days: int) -> pl.DataFrame:
    """The last ``days`` days up to ``end`` of every series, missing days as zero sales.

    Days before a series' first row stay out (the series did not exist yet).
    """
    start = end - timedelta(days=days - 1)
    first = sales.group_by(SERIES).agg(pl.col(DATE).min().alias("_first"))
    dates = pl.DataFrame({DATE: pl.date_range(start, end, "1d", eager=True)})
    grid = first.join(dates, how="cross").filter(pl.col(DATE) >= pl.col("_first")).drop("_first")
    recent = sales.filter(pl.col(DATE).is_between(start, end)).select(*SERIES, DATE, SALES)
    return (
        grid.join(recent, on=[*SERIES, DATE], how="left")
        .with_columns(pl.col(SALES).fill_null(0.0).cast(pl.Float64))
        .sort(*SERIES, DATE)
    )


def default_future(sales: pl.DataFrame, *, horizon: int) -> pl.DataFrame:
    """The rows to forecast without a ``future`` table: every series that sold in the last
    8 weeks, for ``horizon`` days after the last date of ``sales``."""
    last = sales[DATE].max()
    active = (
        sales.filter((pl.col(DATE) > last - timedelta(days=ACTIVE_DAYS)) & (pl.col(SALES) > 0))
        .select(SERIES)
        .unique()
    )
    dates = pl.DataFrame(
        {DATE: pl.date_range(last + timedelta(days=1), last + timedelta(days=horizon), "1d",
                             eager=True)}
    )
    return active.join(dates, how="cross").select(DATE, *SERIES).sort(*SERIES, DATE)


class Baseline(ABC):
    """Shared machinery: the recent window, in-sample errors, quantiles, closed days.

    A subclass says how it forecasts with two expressions over the dense window sorted by
    series and date: ``_fitted()`` (its in-sample forecast of each day from the days
    before) and ``_point(recent, rows)`` (its forecast of the rows to predict).
    """

    lookback_days = 28
    """How many days before a forecast day the method looks at."""

    def __init__(
        self,
        *,
        quantiles: Sequence[float] = DEFAULT_QUANTILES,
        error_weeks: int = 8,
        horizon: int = 28,
    ) -> None:
        self.quantiles = quantiles
        self.error_weeks = error_weeks
        self.horizon = horizon

    # -- the estimator verbs -------------------------------------------------------------
    def fit(self, dataset: Dataset) -> Baseline:
        sales = dataset.sales
        if sales.is_empty():
            raise ShelfcastError("cannot fit a baseline on an empty sales table")
        if not all(0 < q < 1 for q in self.quantiles):
            raise ShelfcastError(f"quantiles must be in (0, 1), got {list(self.quantiles)}")
        self.last_date_: date = sales[DATE].max()  # type: ignore[assignment]
        error_days = 7 * self.error_weeks
        window = dense_recent(sales, end=self.last_date_, days=error_days + self.lookback_days)
        self.recent_ = window.filter(
            pl.col(DATE) > self.last_date_ - timedelta(days=self.lookback_days)
        )
        self.offsets_ = self._error_quantiles(window, error_days)
        self.default_future_ = default_future(sales, horizon=self.horizon)
        self.future_ = dataset.future
        return self

    def update(self, sales: pl.DataFrame) -> Baseline:
        """Take in newer sales rows (same columns as ``sales``) without re-estimating the
        error quantiles: the window moves on, as the Forecaster's ``update`` does."""
        self._check_fitted()
        history = pl.concat(
            [self.recent_.select(*SERIES, DATE, SALES),
             sales.select(*SERIES, DATE, pl.col(SALES).cast(pl.Float64))],
            how="vertical",
        ).unique(subset=[*SERIES, DATE], keep="last")
        self.last_date_ = history[DATE].max()  # type: ignore[assignment]
        self.recent_ = dense_recent(history, end=self.last_date_, days=self.lookback_days)
        self.default_future_ = default_future(history, horizon=self.horizon)
        self.future_ = None
        return self

    def predict(self, future: pl.DataFrame | None = None, *, horizon: int | None = None) -> pl.DataFrame:
        self._check_fitted()
        rows = future if future is not None else self.future_
        if rows is None:
            rows = self.default_future_
        rows = rows.filter(pl.col(DATE) > self.last_date_)
        if horizon is not None:
            rows = rows.filter(pl.col(DATE) <= self.last_date_ + timedelta(days=horizon))
        has_open = OPEN in rows.columns
        keys = rows.select(DATE, *SERIES, *([OPEN] if has_open else []))
        point = self._point(self.recent_, keys.select(DATE, *SERIES))
        out = keys.join(point, on=[DATE, *SERIES], how="left").join(
            self.offsets_, on=SERIES, how="left"
        )
        pooled = self.offsets_pooled_
        base = pl.col(FORECAST).fill_null(0.0).clip(lower_bound=0.0)
        closed = pl.col(OPEN) == 0 if has_open else pl.lit(False)
        qcols = [quantile_column(q) for q in self.quantiles]
        exprs = [pl.when(closed).then(0.0).otherwise(base).alias(FORECAST)]
        for q, col in zip(self.quantiles, qcols, strict=True):
            offset = pl.col(f"_off_{col}").fill_null(pooled[col])
            value = (base + offset).clip(lower_bound=0.0)
            exprs.append(pl.when(closed).then(0.0).otherwise(value).alias(col))
        return out.select(DATE, *SERIES, *exprs).sort(*SERIES, DATE)

    # -- what a subclass defines -----------------------------------------------------------
    @abstractmethod
    def _fitted(self) -> pl.Expr:
        """The in-sample one-step forecast, as an expression over the history."""

    @abstractmethod
    def _point(self, recent: pl.DataFrame, rows: pl.DataFrame) -> pl.DataFrame:
        """The point forecast for ``rows`` from the ``recent`` history."""

    # -- helpers ---------------------------------------------------------------------------
    def _check_fitted(self) -> None:
        if not hasattr(self, "recent_"):
            raise NotFittedError(f"{type(self).__name__} must be fitted before it can predict")

    def _error_quantiles(self, window: pl.DataFrame, error_days: int) -> pl.DataFrame:
        start = self.last_date_ - timedelta(days=error_days - 1)
        errors = (
            window.with_columns(self._fitted().alias("_fit"))
            .filter((pl.col(DATE) >= start) & pl.col("_fit").is_not_null())
            .select(*SERIES, (pl.col(SALES) - pl.col("_fit")).alias("_err"))
        )
        qcols = [quantile_column(q) for q in self.quantiles]
        aggs = [pl.col("_err").quantile(q, "linear").alias(f"_off_{c}")
                for q, c in zip(self.quantiles, qcols, strict=True)]
        pooled = errors.select(aggs)
        self.offsets_pooled_ = {
            c: (pooled[f"_off_{c}"][0] if errors.height else 0.0) or 0.0 for c in qcols
        }
        # A series with fewer than two weeks of errors borrows the pooled quantiles.
        return (
            errors.group_by(SERIES)
            .agg(*aggs, pl.len().alias("_n"))
            .filter(pl.col("_n") >= 14)
            .drop("_n")
        )


def _by_series(expr: pl.Expr) -> pl.Expr:
    return expr.over(SERIES)


class Naive(Baseline):
    """Every future day forecast at the last day's sales."""

    lookback_days = 1

    def _fitted(self) -> pl.Expr:
        return _by_series(pl.col(SALES).shift(1))

    def _point(self, recent: pl.DataFrame, rows: pl.DataFrame) -> pl.DataFrame:
        last = recent.filter(pl.col(DATE) == pl.col(DATE).max().over(SERIES))
        return rows.join(last.select(*SERIES, pl.col(SALES).alias(FORECAST)), on=SERIES, how="left")


class SeasonalNaive(Baseline):
    """The same weekday one week before; beyond a week, the last week repeated."""

    lookback_days = 7

    def _fitted(self) -> pl.Expr:
        return _by_series(pl.col(SALES).shift(7))

    def _point(self, recent: pl.DataFrame, rows: pl.DataFrame) -> pl.DataFrame:
        ahead = (pl.col(DATE) - pl.lit(self.last_date_)).dt.total_days()
        weeks_back = (ahead + 6) // 7  # ceil(ahead / 7)
        source = pl.col(DATE) - pl.duration(days=7 * weeks_back)
        keyed = rows.with_columns(source.alias("_src"))
        src = recent.select(*SERIES, pl.col(DATE).alias("_src"), pl.col(SALES).alias(FORECAST))
        return keyed.join(src, on=[*SERIES, "_src"], how="left").drop("_src")


class MovingAverage(Baseline):
    """The mean of the last ``window`` days, flat over the horizon."""

    def __init__(self, *, window: int = 28, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.window = window

    @property
    def lookback_days(self) -> int:  # type: ignore[override]
        return self.window

    def _fitted(self) -> pl.Expr:
        return _by_series(pl.col(SALES).shift(1).rolling_mean(self.window))

    def _point(self, recent: pl.DataFrame, rows: pl.DataFrame) -> pl.DataFrame:
        # A series younger than the window averages the days it has.
        mean = recent.group_by(SERIES).agg(pl.col(SALES).mean().alias(FORECAST))
        return rows.join(mean, on=SERIES, how="left")


class WeekdayMean(Baseline):
    """The mean of the last ``weeks`` same weekdays: the textbook replenishment forecast."""

    def __init__(self, *, weeks: int = 4, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.weeks = weeks

    @property
    def lookback_days(self) -> int:  # type: ignore[override]
        return 7 * self.weeks

    def _fitted(self) -> pl.Expr:
        lags = [pl.col(SALES).shift(7 * k) for k in range(1, self.weeks + 1)]
        # A plain sum (not sum_horizontal) so that a missing week leaves the day out.
        return _by_series(sum(lags[1:], lags[0]) / self.weeks)

    def _point(self, recent: pl.DataFrame, rows: pl.DataFrame) -> pl.DataFrame:
        weekday = pl.col(DATE).dt.weekday().alias("_wd")
        mean = recent.group_by(*SERIES, weekday).agg(pl.col(SALES).mean().alias(FORECAST))
        return rows.with_columns(weekday).join(mean, on=[*SERIES, "_wd"], how="left").drop("_wd")


BASELINES: dict[str, type[Baseline]] = {
    "naive": Naive,
    "seasonal_naive": SeasonalNaive,
    "moving_average_28": MovingAverage,
    "weekday_mean_4": WeekdayMean,
}
"""The baselines by the names the backtest and the benchmarks print."""
