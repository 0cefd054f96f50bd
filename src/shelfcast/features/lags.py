"""Lags and rolling statistics of the (masked) target, as small objects named by their params.

Each transform is evaluated on the dense per-series panel at a *lag*: the value at day ``t``
only reads the target up to day ``t - lag`` (``RollingMean(window=7)`` at lag 1 is the mean of
days ``t-7 .. t-1`` and is called ``rolling_mean_lag1_window7``, as in mlforecast). Masked days
(stockouts, closures, no data) are null and are skipped by every statistic, so a censored day
never reads as zero demand.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass

import polars as pl

__all__ = [
    "LagTransform",
    "Lag",
    "RollingMean",
    "RollingStd",
    "ZeroShare",
    "SameWeekdayMean",
    "DaysSinceSale",
]


class LagTransform(ABC):
    """A feature of the target's past: ``name(lag)`` and ``expr(y, lag, by)``."""

    prefix: str = ""
    scaled: bool = True
    """Whether the value is in the target's units (then divided by the series level)."""

    def _params(self) -> str:
        return "".join(f"_{k}{v}" for k, v in vars(self).items())

    def name(self, lag: int) -> str:
        return f"{self.prefix}_lag{lag}{self._params()}"

    @abstractmethod
    def expr(self, y: pl.Expr, lag: int, by: list[str]) -> pl.Expr:
        """The feature of ``y`` at ``lag`` days, computed within each group ``by``."""


@dataclass(frozen=True)
class Lag(LagTransform):
    """The target ``k`` days before the first lag: ``Lag(k=2)`` at lag 1 is ``lag2``."""

    k: int = 0
    prefix = "lag"

    def name(self, lag: int) -> str:
        return f"lag{lag + self.k}"

    def expr(self, y: pl.Expr, lag: int, by: list[str]) -> pl.Expr:
        return y.shift(lag + self.k).over(by)


@dataclass(frozen=True)
class RollingMean(LagTransform):
    window: int = 7
    prefix = "rolling_mean"

    def expr(self, y: pl.Expr, lag: int, by: list[str]) -> pl.Expr:
        return y.shift(lag).rolling_mean(self.window, min_samples=1).over(by)


@dataclass(frozen=True)
class RollingStd(LagTransform):
    window: int = 28
    prefix = "rolling_std"

    def expr(self, y: pl.Expr, lag: int, by: list[str]) -> pl.Expr:
        return y.shift(lag).rolling_std(self.window, min_samples=2).over(by)


@dataclass(frozen=True)
class ZeroShare(LagTransform):
    """Share of zero-sale days among the observed days of the window (intermittence)."""

    window: int = 28
    prefix = "zero_share"
    scaled = False

    def expr(self, y: pl.Expr, lag: int, by: list[str]) -> pl.Expr:
        return (y == 0).cast(pl.Float64).shift(lag).rolling_mean(self.window, min_samples=1).over(by)


@dataclass(frozen=True)
class SameWeekdayMean(LagTransform):
    """Mean of the last ``weeks`` same weekdays, the latest ``lag`` (a multiple of 7) days back.

    Evaluated per (series, weekday) on the dense panel, where one step back is one week.
    """

    weeks: int = 4
    prefix = "same_weekday_mean"

    def expr(self, y: pl.Expr, lag: int, by: list[str]) -> pl.Expr:
        if lag % 7:
            raise ValueError(f"SameWeekdayMean needs a lag that is a multiple of 7, got {lag}")
        weekday = pl.col("date").dt.weekday()
        return y.shift(lag // 7).rolling_mean(self.weeks, min_samples=1).over([*by, weekday])


@dataclass(frozen=True)
class DaysSinceSale(LagTransform):
    """Days from the last day with sales to the day ``lag`` days back, at most ``cap``.

    No sale in sight counts as ``cap``: the value then does not depend on how much history
    is kept (the state the Forecaster carries holds fewer days than a refit sees).
    """

    cap: int = 180
    prefix = "days_since_sale"
    scaled = False

    def expr(self, y: pl.Expr, lag: int, by: list[str]) -> pl.Expr:
        idx = pl.int_range(pl.len()).over(by)
        last = pl.when(y > 0).then(idx).forward_fill().over(by)
        gap = (idx - last).cast(pl.Float64).fill_null(float(self.cap)).clip(upper_bound=self.cap)
        return gap.shift(lag).over(by)
