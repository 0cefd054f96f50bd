"""The model matrix: training rows and prediction rows, built by one code path.

The model is a single global model with the horizon as a feature, every feature taken relative
to the forecast origin (the last day whose sales are known):

- *row features* describe the day being forecast and are known in advance: calendar, events,
  price and promotion, other covariates, weather, store and item attributes;
- *origin features* are the lags and rolling statistics of the target at lag 1 of the first
  day after the origin (``rolling_mean_lag1_window28`` is the mean of the 28 days up to the
  origin), the same for every day forecast from that origin;
- *same-weekday features* are the means of the latest same weekdays known at the origin;
- ``horizon`` = days from the origin to the day forecast.

Statistics in the target's units are divided by the series level at the origin, and the level's
log is the model's offset (``base_margin``): the trees learn multiplicative effects shared by
series of every scale, and a series 100 times bigger needs no other trees.

Everything works on the *timeline*: per series, one row per day (dense), history then the days
to forecast, sorted by store, item and date. Target values are masked (null) on stockout and
closed days and on days to forecast, so no statistic can read them.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np
import polars as pl

from shelfcast.data.schema import DATE, ITEM, OPEN, PROMO, SALES, SERIES, STOCKOUT, STORE
from shelfcast.features.calendar import CALENDAR_FEATURES, calendar_features
from shelfcast.features.events import (
    EVENT_FEATURES, MAX_DISTANCE, event_calendar, event_features,
)
from shelfcast.features.lags import (
    DaysSinceSale, Lag, LagTransform, RollingMean, RollingStd, SameWeekdayMean, ZeroShare,
)
from shelfcast.features.price import price_features
from shelfcast.features.static import encode, static_attributes
from shelfcast.features.weather import weather_features

__all__ = [
    "Y",
    "POS",
    "LOOKBACK_DAYS",
    "ORIGIN_TRANSFORMS",
    "WEEKDAY_TRANSFORMS",
    "LEVEL",
    "FeatureSpec",
    "dense_history",
    "extend_history",
    "timeline",
    "series_chunks",
    "origin_index",
    "weekday_index",
    "row_feature_columns",
    "prepare_statics",
    "prepare_weather",
]

Y = "_y"
"""The masked target: sales, null where unknown (stockout, closed, days to forecast)."""
POS = "_pos"
"""Position of the row within its series (0 = the series' first day on the timeline)."""
LEVEL = "level"

ORIGIN_LAG = 1
WEEKDAY_LAG = 7
ORIGIN_TRANSFORMS: tuple[LagTransform, ...] = (
    *(Lag(k=k) for k in range(7)),
    RollingMean(window=7),
    RollingMean(window=14),
    RollingMean(window=28),
    RollingMean(window=56),
    RollingMean(window=91),
    RollingMean(window=182),
    RollingStd(window=28),
    ZeroShare(window=28),
    ZeroShare(window=91),
    DaysSinceSale(),
)
WEEKDAY_TRANSFORMS: tuple[LagTransform, ...] = (
    SameWeekdayMean(weeks=1),
    SameWeekdayMean(weeks=4),
    SameWeekdayMean(weeks=8),
)
LOOKBACK_DAYS = 182
"""Days of history the prediction features read (the longest window); the state keeps these."""
LEVEL_FLOOR = 0.01

MISSING_NUMBER = -1e9
"""What a missing number becomes in the model matrix (below any real value): see
``FeatureSpec.fill_missing``."""
"""Smallest series level: keeps log(level) finite for series with no recent sales."""
_LEVEL_SHORT = RollingMean(window=28).name(ORIGIN_LAG)
_LEVEL_LONG = RollingMean(window=91).name(ORIGIN_LAG)


def dense_history(
    sales: pl.DataFrame, covariates: list[str], *, end: date, start: date | None = None
) -> pl.DataFrame:
    """One row per series and day from its first row (or ``start``) to ``end``.

    A missing day means zero sales (DATA_FORMAT.md); the store was open, nothing ran out, no
    promotion ran, and other covariates (price...) keep their last known value.
    """
    cols = [c for c in (SALES, STOCKOUT, *covariates) if c in sales.columns]
    spans = sales.group_by(STORE, ITEM).agg(pl.col(DATE).min().alias("_from"))
    if start is not None:
        spans = spans.with_columns(pl.max_horizontal("_from", pl.lit(start)).alias("_from"))
    # The grid and its join work on an integer series code, not on the two string ids: on a
    # chain of 50 million sales rows the string join was the fit's memory peak.
    spans = spans.sort(STORE, ITEM).with_row_index("_sid")
    grid = spans.select("_sid", pl.date_ranges("_from", pl.lit(end)).alias(DATE)).explode(DATE)
    rows = sales.lazy()
    if start is not None:  # big chains: only the days kept
        rows = rows.filter(pl.col(DATE) >= start)
    rows = rows.join(spans.lazy().select(STORE, ITEM, "_sid"), on=[STORE, ITEM]).select("_sid", DATE, *cols)
    panel = grid.join(rows.collect(), on=["_sid", DATE], how="left", maintain_order="left")
    panel = _fill(panel, covariates, by=["_sid"])  # sorted by series and date: the grid's order
    ids = spans.select(STORE, ITEM)[panel["_sid"]]
    return pl.concat([ids, panel.drop("_sid")], how="horizontal")


def _fill(panel: pl.DataFrame, covariates: list[str], by: list[str] | None = None) -> pl.DataFrame:
    by = by or list(SERIES)
    exprs = [pl.col(SALES).fill_null(0.0)]
    if STOCKOUT in panel.columns:
        exprs.append(pl.col(STOCKOUT).fill_null(0.0))
    for c in covariates:
        if c == OPEN:
            exprs.append(pl.col(c).fill_null(1.0))
        elif c == PROMO:
            exprs.append(pl.col(c).fill_null(0.0))
        else:
            exprs.append(pl.col(c).forward_fill().backward_fill().over(by))
    return panel.with_columns(exprs)


def extend_history(
    state: pl.DataFrame, sales: pl.DataFrame, covariates: list[str], *, keep_days: int
) -> pl.DataFrame:
    """The state (the dense recent history) rolled forward by newer ``sales`` rows.

    Series already in the state continue day by day (missing days are zero sales); new
    series start at their first row. Keeps the last ``keep_days`` days, as a refit would.
    """
    last = state[DATE].max()
    new = sales.filter(pl.col(DATE) > last)
    if new.height == 0:
        return state
    end = new[DATE].max()
    starts = pl.concat(
        [
            state.select(STORE, ITEM).unique().with_columns(pl.lit(last + timedelta(days=1)).alias(DATE)),
            new.group_by(STORE, ITEM).agg(pl.col(DATE).min()),
        ]
    ).group_by(STORE, ITEM).agg(pl.col(DATE).min().alias("_from"))
    grid = starts.select(STORE, ITEM, pl.date_ranges("_from", pl.lit(end)).alias(DATE)).explode(DATE)
    cols = [c for c in state.columns if c not in (STORE, ITEM, DATE)]
    fresh = grid.join(
        new.select(STORE, ITEM, DATE, *[c for c in cols if c in new.columns]),
        on=[STORE, ITEM, DATE], how="left",
    )
    combined = pl.concat([state, fresh], how="diagonal_relaxed").sort(STORE, ITEM, DATE)
    combined = _fill(combined, covariates).select(state.columns)
    return combined.filter(pl.col(DATE) > end - timedelta(days=keep_days))


def timeline(history: pl.DataFrame, targets: pl.DataFrame, covariates: list[str]) -> pl.DataFrame:
    """History followed by the days to forecast, dense per series, with the masked target.

    ``targets`` holds ``store_id, item_id, date`` and the covariates known for those days;
    days between a series' last history day and its last target day with no row in ``targets``
    are filled (covariates carried forward) so that every lag lands on its day.
    """
    if SALES in targets.columns:
        targets = targets.drop(SALES)
    last = history[DATE].max() if history.height else None
    target_end = targets[DATE].max()
    spans = (
        pl.concat(
            [
                history.group_by(STORE, ITEM).agg(pl.col(DATE).min().alias("_from")),
                targets.group_by(STORE, ITEM).agg(pl.col(DATE).min().alias("_from")),
            ]
        )
        .group_by(STORE, ITEM)
        .agg(pl.col("_from").min())
        .join(targets.select(STORE, ITEM).unique(), on=[STORE, ITEM], how="semi")
    )
    if last is not None:
        # A series' future starts the day after the history's last day.
        spans = spans.with_columns(
            pl.min_horizontal("_from", pl.lit(last + timedelta(days=1))).alias("_from_future")
        )
    else:
        spans = spans.with_columns(pl.col("_from").alias("_from_future"))
    future_grid = spans.select(
        STORE, ITEM,
        pl.date_ranges(pl.max_horizontal("_from_future", pl.col("_from")), pl.lit(target_end)).alias(DATE),
    ).explode(DATE)
    if last is not None:
        future_grid = future_grid.filter(pl.col(DATE) > last)
    keep = [c for c in targets.columns if c in (STORE, ITEM, DATE, "_order") or c in covariates]
    future = future_grid.join(targets.select(keep), on=[STORE, ITEM, DATE], how="left")
    future = future.with_columns(pl.lit(None, pl.Float64).alias(SALES), pl.lit(True).alias("_target"))
    hist = history.join(targets.select(STORE, ITEM).unique(), on=[STORE, ITEM], how="semi")
    hist = hist.with_columns(pl.lit(False).alias("_target"))
    tl = pl.concat([hist, future], how="diagonal_relaxed").sort(STORE, ITEM, DATE)
    # Covariates missing for the days to forecast: carried forward, promo off, store open.
    tl = tl.with_columns(
        [
            (pl.col(c).fill_null(1.0) if c == OPEN else pl.col(c).fill_null(0.0) if c == PROMO
             else pl.col(c).forward_fill().over(list(SERIES)))
            for c in covariates if c in tl.columns
        ]
    )
    if STOCKOUT in tl.columns:
        tl = tl.with_columns(pl.col(STOCKOUT).fill_null(0.0))
    return tl


def series_chunks(tl: pl.DataFrame, max_rows: int) -> Iterator[pl.DataFrame]:
    """Slices of a timeline sorted by series, each whole series in one slice of <= max_rows
    rows (a series longer than that gets a slice of its own)."""
    if tl.height <= max_rows:
        yield tl
        return
    ends = (
        tl.select(pl.int_range(pl.len()).alias("_i"), pl.struct(STORE, ITEM).rle_id().alias("_s"))
        .group_by("_s", maintain_order=True).agg(pl.col("_i").max())["_i"].to_numpy()
    )
    start = 0
    while start < tl.height:
        limit = start + max_rows
        cut = ends[ends < limit]
        stop = int(cut[-1]) + 1 if cut.size and cut[-1] >= start else int(ends[ends >= start][0]) + 1
        yield tl.slice(start, stop - start)
        start = stop


def origin_index(idx: np.ndarray, horizon: np.ndarray, pos: np.ndarray) -> np.ndarray:
    """Row of the first day after the origin for target rows ``idx`` (-1 when before the series)."""
    row = idx - horizon + 1
    return np.where(pos[idx] - horizon + 1 >= 0, row, -1)


def weekday_index(idx: np.ndarray, horizon: np.ndarray, pos: np.ndarray) -> np.ndarray:
    """Row whose lag-7 same-weekday statistics are the latest known at the origin."""
    back = 7 * ((horizon + 6) // 7 - 1)
    return np.where(pos[idx] - back >= 0, idx - back, -1)


def _gather(values: np.ndarray, rows: np.ndarray) -> np.ndarray:
    out = values[np.maximum(rows, 0)]
    out[rows < 0] = np.nan
    return out


@dataclass
class FeatureSpec:
    """What the features of one fitted model are made of (fitted on the training data)."""

    covariates: list[str]
    country: str | None = None
    events: pl.DataFrame | None = None
    stores: pl.DataFrame | None = None
    items: pl.DataFrame | None = None
    weather: pl.DataFrame | None = None
    categories: dict[str, list[str]] = field(default_factory=dict)
    row_features: list[str] = field(default_factory=list)
    missing_filled: bool = True
    """Whether absent categories have a code of their own and missing numbers are filled
    (``fill_missing``): training matrices then hold no NaN. False for models saved before,
    which were trained with NaN and are scored as they were trained."""

    # -- the frame ---------------------------------------------------------------------------
    def frame(self, tl: pl.DataFrame) -> pl.DataFrame:
        """The timeline with every per-row feature column (categoricals as float codes)."""
        by = list(SERIES)
        mask = pl.lit(False)
        if STOCKOUT in tl.columns:
            mask = mask | (pl.col(STOCKOUT) > 0)
        if OPEN in tl.columns:
            mask = mask | (pl.col(OPEN) <= 0)
        y = pl.when(mask).then(None).otherwise(pl.col(SALES)).alias(Y)
        tl = tl.with_columns(y, pl.int_range(pl.len()).over(by).alias(POS))
        lag_exprs = [t.expr(pl.col(Y), ORIGIN_LAG, by).alias(t.name(ORIGIN_LAG)) for t in ORIGIN_TRANSFORMS]
        lag_exprs += [t.expr(pl.col(Y), WEEKDAY_LAG, by).alias(t.name(WEEKDAY_LAG)) for t in WEEKDAY_TRANSFORMS]
        present = [c for c in self.covariates if c in tl.columns]
        tl = tl.with_columns(*lag_exprs, *calendar_features(), *price_features(present))
        tl = self._join_context(tl)
        return encode(tl, self.categories, absent_code=self.missing_filled)

    def _join_context(self, tl: pl.DataFrame) -> pl.DataFrame:
        start, end = tl[DATE].min(), tl[DATE].max()
        pad = timedelta(days=MAX_DISTANCE + 1)
        calendar = event_calendar(self.events, country=self.country, start=start - pad, end=end + pad)
        stores = tl[STORE].unique().sort().to_list()
        ev = event_features(calendar, stores, start - pad, end + pad)
        tl = tl.join(ev, on=[STORE, DATE], how="left")
        if self.weather is not None:
            tl = tl.join(self.weather, on=[STORE, DATE], how="left")
        for table, key in ((self.stores, STORE), (self.items, ITEM)):
            if table is not None:
                tl = tl.join(table, on=key, how="left")
        return tl.with_columns(pl.col(STORE).alias("store"), pl.col(ITEM).alias("item"))

    # -- the matrix --------------------------------------------------------------------------
    @property
    def origin_features(self) -> list[str]:
        return [t.name(ORIGIN_LAG) for t in ORIGIN_TRANSFORMS]

    @property
    def weekday_features(self) -> list[str]:
        return [t.name(WEEKDAY_LAG) for t in WEEKDAY_TRANSFORMS]

    @property
    def feature_names(self) -> list[str]:
        return ["horizon", "log_level", *self.row_features, *self.origin_features, *self.weekday_features]

    @property
    def feature_types(self) -> list[str]:
        cats = set(self.categories)
        return ["c" if n in cats else "q" for n in self.feature_names]

    def matrix(
        self, frame: pl.DataFrame, idx: np.ndarray, horizon: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """``X`` (float32, columns :attr:`feature_names`) and the level of each target row."""
        pos = frame[POS].to_numpy()
        o_rows = origin_index(idx, horizon, pos)
        w_rows = weekday_index(idx, horizon, pos)
        short = _gather(frame[_LEVEL_SHORT].to_numpy().astype(np.float64), o_rows)
        long = _gather(frame[_LEVEL_LONG].to_numpy().astype(np.float64), o_rows)
        level = np.where(np.isnan(short), long, np.where(np.isnan(long), short, 0.5 * (short + long)))
        level_ok = np.where(np.isnan(level), LEVEL_FLOOR, np.maximum(level, LEVEL_FLOOR))
        n = idx.size
        X = np.empty((n, len(self.feature_names)), dtype=np.float32)
        X[:, 0] = horizon
        X[:, 1] = np.where(np.isnan(level), np.nan, np.log(level_ok))
        j = 2
        if self.row_features:
            # Gathered before leaving Polars: the target rows only, not the whole timeline.
            take = pl.Series(idx, dtype=pl.Int64)
            rows = frame.select(pl.col(self.row_features).gather(take).cast(pl.Float32)).to_numpy()
            X[:, j : j + len(self.row_features)] = rows
            j += len(self.row_features)
        for t in ORIGIN_TRANSFORMS:
            v = _gather(frame[t.name(ORIGIN_LAG)].to_numpy().astype(np.float64), o_rows)
            X[:, j] = v / level_ok if t.scaled else v
            j += 1
        for t in WEEKDAY_TRANSFORMS:
            v = _gather(frame[t.name(WEEKDAY_LAG)].to_numpy().astype(np.float64), w_rows)
            X[:, j] = v / level_ok
            j += 1
        return self.fill_missing(X), level

    def fill_missing(self, X: np.ndarray) -> np.ndarray:
        """``X`` with its missing numbers replaced, in place, by ``MISSING_NUMBER``, below any
        real value (a lag before a series began, no event in sight, no price a week ago).

        XGBoost partitions the rows of a matrix without missing values by direct lookup and
        of one with them by a search per row: on the 1k-series benchmark the trees cost a
        third less, at the same held-out error (docs/forecasting.md, "Training cost"). An
        absent category has a code of its own already (``frame``); a category the model never
        saw (a new item) stays missing: XGBoost sends it the way it learned for missing
        values, where a new code would follow whichever side of each split it fell on.
        """
        if not self.missing_filled or X.size == 0:
            return X
        numeric = np.array([n not in self.categories for n in self.feature_names])
        np.copyto(X, MISSING_NUMBER, where=np.isnan(X) & numeric)
        return X
        fill = np.array([len(self.categories[n]) if n in self.categories else MISSING_NUMBER
                         for n in self.feature_names], dtype=X.dtype)
        np.copyto(X, np.broadcast_to(fill, X.shape), where=np.isnan(X))
        return X


def row_feature_columns(frame_columns: list[str], spec: FeatureSpec) -> list[str]:
    """The per-row features present in a frame, in a stable order."""
    cols = ["store", "item", *CALENDAR_FEATURES, *EVENT_FEATURES]
    cols += [c for c in ("price_ratio", "price_change_7d", "discount", "promo_flag", "promo_days") if c in frame_columns]
    cols += [c for c in spec.covariates if c in frame_columns and c != OPEN]
    for prefix in ("weather_", "store_", "item_"):
        cols += sorted(c for c in frame_columns if c.startswith(prefix) and c not in (STORE, ITEM) and c not in cols)
    return cols


def prepare_statics(stores: pl.DataFrame | None, items: pl.DataFrame | None) -> tuple[pl.DataFrame | None, pl.DataFrame | None]:
    return static_attributes(stores, STORE, "store"), static_attributes(items, ITEM, "item")


def prepare_weather(weather: pl.DataFrame | None) -> pl.DataFrame | None:
    return None if weather is None else weather_features(weather)
