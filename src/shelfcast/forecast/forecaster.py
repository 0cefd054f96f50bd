"""The Forecaster: one global gradient-boosted model for every store and item, with quantiles.

    model = Forecaster().fit(dataset)            # a Dataset from shelfcast.data.load
    forecast = model.predict(dataset.future)     # date, store_id, item_id, forecast, q10..q99
    model.update(new_sales)                      # roll the state forward, no refit
    model.predict_next_day(provisional_today)    # the live path: tomorrow, given today so far
    model.save(folder); Forecaster.load(folder)

How it works (docs/forecasting.md has the reasons and the measurements): one XGBoost model
(``hist``, native categoricals, Tweedie objective, the series level as offset) with the horizon
as a feature, trained on rows whose horizon is drawn at random (a quarter of them tomorrow),
features relative to the forecast origin (``shelfcast.features.build``); early stopping on the
last ``valid_days`` days, whose out-of-sample errors also calibrate the quantiles
(``QuantileCalibrator``); then the held-out days are learned too: a refit on all days with
the number of trees found, or on big data a few more trees on all days (``refit``). Target
days older than a year are sampled (``older_rows``): XGBoost's rows x trees is the cost.

The *state* is the dense recent history (the last ``LOOKBACK_DAYS`` days of every series) the
features read: ``update`` appends completed days to it without refitting, and a model that
was updated has exactly the state a model refit on the same data would have.
"""

from __future__ import annotations

import json
import os
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import xgboost as xgb

from shelfcast.config import DEFAULT_QUANTILES
from shelfcast.data.dataset import Dataset
from shelfcast.data.schema import (
    DATE, FORECAST, ITEM, OPEN, SALES, SALES_RESERVED, STOCKOUT, STORE, quantile_column,
)
from shelfcast.errors import NotFittedError, ShelfcastError
from shelfcast.features.build import (
    LOOKBACK_DAYS, POS, Y, FeatureSpec, dense_history, extend_history,
    prepare_statics, prepare_weather, row_feature_columns, series_chunks, timeline,
)
from shelfcast.features.events import event_calendar
from shelfcast.features.weather import weather_covers
from shelfcast.forecast.quantiles import QuantileCalibrator

__all__ = ["Forecaster"]

_CHUNK_ROWS = 1_000_000
"""Timeline rows turned into features at once: bounds memory on big chains (a chunk's
feature frame holds about 80 columns of 8 bytes a row: 0.6 GB; 3 million rows were 2 GB)."""
_THREADED_ROWS = 100_000
"""Below this many training rows one thread is faster (and kinder to a busy machine)."""
_RECENT_DAYS = 56
"""Without ``future``, series with sales in the last 8 weeks are forecast (DATA_FORMAT.md)."""
_FILES = ("forecaster.json", "booster.ubj", "state.parquet")


def _by_kind(parts: list[tuple[np.ndarray, ...]]) -> tuple[np.ndarray, ...]:
    """``X, y, margin, horizon, kind`` of every chunk, the held-out rows (kind 1) last: the
    rows of every day (0 train, 3 refit only, in their order) and the held-out ones are then
    slices, not copies, of one matrix (memory on big chains)."""
    order = [(p, p[4] != 1) for p in parts] + [(p, p[4] == 1) for p in parts]
    return tuple(np.concatenate([p[j][m] for p, m in order]) for j in range(5))


def _cores() -> int:
    try:
        return max(len(os.sched_getaffinity(0)), 1)
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


