"""Answering many small prediction requests from one fitted Forecaster, fast.

``OnlinePredictor(model)`` builds, once, the model's input row of every series (store, item
of the model's state) for every day from the day after the last sales day to ``horizon`` days
after it, with the covariates carried forward (promotions off, stores open: as
``Forecaster.predict`` without ``future``), and the answer of each row (mean, quantiles, the
largest feature contributions). A call gathers the answers of its rows; only rows with a
what-if price or promotion are patched into a numpy matrix and scored by the booster (their
quantiles computed then): no DataFrame pipeline per call.

Contributions are XGBoost's ``pred_contribs`` with ``approx_contribs`` (Saabas: each tree's
gain along the path taken), in the model's log scale: they add up, with the bias, to the log
of the mean. Exact TreeSHAP costs about a hundred times more and would cap a batch of 1,000 at
a few a second. ``next_day`` is ``Forecaster.predict_next_day`` for a few keys: only the
lag features of tomorrow's row move with today's total, and they are computed from summaries
of each series' recent history made once (``_TomorrowLags``: sums, counts, the last sale),
not by a DataFrame pipeline per call (that pipeline was about half the live worker's time).

A what-if price or promotion applies to the day asked for only (the days before and after
keep the carried-forward covariates), as ``Forecaster.predict`` with a ``future`` holding
that one row would.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta

import numpy as np
import polars as pl
import xgboost as xgb

from shelfcast.data.schema import DATE, ITEM, OPEN, PRICE, PROMO, SERIES, STORE
from shelfcast.features.build import (
    LEVEL_FLOOR, LOOKBACK_DAYS, ORIGIN_LAG, ORIGIN_TRANSFORMS, WEEKDAY_LAG,
    WEEKDAY_TRANSFORMS, Y, timeline,
)
from shelfcast.features.lags import (
    DaysSinceSale, Lag, LagTransform, RollingMean, RollingStd, ZeroShare,
)
from shelfcast.features.price import USUAL_PRICE_WINDOW
from shelfcast.forecast.forecaster import Forecaster

__all__ = ["DEFAULT_HORIZON", "TOP_CONTRIBUTIONS", "OnlinePredictor", "OnlineResult"]

DEFAULT_HORIZON = 56
"""Days after the last sales day that can be asked for (the model's longest horizon)."""

_USUAL = "_usual_price"
_PRICE_WEEK_AGO = "_price_week_ago"
_PROMO_DAYS_IF_ON = "_promo_days_if_on"
_LEVEL_SHORT = RollingMean(window=28).name(ORIGIN_LAG)
_LEVEL_LONG = RollingMean(window=91).name(ORIGIN_LAG)


TOP_CONTRIBUTIONS = 5
"""Feature contributions kept per prediction: the largest by absolute value."""
_BUILD_CHUNK = 50_000
"""Rows scored at once when the answers are built: bounds the memory of a big chain."""


@dataclass(frozen=True)
class OnlineResult:
    """Per row asked: the mean, the quantiles (columns lowest level first) and, when asked
    for, the ``TOP_CONTRIBUTIONS`` largest feature contributions to the log of the mean
    (``top_features``: column indexes into ``OnlinePredictor.names``; ``top_values``)."""

    mean: np.ndarray
    quantiles: np.ndarray
    top_features: np.ndarray | None = None
    top_values: np.ndarray | None = None


def _top(contributions: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` largest contributions by size of each row (the bias column left out)."""
    c = contributions[:, :-1]
    k = min(k, c.shape[1])
    idx = np.argpartition(-np.abs(c), k - 1, axis=1)[:, :k]
    vals = np.take_along_axis(c, idx, axis=1)
    order = np.argsort(-np.abs(vals), axis=1)
    return (np.take_along_axis(idx, order, axis=1).astype(np.int16),
            np.take_along_axis(vals, order, axis=1).astype(np.float32))


def _level(short: np.ndarray, long: np.ndarray) -> np.ndarray:
    # As FeatureSpec.matrix: the mean of the 28- and 91-day means, either alone when one is missing.
    return np.where(np.isnan(short), long, np.where(np.isnan(long), short, 0.5 * (short + long)))


class OnlinePredictor:
    """Predictions for (series, day) pairs of a fitted Forecaster, from rows built once."""

    def __init__(self, model: Forecaster, *, horizon: int = DEFAULT_HORIZON) -> None:
        self.model = model
        self.horizon = horizon
        self.last_date: date = model.last_date_
        self.names: list[str] = model.spec_.feature_names
        self._col = {n: j for j, n in enumerate(self.names)}
        self.quantiles: tuple[float, ...] = tuple(model.calibrator_.quantiles)
        booster = model.booster_.copy()
        booster.set_param({"nthread": 1})  # small matrices: threads cost more than they give
        self._booster = booster
        self._build()
        self._bias = self._base_score_margin()
        self._answer_all()

    # -- built once ------------------------------------------------------------------------------
    def _build(self) -> None:
        model = self.model
        state = model.state_
        series = state.select(STORE, ITEM).unique().sort(STORE, ITEM)
        self.series: dict[tuple[str, str], int] = {
            (s, i): k for k, (s, i) in enumerate(series.iter_rows())
        }
        self.stores = frozenset(series[STORE].to_list())
        self.items = frozenset(series[ITEM].to_list())
        days = pl.DataFrame({DATE: pl.date_range(
            self.last_date + timedelta(days=1), self.last_date + timedelta(days=self.horizon),
            eager=True)})
        targets = series.join(days, how="cross").select(DATE, STORE, ITEM)
        tl = timeline(state, targets.with_row_index("_order"), model.covariates_)
        frame = model.spec_.frame(tl).with_columns(self._what_if_columns(model.covariates_))
        where = frame.select(pl.int_range(pl.len()).alias("_i"), "_order").drop_nulls("_order").sort("_order")
        idx = where["_i"].to_numpy()
        h = np.tile(np.arange(1, self.horizon + 1), len(self.series))
        X, level = model.spec_.matrix(frame, idx, h)
        X[:, 0] = np.minimum(h, model.max_horizon)
        self.X = X  # row of (series k, horizon h): k * horizon + h - 1
        self.level = np.where(np.isnan(level), model.fallback_level_, np.maximum(level, 0.01))
        self.closed = (frame[OPEN].to_numpy()[idx] <= 0) if OPEN in frame.columns else np.zeros(idx.size, bool)
        self._aux = {c: frame[c].to_numpy()[idx].astype(np.float64)
                     for c in (_USUAL, _PRICE_WEEK_AGO, _PROMO_DAYS_IF_ON) if c in frame.columns}
        # Masked target history per series, for next_day's lag features: the days
        # predict_next_day's state keeps once today is appended.
        start = self.last_date + timedelta(days=1) - timedelta(days=LOOKBACK_DAYS)
        history = frame.filter(pl.col("_order").is_null(), pl.col(DATE) > start).select(
            STORE, ITEM, DATE, Y)
        self._tomorrow = _TomorrowLags(history, series, self.last_date + timedelta(days=1))

    def _answer_all(self) -> None:
        """The answer of every row without what-ifs, computed once (the quantiles' inverse
        distribution functions cost far more than the trees)."""
        n = self.X.shape[0]
        horizon = np.tile(np.arange(1, self.horizon + 1), len(self.series))
        self.mean0 = np.zeros(n)
        self.q0 = np.zeros((n, len(self.quantiles)))
        self.top_f0 = np.zeros((n, min(TOP_CONTRIBUTIONS, len(self.names))), np.int16)
        self.top_v0 = np.zeros(self.top_f0.shape, np.float32)
        for start in range(0, n, _BUILD_CHUNK):
            part = slice(start, min(start + _BUILD_CHUNK, n))
            r = self._score(self.X[part], self.level[part], horizon[part], self.closed[part], True)
            self.mean0[part], self.q0[part] = r.mean, r.quantiles
            self.top_f0[part], self.top_v0[part] = r.top_features, r.top_values

    def _base_score_margin(self) -> float:
        """The margin XGBoost adds when no ``base_margin`` is given (its base score): the
        model's offset replaces it. Passing ``base_margin`` to ``inplace_predict`` costs far
        more than the prediction of a few rows, so the offset is added afterwards instead."""
        x = self.X[:1]
        plain = float(self._booster.inplace_predict(x, predict_type="margin")[0])
        dm = xgb.DMatrix(x, base_margin=np.zeros(1), feature_names=self.names,
                         feature_types=self.model.spec_.feature_types, enable_categorical=True)
        offset = float(self._booster.predict(dm, output_margin=True)[0])
        return plain - offset

    @staticmethod
    def _what_if_columns(covariates: list[str]) -> list[pl.Expr]:
        """What a what-if price or promotion on one day needs from the days around it."""
        by = list(SERIES)
        out: list[pl.Expr] = []
        if PRICE in covariates:
            price = pl.col(PRICE)
            out += [price.shift(1).rolling_median(USUAL_PRICE_WINDOW, min_samples=1).over(by).alias(_USUAL),
                    price.shift(7).over(by).alias(_PRICE_WEEK_AGO)]
        if PROMO in covariates:
            before = pl.col("promo_days").shift(1).over(by)
            was_on = (pl.col(PROMO).fill_null(0.0).shift(1).over(by) > 0)
            out.append(pl.when(was_on).then(before + 1.0).otherwise(1.0).alias(_PROMO_DAYS_IF_ON))
        return out

    # -- lookups ---------------------------------------------------------------------------------
    def horizon_of(self, day: date) -> int:
        """Days from the last sales day to ``day`` (1 is the first day that can be asked)."""
        return (day - self.last_date).days

    def rows(self, series: np.ndarray, horizon: np.ndarray) -> np.ndarray:
        return series * self.horizon + horizon - 1

    # -- predictions -----------------------------------------------------------------------------
    def predict(
        self, series: np.ndarray, horizon: np.ndarray, *, price: np.ndarray | None = None,
        promo: np.ndarray | None = None, contributions: bool = False,
    ) -> OnlineResult:
        """Series indexes (``self.series``) and horizons 1..``self.horizon``; ``price`` and
        ``promo`` hold NaN where no what-if is given."""
        horizon = np.asarray(horizon, np.int64)
        rows = self.rows(np.asarray(series, np.int64), horizon)
        mean, qs = self.mean0[rows], self.q0[rows]
        top_f = self.top_f0[rows] if contributions else None
        top_v = self.top_v0[rows] if contributions else None
        given = np.zeros(rows.size, dtype=bool)
        for what_if in (price, promo):
            if what_if is not None:
                given |= ~np.isnan(np.asarray(what_if, np.float64))
        if given.any():
            sub = rows[given]
            X = self.X[sub]
            if price is not None:
                self._patch_price(X, sub, np.asarray(price, np.float64)[given])
            if promo is not None:
                self._patch_promo(X, sub, np.asarray(promo, np.float64)[given])
            r = self._score(X, self.level[sub], horizon[given], self.closed[sub], contributions)
            mean[given], qs[given] = r.mean, r.quantiles
            if contributions:
                top_f[given], top_v[given] = r.top_features, r.top_values  # type: ignore[index]
        return OnlineResult(mean, qs, top_f, top_v)

    def contributions(self, series: np.ndarray, horizon: np.ndarray) -> np.ndarray:
        """Every feature's contribution (and the bias, last column) of rows without what-ifs."""
        rows = self.rows(np.asarray(series, np.int64), np.asarray(horizon, np.int64))
        return self._contributions(self.X[rows], np.log(self.level[rows]))

    def _patch_price(self, X: np.ndarray, rows: np.ndarray, price: np.ndarray) -> None:
        given = ~np.isnan(price)
        if not given.any():
            return
        c = self._col
        if PRICE in c:
            X[given, c[PRICE]] = price[given]
        if _USUAL in self._aux and "price_ratio" in c:
            ratio = price[given] / self._aux[_USUAL][rows[given]]
            X[given, c["price_ratio"]] = ratio
            if "discount" in c:
                X[given, c["discount"]] = np.clip(1.0 - ratio, 0.0, None)
        if _PRICE_WEEK_AGO in self._aux and "price_change_7d" in c:
            X[given, c["price_change_7d"]] = price[given] / self._aux[_PRICE_WEEK_AGO][rows[given]] - 1.0

    def _patch_promo(self, X: np.ndarray, rows: np.ndarray, promo: np.ndarray) -> None:
        given = ~np.isnan(promo)
        if not given.any():
            return
        c = self._col
        on = promo[given] > 0
        if PROMO in c:
            X[given, c[PROMO]] = promo[given]
        if "promo_flag" in c:
            X[given, c["promo_flag"]] = on.astype(np.float32)
        if "promo_days" in c and _PROMO_DAYS_IF_ON in self._aux:
            X[given, c["promo_days"]] = np.where(on, self._aux[_PROMO_DAYS_IF_ON][rows[given]], 0.0)

    def _score(self, X: np.ndarray, level: np.ndarray, horizon: np.ndarray, closed: np.ndarray,
               contributions: bool) -> OnlineResult:
        margin = np.log(level)
        self.model.spec_.fill_missing(X)  # what-ifs and tomorrow's lags may have written NaN
        trees = self._booster.inplace_predict(X, predict_type="margin").astype(np.float64)
        mu = np.exp(trees - self._bias + margin)  # the Tweedie log link, the level as offset
        mu = np.where(closed, 0.0, np.maximum(mu, 0.0))
        qs = self.model.calibrator_.predict(mu, horizon)
        qs[closed] = 0.0
        if not contributions or not len(mu):
            return OnlineResult(mu, qs)
        top_f, top_v = _top(self._contributions(X, margin), TOP_CONTRIBUTIONS)
        return OnlineResult(mu, qs, top_f, top_v)

    def _contributions(self, X: np.ndarray, margin: np.ndarray) -> np.ndarray:
        dm = xgb.DMatrix(X, base_margin=margin, feature_names=self.names,
                         feature_types=self.model.spec_.feature_types, enable_categorical=True,
                         nthread=1)
        return self._booster.predict(dm, pred_contribs=True, approx_contribs=True)

    # -- tomorrow, given today so far --------------------------------------------------------------
    def next_day(self, series: np.ndarray, today_sales: np.ndarray, *,
                 contributions: bool = False) -> OnlineResult:
        """Forecast for the day after tomorrow-of-the-model (``last_date + 2``), taking
        ``today_sales`` (for ``last_date + 1``) as known: ``Forecaster.predict_next_day``."""
        series = np.asarray(series, np.int64)
        if series.size == 0:
            return OnlineResult(np.zeros(0), np.zeros((0, len(self.quantiles))))
        X = self.X[self.rows(series, np.full(series.size, 2))]
        lags = self._tomorrow.features(series, np.asarray(today_sales, np.float64))
        level = _level(lags[_LEVEL_SHORT], lags[_LEVEL_LONG])
        level_ok = np.where(np.isnan(level), LEVEL_FLOOR, np.maximum(level, LEVEL_FLOOR))
        X[:, 0] = 1
        X[:, self._col["log_level"]] = np.where(np.isnan(level), np.nan, np.log(level_ok))
        for t in ORIGIN_TRANSFORMS:
            v = lags[t.name(ORIGIN_LAG)]
            X[:, self._col[t.name(ORIGIN_LAG)]] = v / level_ok if t.scaled else v
        for t in WEEKDAY_TRANSFORMS:
            X[:, self._col[t.name(WEEKDAY_LAG)]] = lags[t.name(WEEKDAY_LAG)] / level_ok
        served = np.where(np.isnan(level), self.model.fallback_level_, np.maximum(level, 0.01))
        closed = self.closed[self.rows(series, np.full(series.size, 2))]
        return self._score(X, served, np.ones(series.size, np.int64), closed, contributions)


class _TomorrowLags:
    """The lag features of tomorrow's row of every series, given today's total: what
    ``Forecaster.predict_next_day`` computes over the series' history with today appended,
    from summaries of that history made once.

    A transform at lag L reads the target up to L days before its row, so at tomorrow's row
    only the ``ORIGIN_LAG`` (1) transforms read today, and of those not ``Lag(k>0)``. Each of
    these adds today to a summary of its window's history (sum and count, mean and squared
    deviations, zeros, the last sale); every other feature is history alone, computed once by
    the features' own expressions. Windows count rows, as the expressions do: a window of w
    at tomorrow's row holds today and the series' w - 1 last history rows.
    """

    def __init__(self, history: pl.DataFrame, series: pl.DataFrame, today: date) -> None:
        n = series.height
        coded = (history.join(series.with_row_index("_s"), on=[STORE, ITEM], how="inner")
                 .select(pl.col("_s").cast(pl.Int64), DATE, pl.col(Y).cast(pl.Float64))
                 .sort("_s", DATE))
        sid = coded["_s"].to_numpy()
        counts = np.bincount(sid, minlength=n)
        width = int(counts.max(initial=0))
        # The history right-aligned per series (today's column would be ``width``), NaN where
        # masked or before the series' first day.
        H = np.full((n, width), np.nan)
        position = np.arange(sid.size) - np.concatenate([[0], np.cumsum(counts)[:-1]])[sid]
        H[sid, width - counts[sid] + position] = coded[Y].fill_null(np.nan).to_numpy()
        self._with_today: dict[str, Callable[[np.ndarray, np.ndarray], np.ndarray]] = {}
        history_only: list[pl.Expr] = []
        for lag, transforms in ((ORIGIN_LAG, ORIGIN_TRANSFORMS), (WEEKDAY_LAG, WEEKDAY_TRANSFORMS)):
            for t in transforms:
                if lag == 1 and not (isinstance(t, Lag) and t.k > 0):
                    self._with_today[t.name(lag)] = _adding_today(t, H)
                else:
                    history_only.append(t.expr(pl.col(Y), lag, ["_s"]).alias(t.name(lag)))
        ends = pl.DataFrame({"_s": np.arange(n, dtype=np.int64)}).join(
            pl.DataFrame({DATE: [today, today + timedelta(days=1)]}), how="cross").with_columns(
                pl.lit(None, pl.Float64).alias(Y))
        rows = pl.concat([coded, ends.select("_s", DATE, Y)]).sort("_s", DATE)
        fixed = rows.with_columns(history_only).group_by("_s").last().sort("_s")
        self._history_only = {e.meta.output_name(): fixed[e.meta.output_name()].to_numpy()
                              .astype(np.float64) for e in history_only}

    def features(self, series: np.ndarray, today: np.ndarray) -> dict[str, np.ndarray]:
        """Every lag feature of tomorrow's row of ``series`` (indexes), today's totals given."""
        out = {name: values[series] for name, values in self._history_only.items()}
        out.update({name: f(series, today) for name, f in self._with_today.items()})
        return out


def _adding_today(t: LagTransform, H: np.ndarray) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    """``t`` at tomorrow's row as a function of (series, today's total), from ``H``."""
    width = H.shape[1]
    if isinstance(t, Lag):  # k == 0: today itself
        return lambda s, today: today.copy()
    if isinstance(t, DaysSinceSale):
        sold = H > 0
        last = width - 1 - np.argmax(sold[:, ::-1], axis=1) if width else np.zeros(len(H), int)
        gap = np.minimum(np.where(sold.any(axis=1), width - last, t.cap), t.cap).astype(np.float64)
        return lambda s, today: np.where(today > 0, 0.0, gap[s])
    window = getattr(t, "window", None)
    if window is None:
        raise TypeError(f"OnlinePredictor cannot add today's total to {t!r}: teach _adding_today")
    tail = H[:, max(width - (window - 1), 0):]
    seen = (~np.isnan(tail)).sum(axis=1)
    if isinstance(t, RollingMean):
        total = np.nansum(tail, axis=1)
        return lambda s, today: (total[s] + today) / (seen[s] + 1)
    if isinstance(t, ZeroShare):
        zeros = (tail == 0).sum(axis=1)
        return lambda s, today: (zeros[s] + (today == 0)) / (seen[s] + 1)
    if isinstance(t, RollingStd):
        # Welford's step from the history's mean and squared deviations: stable, one pass.
        mean = np.where(seen > 0, np.nansum(tail, axis=1) / np.maximum(seen, 1), 0.0)
        m2 = np.nansum((tail - mean[:, None]) ** 2, axis=1)

        def std(s: np.ndarray, today: np.ndarray) -> np.ndarray:
            k = seen[s] + 1
            delta = today - mean[s]
            var = (m2[s] + delta * (today - (mean[s] + delta / k))) / np.maximum(k - 1, 1)
            return np.where(k >= 2, np.sqrt(np.maximum(var, 0.0)), np.nan)
        return std
    raise TypeError(f"OnlinePredictor cannot add today's total to {t!r}: teach _adding_today")
