"""The live model, held in memory by each server process.

Contract (others build on it)::

    model = live_model()              # LiveModel, or None when no version is live
    model.version                     # "20261123T190102Z-a1b2c3"
    model.predict([PredictRequest("S1", "I1", date(2024, 3, 2), price=1.5, promo=1)])
        -> [Prediction(store_id, item_id, date, forecast, quantiles={"q10": ..., "q99": ...},
                       contributions=[("lag1", 0.31), ...])]
    model.predict_arrays(requests)    # the same answers as arrays (OnlineResult) and the
        -> ([date, ...], OnlineResult) # days: no object per request (the API's batches)
    model.predict_tomorrow([("S1", "I1")], {("S1", "I1"): 12.0})
        -> [Prediction(...)]          # Forecaster.predict_next_day: today = the model's last
                                      # sales day + 1, the prediction is for the day after

- ``live_model()`` is process-wide and cheap: it asks the database which version is live
  (and the last day of daily sales) at most once a second (at once, in this process, after
  ``model_version_promote``) and loads again when either changed. Loading rolls the model
  forward over the database's daily sales newer than it saw (``Forecaster.update``, no refit,
  as ``shelfcast load`` forecasts), then builds every series' input rows once
  (``shelfcast.forecast.online``); a call gathers rows and calls the booster.
- ``predict``: ``date=None`` means tomorrow on the business clock (``business_tomorrow``);
  every request is checked first and all problems are raised together as one
  ``PredictionInputError`` (details ``{"items": [{"index", "field", "message"}]}``), so
  nothing is predicted from a half-valid batch. ``contributions`` are XGBoost's own
  (``pred_contribs``, approximate: Saabas) in the model's log scale, the
  ``TOP_CONTRIBUTIONS`` (5) largest by size.
- ``predict_tomorrow``: keys the model does not know are left out of the answer.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta

import numpy as np

from shelfcast.data.schema import quantile_column
from shelfcast.errors import ShelfcastError
from shelfcast.forecast.forecaster import Forecaster
from shelfcast.forecast.online import (
    DEFAULT_HORIZON, TOP_CONTRIBUTIONS, OnlinePredictor, OnlineResult,
)

__all__ = [
    "TOP_CONTRIBUTIONS", "MAX_HORIZON_DAYS", "PredictRequest", "Prediction", "LiveModel",
    "PredictionInputError", "live_model", "live_model_invalidate", "business_tomorrow",
]

MAX_HORIZON_DAYS = DEFAULT_HORIZON
"""The last day that can be asked: this many days after the model's last sales day."""
CHECK_INTERVAL = 1.0
"""Seconds between two looks at which version is live (and at the business clock)."""


class PredictionInputError(ShelfcastError):
    code = "invalid_input"


@dataclass(frozen=True)
class PredictRequest:
    store_id: str
    item_id: str
    date: date | None = None
    price: float | None = None
    promo: float | None = None


@dataclass(frozen=True)
class Prediction:
    store_id: str
    item_id: str
    date: date
    forecast: float
    quantiles: dict[str, float]
    contributions: list[tuple[str, float]] = field(default_factory=list)


