"""Publish a forecast frame (``date, store_id, item_id, forecast, q10 ... q99``) into
``PublishedForecast``: the rows of the stores, items and dates it covers are replaced, each
marked with the model version that made it. One bulk upsert (``core.bulk.frame_upsert``)."""

from __future__ import annotations

import json

import polars as pl
from django.db import transaction
from django.utils import timezone

from shelfcast.data.schema import DATE, FORECAST, ITEM, STORE
from shelfcast.errors import DataValidationError
from shelfcast.server.core.bulk import frame_upsert
from shelfcast.server.forecasts.models import ModelVersion, PublishedForecast

__all__ = ["forecast_publish"]

_KEY = (DATE, STORE, ITEM)


def forecast_publish(*, forecast: pl.DataFrame, model_version: str | None) -> int:
    """Replace the published rows for the (store, item, date) keys of ``forecast``.

    ``model_version`` must be registered (or None). Returns the rows published.
    """
    missing = [c for c in (*_KEY, FORECAST) if c not in forecast.columns]
    if missing:
        raise DataValidationError(f"the forecast frame lacks column(s) {missing}",
                                  details={"missing": missing})
    version_pk = None
    if model_version is not None:
        version_pk = ModelVersion.objects.values_list("pk", flat=True).get(version=model_version)
    quantiles = [c for c in forecast.columns if c.startswith("q") and c[1:].isdigit()]
    frame = forecast.select(
        pl.col(STORE).cast(pl.String).alias("store_id"),
        pl.col(ITEM).cast(pl.String).alias("item_id"),
        pl.col(DATE).cast(pl.Date).alias("date"),
        pl.col(FORECAST).cast(pl.Float64).alias("forecast"),
        # JSON text: the same literal works for SQLite's text and PostgreSQL's jsonb COPY.
        pl.struct(quantiles).map_elements(json.dumps, return_dtype=pl.String).alias("quantiles")
        if quantiles else pl.lit("{}").alias("quantiles"),
        pl.lit(version_pk, dtype=pl.Int64).alias("model_version_id"),
        pl.lit(timezone.now()).alias("published_at"),
    ).unique(subset=["store_id", "item_id", "date"], keep="last")
    with transaction.atomic():
        return frame_upsert(model=PublishedForecast, frame=frame,
                            unique=["store_id", "item_id", "date"])