class Forecaster:
    """A global XGBoost forecaster with calibrated quantiles (scikit-learn conventions).

    Parameters
    ----------
    max_horizon : longest horizon in days the model is trained for (longer ones reuse it).
    window_days : days of targets to train on (the most recent ones); features read up to
        ``LOOKBACK_DAYS`` more before them. Four years by default: every year of history
        seen teaches the yearly pattern and older stores' ways to young ones (measured in
        docs/forecasting.md), within ``max_history_rows``.
    valid_days : the last days held out for early stopping and quantile calibration (8
        weeks: the quantiles then see both calm and busy weeks).
    max_history_rows : the training window shrinks (not below a year) so that series x
        days of dense history stay below this: bounds memory and time on big chains.
    quantiles : levels of the quantile columns.
    country : ISO code for public holidays (``holidays`` package); None: the dataset's events only.
    tweedie_variance_power : 1 is Poisson, towards 2 gamma; 1.2 suits intermittent counts.
    learning_rate, max_depth, subsample, colsample_bytree, n_estimators, max_bin : the
        booster's (XGBoost names).
    big_learning_rate : the learning rate on ``full_refit_rows`` training rows or more (None:
        ``learning_rate``). The fit's cost is rows x trees: where rows are many, twice the
        rate halves the trees at no measured loss (docs/forecasting.md, "Training cost").
    parallel_trees : trees grown per boosting round, and averaged, below ``full_refit_rows``
        training rows (XGBoost's ``num_parallel_tree``; above it, 1). On few rows one tree
        varies a lot with its sample of rows and columns, and the average of three varies
        less: Favorita's WAPE (q50) 0.0402 against 0.0426 over four seeds, every seed at
        least 30 % better than seasonal naive (27-31 % with one), for three times a fit of
        seconds (docs/forecasting.md, fifth round). On big data the cost is rows x trees.
    early_stopping_rounds : patience on the held-out days, in trees at ``learning_rate`` (at
        ``big_learning_rate`` proportionally fewer); None trains ``n_estimators`` trees.
    min_child_weight, reg_lambda : in units of a typical row's hessian (the median at the
        start), so that they mean the same on series of 2 units a day and of 2,000: a leaf
        needs about ``min_child_weight`` typical rows.
    refit : how the held-out days are learned after early stopping: ``"full"`` (or True)
        trains anew on every day with 10 % more trees than found (about twice the cost);
        ``"extend"`` adds ``refit_share`` more trees to the early-stopped model, grown on
        every day (incl. the held-out ones); ``"none"`` (or False) keeps the early-stopped
        model; ``"auto"``: full below ``full_refit_rows`` training rows (seconds there, and
        worth it), extend above.
    refit_share : trees added by ``refit="extend"``, as a share of those early stopping kept.
    recent_days, older_rows : target days of the last ``recent_days`` are all kept; of the
        older ones, a random sample of about ``older_rows`` (the recent year teaches the most
        and costs what it costs; older years teach the seasons, and a sample of them does).
    max_rows : about this many target days at most, a random sample of them beyond it (on
        top of ``older_rows``): bounds memory and time on big chains.
    n_jobs : threads (None: every core this process may use).
    random_state : seed for the horizon draw, row sampling and subsampling.
    xgb_params : any other XGBoost parameters, on top.
    """

    def __init__(
        self,
        *,
        max_horizon: int = 56,
        window_days: int = 1461,
        valid_days: int = 56,
        quantiles: tuple[float, ...] = DEFAULT_QUANTILES,
        country: str | None = None,
        tweedie_variance_power: float = 1.2,
        learning_rate: float = 0.1,
        big_learning_rate: float | None = 0.2,
        parallel_trees: int = 3,
        max_depth: int = 7,
        min_child_weight: float = 10.0,
        reg_lambda: float = 1.0,
        subsample: float = 0.8,
        colsample_bytree: float = 0.8,
        n_estimators: int = 1000,
        early_stopping_rounds: int | None = 20,
        max_bin: int = 127,
        refit: bool | str = "auto",
        refit_share: float = 0.5,
        full_refit_rows: int = 250_000,
        max_rows: int = 2_000_000,
        recent_days: int = 365,
        older_rows: int = 150_000,
        max_history_rows: int = 20_000_000,
        n_jobs: int | None = None,
        random_state: int = 0,
        xgb_params: dict[str, Any] | None = None,
    ) -> None:
        self.max_horizon = max_horizon
        self.window_days = window_days
        self.valid_days = valid_days
        self.quantiles = quantiles
        self.country = country
        self.tweedie_variance_power = tweedie_variance_power
        self.learning_rate = learning_rate
        self.big_learning_rate = big_learning_rate
        self.parallel_trees = parallel_trees
        self.max_depth = max_depth
        self.min_child_weight = min_child_weight
        self.reg_lambda = reg_lambda
        self.subsample = subsample
        self.colsample_bytree = colsample_bytree
        self.n_estimators = n_estimators
        self.early_stopping_rounds = early_stopping_rounds
        self.max_bin = max_bin
        self.refit = refit
        self.refit_share = refit_share
        self.full_refit_rows = full_refit_rows
        self.max_rows = max_rows
        self.recent_days = recent_days
        self.older_rows = older_rows
        self.max_history_rows = max_history_rows
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.xgb_params = xgb_params

    # -- scikit-learn plumbing ------------------------------------------------------------------
    def get_params(self, deep: bool = True) -> dict[str, Any]:  # noqa: ARG002
        import inspect

        names = [p for p in inspect.signature(type(self).__init__).parameters if p != "self"]
        return {n: getattr(self, n) for n in names}

    def set_params(self, **params: Any) -> Forecaster:
        for k, v in params.items():
            setattr(self, k, v)
        return self

    def __repr__(self) -> str:
        return f"Forecaster(max_horizon={self.max_horizon}, window_days={self.window_days})"

    def _check_fitted(self) -> None:
        if not hasattr(self, "booster_"):
            raise NotFittedError("this Forecaster is not fitted yet: call fit(dataset) or Forecaster.load(folder)")

    def _is_big(self, n_rows: int | None) -> bool:
        """Whether ``n_rows`` training rows are big data: the faster learning rate, one tree
        a round and the "extend" refit (``full_refit_rows``); an unknown size is small."""
        return n_rows is not None and n_rows >= self.full_refit_rows

    def _learning_rate(self, n_rows: int | None) -> float:
        big = self._is_big(n_rows)
        return self.big_learning_rate if big and self.big_learning_rate else self.learning_rate

    def _booster_params(self, hessian: float = 1.0, n_rows: int | None = None) -> dict[str, Any]:
        params: dict[str, Any] = {
            "objective": "reg:tweedie",
            "tweedie_variance_power": self.tweedie_variance_power,
            "eval_metric": f"tweedie-nloglik@{self.tweedie_variance_power}",
            "tree_method": "hist",
            "learning_rate": self._learning_rate(n_rows),
            "num_parallel_tree": 1 if self._is_big(n_rows) else max(int(self.parallel_trees), 1),
            "max_depth": self.max_depth,
            "min_child_weight": self.min_child_weight * hessian,
            "reg_lambda": self.reg_lambda * hessian,
            "subsample": self.subsample,
            "colsample_bytree": self.colsample_bytree,
            "max_bin": self.max_bin,
            "max_cat_to_onehot": 1,
            "nthread": self.n_jobs or _cores(),
            "seed": self.random_state,
        }
        params.update(self.xgb_params or {})
        return params

    # -- fit ------------------------------------------------------------------------------------
    def fit(self, dataset: Dataset) -> Forecaster:
        """Learn from every day of ``dataset.sales`` (the last ``window_days`` as targets)."""
        sales = dataset.sales
        if sales.height == 0:
            raise ShelfcastError("cannot fit a forecaster on an empty sales table")
        if not 1 <= self.max_horizon <= 366:
            raise ShelfcastError(f"max_horizon must be between 1 and 366, got {self.max_horizon}")
        self._refit_mode()  # a bad value fails before the costly part
        last: date = sales[DATE].max()  # type: ignore[assignment]
        self.notes_: list[str] = []
        self.covariates_ = [c for c in sales.columns if c not in SALES_RESERVED]
        self.last_date_ = last
        self.first_date_ = sales[DATE].min()
        spec = self._spec(dataset, last)
        self.window_days_ = self._window(sales.select(STORE, ITEM).n_unique())
        start = last - timedelta(days=self.window_days_ + LOOKBACK_DAYS)
        history = dense_history(sales, self.covariates_, end=last, start=start)
        self.discrete_ = bool((sales[SALES] == sales[SALES].round()).all())
        spec.categories = self._categories(spec, history, last)
        self.spec_ = spec

        rng = np.random.default_rng(self.random_state)
        # Big chains: sample target rows chunk by chunk, before any matrix is built, so that
        # memory follows max_rows rather than the chain's size.
        first_target = last - timedelta(days=self.window_days_ - 1)
        n_targets = history.filter(pl.col(DATE) >= first_target).height
        n_recent = history.filter(pl.col(DATE) >= max(first_target, self._recent_start(last))).height
        keep, older_keep = self._sampling_rates(n_recent, n_targets - n_recent)
        parts = [
            self._training_rows(chunk, rng, last, keep, older_keep=older_keep)
            for chunk in series_chunks(history, _CHUNK_ROWS)
        ]
        X, y, margin, h, kind = _by_kind(parts)  # kind: 0 train, 3 refit only, 1 held out (last)
        del parts
        if X.shape[0] == 0:
            raise ShelfcastError("not enough sales history to train on (need at least 2 days per series)")
        if older_keep < 1.0:
            self.notes_.append(
                f"trained on a random sample of the {n_targets:,} target days (older_rows, "
                f"max_rows): {keep:.0%} of the last {self.recent_days} days', {older_keep:.0%} of older ones"
            )
        self.n_train_rows_ = int(X.shape[0])
        self._train(X, y, margin, h, kind)
        self.state_ = history.filter(pl.col(DATE) > last - timedelta(days=LOOKBACK_DAYS))
        levels = np.exp(margin[kind != 1])
        self.fallback_level_ = float(np.median(levels)) if levels.size else 1.0
        return self

    def _recent_start(self, last: date) -> date:
        # The held-out days always count as recent: they early-stop and calibrate.
        return last - timedelta(days=max(self.recent_days, self.valid_days) - 1)

    def _sampling_rates(self, n_recent: int, n_older: int) -> tuple[float, float]:
        """Shares of recent and of older target days kept: about ``older_rows`` older ones,
        then every day alike down to about ``max_rows`` in all."""
        for name in ("max_rows", "older_rows"):
            if getattr(self, name) < 1:
                raise ShelfcastError(f"{name} must be at least 1, got {getattr(self, name)}")
        older_keep = min(1.0, self.older_rows / max(n_older, 1))
        keep = min(1.0, self.max_rows / max(n_recent + older_keep * n_older, 1))
        return keep, keep * older_keep

    def _window(self, n_series: int) -> int:
        """Days of targets: ``window_days``, shorter (not below a year) on chains so big
        that their dense history (``n_series`` x days) would pass ``max_history_rows``."""
        n_series = max(n_series, 1)
        affordable = self.max_history_rows // n_series - LOOKBACK_DAYS
        window = max(min(self.window_days, affordable), min(self.window_days, 365))
        if window < self.window_days:
            self.notes_.append(
                f"trained on the last {window} days (not {self.window_days}): {n_series:,} series "
                f"x more days would pass max_history_rows={self.max_history_rows:,}"
            )
        return window

    def _spec(self, dataset: Dataset, last: date) -> FeatureSpec:
        stores, items = prepare_statics(dataset.stores, dataset.items)
        weather = None
        if dataset.weather is not None and dataset.weather.height:
            if dataset.future is not None and dataset.future.height:
                start, end = dataset.future[DATE].min(), dataset.future[DATE].max()
            else:
                start, end = last + timedelta(days=1), last + timedelta(days=7)
            store_ids = dataset.sales[STORE].unique().to_list()
            if weather_covers(dataset.weather, store_ids, start, end):
                weather = prepare_weather(dataset.weather)
            else:
                self.notes_.append(
                    f"weather ignored: it does not cover every store from {start} to {end}, "
                    "the days to forecast"
                )
        events = None
        if dataset.events is not None and dataset.events.height:
            events = dataset.events
        return FeatureSpec(
            covariates=self.covariates_, country=self.country, events=events,
            stores=stores, items=items, weather=weather,
        )

    def _categories(self, spec: FeatureSpec, history: pl.DataFrame, last: date) -> dict[str, list[str]]:
        # Every event of the table and the country's holidays of whole years (from the year
        # before the history to the year after): the codes do not move when the data grow.
        start = date(history[DATE].min().year - 1, 1, 1)
        cal = event_calendar(spec.events, country=spec.country, start=start, end=date(last.year + 1, 12, 31))
        names = set(cal["event"].to_list())
        if spec.events is not None:
            names |= set(event_calendar(spec.events, country=None, start=date(1, 1, 1), end=date(9999, 12, 31))["event"].to_list())
        names = sorted(names)
        cats: dict[str, list[str]] = {
            "store": sorted(history[STORE].unique().to_list()),
            "item": sorted(history[ITEM].unique().to_list()),
            "event": names, "next_event": names, "last_event": names,
        }
        for table in (spec.stores, spec.items):
            if table is None:
                continue
            for c, t in table.schema.items():
                if c not in (STORE, ITEM) and t == pl.String:
                    cats[c] = sorted(v for v in table[c].unique().to_list() if v is not None)
        return cats

    def _training_rows(
        self, chunk: pl.DataFrame, rng: np.random.Generator, last: date, keep: float,
        *, older_keep: float | None = None,
    ) -> tuple[np.ndarray, ...]:
        """Training rows of a chunk of whole series: target days sampled at the rate ``keep``,
        those before the last ``recent_days`` at ``older_keep`` (None: ``keep`` too)."""
        spec = self.spec_
        frame = spec.frame(chunk)
        if not spec.row_features:
            spec.row_features = row_feature_columns(frame.columns, spec)
        first_target = last - timedelta(days=self.window_days_ - 1)
        cutoff = last - timedelta(days=self.valid_days)
        info = frame.select(
            pl.col(Y).is_not_null() & (pl.col(DATE) >= first_target), pl.col(DATE), pl.col(POS)
        )
        usable = info[Y].to_numpy()
        dates = info[DATE].to_numpy().astype("datetime64[D]")
        pos = info[POS].to_numpy()
        cutoff64 = np.datetime64(cutoff, "D")
        idx_all = np.flatnonzero(usable)
        older_keep = keep if older_keep is None else older_keep
        if keep < 1.0 or older_keep < 1.0:
            recent = dates[idx_all] >= np.datetime64(self._recent_start(last), "D")
            idx_all = idx_all[rng.random(idx_all.size) < np.where(recent, keep, older_keep)]
        # Training rows: a random horizon each, a quarter of them tomorrow (the main use).
        h_train = np.where(
            rng.random(idx_all.size) < 0.25, 1, rng.integers(2, self.max_horizon + 1, idx_all.size)
        ) if self.max_horizon > 1 else np.ones(idx_all.size, dtype=np.int64)
        ok = pos[idx_all] >= h_train
        is_valid_day = dates[idx_all] > cutoff64
        rows_idx = [idx_all[ok]]
        rows_h = [h_train[ok]]
        rows_kind = [np.where(is_valid_day[ok], 3, 0)]  # 3: refit only (a held-out day)
        # Held-out rows, as used: from the cutoff's origin at every horizon, tomorrow from
        # every day, and (for long horizons) from earlier origins a valid window back.
        vidx = idx_all[is_valid_day]
        step = (dates[vidx] - cutoff64).astype(np.int64)
        for h_val in (step, np.ones_like(step), *[step + k * self.valid_days for k in range(1, 1 + self.max_horizon // max(self.valid_days, 1))]):
            sel = (h_val <= self.max_horizon) & (pos[vidx] >= h_val)
            rows_idx.append(vidx[sel])
            rows_h.append(h_val[sel])
            rows_kind.append(np.ones(int(sel.sum()), dtype=np.int64))
        idx = np.concatenate(rows_idx)
        h = np.concatenate(rows_h).astype(np.int64)
        kind = np.concatenate(rows_kind)
        X, level = spec.matrix(frame, idx, h)
        y = frame[Y].to_numpy()[idx]
        keep = ~np.isnan(level)  # a target needs some observed history before its origin
        margin = np.log(np.maximum(level, 0.01))
        return X[keep], y[keep], margin[keep], h[keep], kind[keep]

    def _dmatrix(self, X: np.ndarray, y: np.ndarray, margin: np.ndarray, weight: np.ndarray | None = None) -> Any:
        """The rows for XGBoost: a plain ``DMatrix``, binned by XGBoost the first time it is
        trained on and never when it only evaluates (an eval set is predicted from raw values,
        one tree a round). Against ``QuantileDMatrix`` for the training, held-out and all-days
        rows (1k-series benchmark): the same model, 29 % less CPU in matrices and training
        (docs/forecasting.md, "Training cost")."""
        spec = self.spec_
        return xgb.DMatrix(
            X, label=y, base_margin=margin, weight=weight, feature_names=spec.feature_names,
            feature_types=spec.feature_types, enable_categorical=True, nthread=self.n_jobs or _cores(),
        )

    def _train(self, X: np.ndarray, y: np.ndarray, margin: np.ndarray, h: np.ndarray, kind: np.ndarray) -> None:
        # Tweedie's hessian at the offset is about level^(2 - power): the typical row's.
        typical = float(np.median(np.exp(margin * (2.0 - self.tweedie_variance_power))))
        self.hessian_scale_ = typical
        params = self._booster_params(typical, X.shape[0])
        patience = self.patience_for(X.shape[0])
        if self.n_jobs is None and X.shape[0] < _THREADED_ROWS:
            params["nthread"] = 1  # threads cost more than they give on small matrices
        # The held-out rows come last (_by_kind): they and every day's rows are slices.
        n_every = int((kind != 1).sum())
        if (kind[n_every:] != 1).any():
            raise ShelfcastError("internal: the held-out training rows must come last")
        every, valid = slice(0, n_every), slice(n_every, None)
        training = kind[every] == 0
        if X.shape[0] - n_every < 50 or training.sum() < 50:
            # Too little history for a held-out slice: train on everything, fixed size.
            self.notes_.append("too little history to hold days out: no early stopping, rough quantiles")
            d_all = self._dmatrix(X[every], y[every], margin[every])
            rounds = min(self.n_estimators, 200)
            self.booster_ = xgb.train(params, d_all, num_boost_round=rounds)
            self.best_iteration_ = rounds
            mu = self.booster_.predict(d_all)
            self.calibrator_ = QuantileCalibrator(self.quantiles, discrete=self.discrete_).fit(
                mu, y[every], h[every]
            )
            return
        # One matrix of every day's rows for both stages: the held-out days weigh 0 while
        # early stopping chooses the trees, then 1 for the refit. XGBoost bins it once, and
        # the refit's trees split on the same bins (a second matrix of every day cost 1.7
        # single-threaded seconds on the 1k-series benchmark; zero-weight rows add ~10 % to
        # the first stage's trees, on both threads).
        d_every = self._dmatrix(X[every], y[every], margin[every], weight=training.astype(np.float32))
        d_valid = self._dmatrix(X[valid], y[valid], margin[valid])
        booster = xgb.train(
            params, d_every, num_boost_round=self.n_estimators, evals=[(d_valid, "valid")],
            early_stopping_rounds=patience, verbose_eval=False,
        )
        best = int(booster.best_iteration) + 1 if patience else self.n_estimators
        self.best_iteration_ = best
        mu = booster.predict(d_valid, iteration_range=(0, best))
        self.valid_rows_ = X.shape[0] - n_every
        self.calibrator_ = QuantileCalibrator(self.quantiles, discrete=self.discrete_).fit(mu, y[valid], h[valid])
        del d_valid
        refit = self.refit_for(X.shape[0])
        if refit == "extend" and self._refit_mode() == "auto":
            self.notes_.append(
                f"held-out days learned by {self.refit_share:.0%} more trees, not a full refit "
                f"({X.shape[0]:,} rows >= full_refit_rows)"
            )
        if refit == "none":
            self.booster_ = booster[:best]
            return
        d_every.set_weight(np.ones(n_every, dtype=np.float32))
        if refit == "full":
            # More data supports a few more trees than the held-out slice chose.
            rounds = max(int(round(best * 1.1)), 1) if patience else best
            self.booster_ = xgb.train(params, d_every, num_boost_round=rounds)
            self.best_iteration_ = rounds
        else:
            # More trees grown on every day, the held-out ones too: the latest weeks reach
            # the model at under half a full refit's cost (docs/forecasting.md).
            extra = max(int(round(best * self.refit_share)), 1)
            self.booster_ = xgb.train(params, d_every, num_boost_round=extra, xgb_model=booster[:best])
            self.best_iteration_ = best + extra

    def _refit_mode(self) -> str:
        modes = {True: "full", False: "none", **{m: m for m in ("auto", "full", "extend", "none")}}
        if not isinstance(self.refit, (bool, str)) or self.refit not in modes:
            raise ShelfcastError(
                f"refit must be 'auto', 'full', 'extend' or 'none' (or True/False), got {self.refit!r}"
            )
        return modes[self.refit]

    # -- predict --------------------------------------------------------------------------------
    def _targets(self, future: pl.DataFrame | None, horizon: int | None, last: date, state: pl.DataFrame) -> pl.DataFrame:
        if future is None:
            h = horizon or 28
            recent = state.filter(pl.col(DATE) > last - timedelta(days=_RECENT_DAYS), pl.col(SALES) > 0)
            series = recent.select(STORE, ITEM).unique().sort(STORE, ITEM)
            days = pl.DataFrame({DATE: pl.date_range(last + timedelta(days=1), last + timedelta(days=h), eager=True)})
            return series.join(days, how="cross").select(DATE, STORE, ITEM)
        missing = [c for c in (DATE, STORE, ITEM) if c not in future.columns]
        if missing:
            raise ShelfcastError(f"future lacks the columns {missing}", details={"missing": missing})
        targets = future
        if horizon is not None:
            first = targets[DATE].min()
            targets = targets.filter(pl.col(DATE) < first + timedelta(days=horizon))
        early = targets.filter(pl.col(DATE) <= last)
        if early.height:
            raise ShelfcastError(
                f"future has {early.height} rows on or before the last day of sales ({last}); "
                f"first: {early.row(0, named=True)}",
                details={"rows": early.height, "last_sales_date": str(last)},
            )
        return targets

    def features(
        self, future: pl.DataFrame | None = None, *, horizon: int | None = None
    ) -> pl.DataFrame:
        """The model's input rows for ``predict(future, horizon=horizon)``: keys, then features."""
        self._check_fitted()
        targets = self._targets(future, horizon, self.last_date_, self.state_)
        X, _, h, _ = self._prediction_matrix(targets, self.state_, self.last_date_)
        keys = targets.select(DATE, STORE, ITEM)
        return pl.concat([keys, pl.DataFrame(X, schema=self.spec_.feature_names, orient="row")], how="horizontal")

    def _prediction_matrix(
        self, targets: pl.DataFrame, state: pl.DataFrame, last: date
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        tagged = targets.with_row_index("_order").with_columns(pl.col(STORE).cast(pl.String), pl.col(ITEM).cast(pl.String))
        tl = timeline(state, tagged, self.covariates_)
        # Chunk by chunk of whole series, as in fit: on a big chain the feature frame of the
        # whole state (every feature of every day of every series) takes gigabytes.
        parts = [self._chunk_matrix(chunk, last) for chunk in series_chunks(tl, _CHUNK_ROWS)]
        order = np.argsort(np.concatenate([p[0] for p in parts]), kind="stable")
        X, level, h, closed = (np.concatenate([p[k] for p in parts])[order] for k in range(1, 5))
        return X, level, h, closed

    def _chunk_matrix(self, tl: pl.DataFrame, last: date) -> tuple[np.ndarray, ...]:
        frame = self.spec_.frame(tl)
        where = frame.select(pl.int_range(pl.len()).alias("_i"), "_order").drop_nulls("_order")
        idx = where["_i"].to_numpy()
        h = (
            (frame[DATE].to_numpy().astype("datetime64[D]")[idx] - np.datetime64(last, "D")).astype(np.int64)
        )
        X, level = self.spec_.matrix(frame, idx, h)
        X[:, 0] = np.minimum(h, self.max_horizon)  # beyond it: as the longest trained
        closed = np.zeros(idx.size, dtype=bool)
        if OPEN in frame.columns:
            closed = (frame[OPEN].to_numpy()[idx] <= 0)
        return where["_order"].to_numpy(), X, level, h, closed

    def _predict(self, targets: pl.DataFrame, state: pl.DataFrame, last: date) -> pl.DataFrame:
        X, level, h, closed = self._prediction_matrix(targets, state, last)
        level = np.where(np.isnan(level), self.fallback_level_, np.maximum(level, 0.01))
        dm = xgb.DMatrix(
            X, base_margin=np.log(level), feature_names=self.spec_.feature_names,
            feature_types=self.spec_.feature_types, enable_categorical=True,
            nthread=self.n_jobs or _cores(),
        )
        mu = self.booster_.predict(dm).astype(np.float64)
        mu = np.where(closed, 0.0, np.maximum(mu, 0.0))
        qs = self.calibrator_.predict(mu, h)
        qs[closed] = 0.0
        out = targets.select(
            pl.col(DATE), pl.col(STORE).cast(pl.String), pl.col(ITEM).cast(pl.String)
        ).with_columns(pl.Series(FORECAST, mu))
        return out.with_columns(
            [pl.Series(quantile_column(q), qs[:, j]) for j, q in enumerate(self.calibrator_.quantiles)]
        )

    def predict(self, future: pl.DataFrame | None = None, *, horizon: int | None = None) -> pl.DataFrame:
        """The forecast frame: ``date, store_id, item_id, forecast, q10 ... q99``.

        With ``future``: one row per row of ``future`` (its first ``horizon`` days when given),
        in its order, its covariates used. Without: ``horizon`` days (default 28) after the last
        sales day for every series with sales in the last 8 weeks, covariates carried forward
        (promotions off, stores open).
        """
        self._check_fitted()
        targets = self._targets(future, horizon, self.last_date_, self.state_)
        if targets.height == 0:
            return self._empty()
        return self._predict(targets, self.state_, self.last_date_)

    def predict_next_day(
        self, provisional_today: pl.DataFrame, future: pl.DataFrame | None = None
    ) -> pl.DataFrame:
        """Tomorrow's forecast, taking today's provisional sales (a nowcast) as if known.

        ``provisional_today`` has ``store_id, item_id, sales`` (and ``date``, which must then
        be the day after the last sales day): today's expected total, e.g. the live nowcast.
        Series of the state that are not in it count today as 0. ``future``, when given, holds
        tomorrow's covariates. The model's state is left unchanged (``update`` with the
        completed day at close of business). Returns the forecast frame for the day after
        today, one row per series of ``provisional_today``.
        """
        self._check_fitted()
        today = self.last_date_ + timedelta(days=1)
        rows = provisional_today
        if DATE in rows.columns and rows.filter(pl.col(DATE) != today).height:
            raise ShelfcastError(
                f"provisional_today must be for {today} (the day after the last sales day)"
            )
        rows = rows.with_columns(pl.lit(today).alias(DATE))
        state = extend_history(self.state_, rows, self.covariates_, keep_days=LOOKBACK_DAYS)
        tomorrow = today + timedelta(days=1)
        targets = rows.select(STORE, ITEM).unique(maintain_order=True).with_columns(pl.lit(tomorrow).alias(DATE))
        if future is not None:
            fut = future.filter(pl.col(DATE) == tomorrow).drop([c for c in (SALES, STOCKOUT) if c in future.columns])
            targets = targets.join(fut, on=[STORE, ITEM, DATE], how="left")
        if targets.height == 0:
            return self._empty()
        return self._predict(targets.select(DATE, *[c for c in targets.columns if c != DATE]), state, today)

    def _empty(self) -> pl.DataFrame:
        schema = {DATE: pl.Date, STORE: pl.String, ITEM: pl.String, FORECAST: pl.Float64}
        schema.update({quantile_column(q): pl.Float64 for q in self.calibrator_.quantiles})
        return pl.DataFrame(schema=schema)

    # -- update ---------------------------------------------------------------------------------
    def update(self, sales: pl.DataFrame) -> Forecaster:
        """Roll the state forward with newer completed days of ``sales``; no refit.

        Rows on or before the last day already known are ignored (history is not rewritten).
        """
        self._check_fitted()
        new = sales.filter(pl.col(DATE) > self.last_date_)
        if new.height == 0:
            return self
        self.state_ = extend_history(self.state_, new, self.covariates_, keep_days=LOOKBACK_DAYS)
        self.last_date_ = self.state_[DATE].max()
        return self

    # -- persistence ----------------------------------------------------------------------------
    def save(self, folder: str | Path) -> Path:
        """Write the model into ``folder`` (created): booster, state and a JSON description."""
        self._check_fitted()
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        self.booster_.save_model(folder / "booster.ubj")
        self.state_.write_parquet(folder / "state.parquet")
        spec = self.spec_
        for name in ("events", "stores", "items", "weather"):
            table = getattr(spec, name)
            if table is not None:
                table.write_parquet(folder / f"{name}.parquet")
        meta = {
            "params": {k: (list(v) if isinstance(v, tuple) else v) for k, v in self.get_params().items()},
            "covariates": self.covariates_,
            "country": spec.country,
            "categories": spec.categories,
            "row_features": spec.row_features,
            "missing_filled": spec.missing_filled,
            "feature_names": spec.feature_names,
            "last_date": self.last_date_.isoformat(),
            "first_date": self.first_date_.isoformat(),
            "discrete": self.discrete_,
            "fallback_level": self.fallback_level_,
            "best_iteration": self.best_iteration_,
            "n_train_rows": self.n_train_rows_,
            "notes": self.notes_,
            "calibrator": self.calibrator_.to_dict(),
        }
        (folder / "forecaster.json").write_text(json.dumps(meta, indent=1, default=str))
        return folder

    @classmethod
    def load(cls, folder: str | Path) -> Forecaster:
        """A Forecaster saved by :meth:`save`."""
        from shelfcast.errors import ModelNotFoundError

        folder = Path(folder)
        missing = [f for f in _FILES if not (folder / f).exists()]
        if missing:
            raise ModelNotFoundError(
                f"{folder} does not hold a saved forecaster (missing {', '.join(missing)})",
                details={"folder": str(folder), "missing": missing},
            )
        meta = json.loads((folder / "forecaster.json").read_text())
        params = dict(meta["params"])
        params["quantiles"] = tuple(params["quantiles"])
        self = cls(**params)
        self.booster_ = xgb.Booster()
        self.booster_.load_model(folder / "booster.ubj")
        self.state_ = pl.read_parquet(folder / "state.parquet")
        tables = {
            n: pl.read_parquet(folder / f"{n}.parquet") if (folder / f"{n}.parquet").exists() else None
            for n in ("events", "stores", "items", "weather")
        }
        self.covariates_ = meta["covariates"]
        self.spec_ = FeatureSpec(
            covariates=self.covariates_, country=meta["country"], categories=meta["categories"],
            row_features=meta["row_features"], missing_filled=meta.get("missing_filled", False),
            **tables,
        )
        self.last_date_ = date.fromisoformat(meta["last_date"])
        self.first_date_ = date.fromisoformat(meta["first_date"])
        self.discrete_ = meta["discrete"]
        self.fallback_level_ = meta["fallback_level"]
        self.best_iteration_ = meta["best_iteration"]
        self.n_train_rows_ = meta["n_train_rows"]
        self.notes_ = meta["notes"]
        self.calibrator_ = QuantileCalibrator.from_dict(meta["calibrator"])
        return self

    # -- training elsewhere (Spark's global mode, shelfcast.spark.global_model) -----------------
    def prepare(
        self, tables: Dataset, *, covariates: list[str], stores: list[str], items: list[str],
        n_series: int, first: date, last: date, discrete: bool,
    ) -> Forecaster:
        """What ``fit`` sets before its training rows (dates, covariates, window, spec with
        its categories, discrete flag), from summaries of a chain too big to load.

        Spark's global mode uses it: ``stores``, ``items`` (distinct ids), ``n_series``,
        ``first``/``last`` (sales dates) and ``discrete`` are computed on the cluster;
        ``tables`` gives the small tables and ``future`` (only its first and last dates are
        read); its ``sales`` is not read. ``spec_.row_features`` is left to the caller.
        """
        from dataclasses import replace

        if not stores or not items:
            raise ShelfcastError("cannot fit a forecaster on an empty sales table")
        self.notes_ = []
        self.covariates_ = list(covariates)
        self.first_date_, self.last_date_, self.discrete_ = first, last, discrete
        spec = self._spec(replace(tables, sales=pl.DataFrame({STORE: stores})), last)
        self.window_days_ = self._window(n_series)
        # _categories reads the dense history's first day and its ids: a stand-in with them.
        start = max(first, last - timedelta(days=self.window_days_ + LOOKBACK_DAYS))
        ids = pl.DataFrame({
            DATE: [start] * (len(stores) + len(items)),
            STORE: [*stores, *[stores[0]] * len(items)], ITEM: [*[items[0]] * len(stores), *items],
        })
        spec.categories = self._categories(spec, ids, last)
        self.spec_ = spec
        return self

    def training_rows(
        self, chunk: pl.DataFrame, rng: np.random.Generator, keep: float,
        older_keep: float | None = None,
    ) -> tuple[np.ndarray, ...]:
        """``X, y, margin, horizon, kind`` (0 train, 1 held out, 3 refit only) of a chunk of
        whole series of the dense history, exactly as ``fit`` builds them (after ``prepare``;
        ``keep``, ``older_keep`` from ``sampling_rates``).

        Spark's global mode calls it on the executors, once per bucket of series."""
        return self._training_rows(chunk, rng, self.last_date_, keep, older_keep=older_keep)

    def recent_start(self) -> date:
        """First of the recent target days ``sampling_rates`` favours (after ``prepare``);
        Spark's global mode counts the chain's days from it."""
        return self._recent_start(self.last_date_)

    def sampling_rates(self, n_targets: int, n_recent: int) -> tuple[float, float]:
        """``(keep, older_keep)`` as ``fit`` draws them, for ``n_targets`` target days of
        which ``n_recent`` are on or after ``recent_start()`` (Spark's global mode)."""
        return self._sampling_rates(n_recent, n_targets - n_recent)

    def refit_for(self, n_rows: int) -> str:
        """``full``, ``extend`` or ``none``: how ``fit`` learns the held-out days after early
        stopping on ``n_rows`` training rows (``refit="auto"`` resolved as ``_train`` does).
        Spark's global mode uses it."""
        mode = self._refit_mode()
        if mode == "auto":
            return "extend" if self._is_big(n_rows) else "full"
        return mode

    def booster_params(self, hessian: float = 1.0, n_rows: int | None = None) -> dict[str, Any]:
        """The XGBoost parameters ``fit`` trains with on ``n_rows`` training rows (Spark's
        global mode passes them to ``SparkXGBRegressor``); ``hessian``: the median row's
        Tweedie hessian. Without ``n_rows``: those of small data (``learning_rate``)."""
        return self._booster_params(hessian, n_rows)

    def patience_for(self, n_rows: int | None = None) -> int | None:
        """Early stopping's patience on ``n_rows`` training rows: ``early_stopping_rounds``
        trees at ``learning_rate``, proportionally fewer at a higher rate (None: off)."""
        if not self.early_stopping_rounds:
            return None
        ratio = self.learning_rate / self._learning_rate(n_rows)
        return max(int(round(self.early_stopping_rounds * ratio)), 1)

    def set_fitted(
        self, booster: Any, calibrator: QuantileCalibrator, state: pl.DataFrame, *,
        fallback_level: float, best_iteration: int, n_train_rows: int,
    ) -> Forecaster:
        """The fitted state from a booster trained elsewhere (after ``prepare``): Spark's
        global mode sets it on the driver (to save the model) and on the executors (each
        with the state of its own series, to forecast them)."""
        self.booster_, self.calibrator_, self.state_ = booster, calibrator, state
        self.fallback_level_ = fallback_level
        self.best_iteration_, self.n_train_rows_ = best_iteration, n_train_rows
        return self