class LiveModel:
    """One loaded model version, ready to answer."""

    def __init__(self, version: str, model: Forecaster) -> None:
        self.version = version
        self.online = OnlinePredictor(model, horizon=MAX_HORIZON_DAYS)
        self.quantile_names = [quantile_column(q) for q in self.online.quantiles]

    @property
    def first_day(self) -> date:
        return self.online.last_date + timedelta(days=1)

    @property
    def last_day(self) -> date:
        return self.online.last_date + timedelta(days=self.online.horizon)

    # -- checks ------------------------------------------------------------------------------------
    def problems(self, requests: Sequence[PredictRequest], tomorrow: date) -> list[dict[str, object]]:
        """Every request the model cannot answer: index, field and what is wrong."""
        online = self.online
        first = max(tomorrow, self.first_day)
        out: list[dict[str, object]] = []
        for i, r in enumerate(requests):
            if (r.store_id, r.item_id) not in online.series:
                if r.store_id not in online.stores:
                    out.append({"index": i, "field": "store_id",
                                "message": f"unknown store {r.store_id!r}"})
                elif r.item_id not in online.items:
                    out.append({"index": i, "field": "item_id",
                                "message": f"unknown item {r.item_id!r}"})
                else:
                    out.append({"index": i, "field": "item_id", "message":
                                f"store {r.store_id!r} has no sales history of item "
                                f"{r.item_id!r} in the live model's data"})
                continue
            day = r.date or tomorrow
            if day < first or day > self.last_day:
                out.append({"index": i, "field": "date", "message":
                            f"{day.isoformat()} is out of range: expected a day from "
                            f"{first.isoformat()} (tomorrow) to {self.last_day.isoformat()} "
                            f"(the live model's last sales day + {online.horizon})"})
        return out

    # -- predictions -------------------------------------------------------------------------------
    def predict(self, requests: Sequence[PredictRequest], *, tomorrow: date | None = None,
                contributions: bool = True) -> list[Prediction]:
        if not requests:
            return []
        days, result = self.predict_arrays(requests, tomorrow=tomorrow,
                                           contributions=contributions)
        keys = [(r.store_id, r.item_id) for r in requests]
        return self._predictions(keys, days, result)

    def predict_arrays(self, requests: Sequence[PredictRequest], *, tomorrow: date | None = None,
                       contributions: bool = True) -> tuple[list[date], OnlineResult]:
        """``predict`` without building a ``Prediction`` per request: the day of each request
        and the answers as arrays, in the order asked (the API's fast path)."""
        # No sales or transactions in the database: the model's own clock (today = its last
        # sales day + 1).
        tomorrow = tomorrow or business_tomorrow() or self.first_day + timedelta(days=1)
        bad = self.problems(requests, tomorrow)
        if bad:
            first = bad[0]
            raise PredictionInputError(
                f"items[{first['index']}].{first['field']}: {first['message']}"
                + (f" (and {len(bad) - 1} more problems)" if len(bad) > 1 else ""),
                details={"items": bad})
        online = self.online
        days = [r.date or tomorrow for r in requests]
        series = np.fromiter((online.series[(r.store_id, r.item_id)] for r in requests),
                             np.int64, len(requests))
        horizon = np.fromiter((online.horizon_of(d) for d in days), np.int64, len(requests))
        price = _column([r.price for r in requests])
        promo = _column([r.promo for r in requests])
        result = online.predict(series, horizon, price=price, promo=promo,
                                contributions=contributions)
        return days, result

    def predict_tomorrow(self, keys: Sequence[tuple[str, str]],
                         provisional_today: Mapping[tuple[str, str], float], *,
                         contributions: bool = False) -> list[Prediction]:
        known = [k for k in keys if k in self.online.series]
        series = np.fromiter((self.online.series[k] for k in known), np.int64, len(known))
        today = np.fromiter((float(provisional_today.get(k, 0.0)) for k in known), np.float64,
                            len(known))
        result = self.online.next_day(series, today, contributions=contributions)
        day = self.online.last_date + timedelta(days=2)
        return self._predictions(known, [day] * len(known), result)

    def _predictions(self, keys: Sequence[tuple[str, str]], days: Sequence[date],
                     result: OnlineResult) -> list[Prediction]:
        names = self.online.names
        means = result.mean.tolist()
        qs = result.quantiles.tolist()
        tops: list[list[tuple[str, float]]] = [[] for _ in keys]
        if result.top_features is not None and result.top_values is not None:
            tops = [[(names[j], v) for j, v in zip(fs, vs, strict=True)]
                    for fs, vs in zip(result.top_features.tolist(), result.top_values.tolist(),
                                      strict=True)]
        return [
            Prediction(store_id=k[0], item_id=k[1], date=d, forecast=m,
                       quantiles=dict(zip(self.quantile_names, q, strict=True)), contributions=t)
            for k, d, m, q, t in zip(keys, days, means, qs, tops, strict=True)
        ]


def _column(values: list[float | None]) -> np.ndarray | None:
    if all(v is None for v in values):
        return None
    return np.array([np.nan if v is None else v for v in values], dtype=np.float64)


# -- the process-wide cache --------------------------------------------------------------------------
class _Cache:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.model: LiveModel | None = None
        self.checked_at = float("-inf")
        self.live: tuple[str, str, date | None] | None = None
        """(version, path, last day of daily sales) the database says, as loaded."""
        self.tomorrow: date | None = None
        self.tomorrow_at = float("-inf")


_cache = _Cache()


def _live_row() -> tuple[str, str, date | None] | None:
    from django.db.models import Max

    from shelfcast.server.forecasts.models import ModelVersion
    from shelfcast.server.sales.models import DailySales

    row = ModelVersion.objects.filter(is_live=True).values_list("version", "path").first()
    if row is None:
        return None
    return row[0], row[1], DailySales.objects.aggregate(day=Max("date"))["day"]


def _rolled_forward(model: Forecaster) -> Forecaster:
    """The model with the database's daily sales after its last day appended to its state."""
    import polars as pl

    from shelfcast.server.jobs.services import SALES_COLUMNS
    from shelfcast.server.sales.models import DailySales

    columns = [c for c in SALES_COLUMNS if c in ("date", "store_id", "item_id", "sales")
               or c in model.covariates_ or c == "stockout"]
    rows = list(DailySales.objects.filter(date__gt=model.last_date_).values_list(*columns))
    if not rows:
        return model
    schema = {c: (pl.Date if c == "date" else pl.String if c in ("store_id", "item_id")
                  else pl.Float64) for c in columns}
    return model.update(pl.DataFrame(rows, schema=schema, orient="row"))


def live_model() -> LiveModel | None:
    """The live version, loaded; None when no version is live."""
    now = time.monotonic()
    cache = _cache
    if now - cache.checked_at < CHECK_INTERVAL:
        return cache.model
    with cache.lock:
        if now - cache.checked_at < CHECK_INTERVAL:
            return cache.model
        live = _live_row()
        if live is None:
            cache.model = None
        elif cache.model is None or cache.live != live:
            cache.model = None  # a version that fails to load must not keep the old one live
            cache.live = None
            cache.model = LiveModel(live[0], _rolled_forward(Forecaster.load(live[1])))
        cache.live = live
        cache.checked_at = time.monotonic()
        return cache.model


def live_model_invalidate() -> None:
    """Look at the database again on the next call (after a promote in this process)."""
    _cache.checked_at = float("-inf")
    _cache.tomorrow_at = float("-inf")


def business_tomorrow() -> date | None:
    """The day after today on the business clock (INTERFACES.md); None with no data at all.
    Read at most once a second."""
    now = time.monotonic()
    if now - _cache.tomorrow_at >= CHECK_INTERVAL:
        from shelfcast.server.sales.selectors import live_day_get

        today = live_day_get()
        _cache.tomorrow = None if today is None else today + timedelta(days=1)
        _cache.tomorrow_at = time.monotonic()
    return _cache.tomorrow
