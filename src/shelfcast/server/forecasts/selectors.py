"""Reads of the forecasts app."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Q, QuerySet

from shelfcast.server.api.filters import ReadFilters

from shelfcast.server.forecasts.models import ModelVersion, PublishedForecast

__all__ = ["published_forecast_map", "published_forecast_list", "model_version_list"]


def model_version_list() -> QuerySet:
    """Every registered model version, newest first."""
    return ModelVersion.objects.order_by("-created_at", "-version")


def published_forecast_map(*, pairs: set[tuple[str, str]], day: date
                           ) -> dict[tuple[str, str], tuple[float, dict[str, Any]]]:
    """The published forecast (point, quantiles) of each (store, item) in ``pairs`` for ``day``."""
    if not pairs:
        return {}
    stores = {s for s, _ in pairs}
    items = {i for _, i in pairs}
    rows = PublishedForecast.objects.filter(Q(date=day), store_id__in=stores, item_id__in=items)
    return {(r.store_id, r.item_id): (r.forecast, r.quantiles) for r in rows
            if (r.store_id, r.item_id) in pairs}


def published_forecast_list(*, filters: ReadFilters) -> tuple[QuerySet, dict[str, str]]:
    """Published forecasts as the forecast file's rows (the ``quantiles`` dict expands into
    ``q10``, ``q50``... columns), with the model version that made them."""
    qs = filters.apply(PublishedForecast.objects.all())
    rows = qs.order_by("store_id", "item_id", "date").values(
        "date", "store_id", "item_id", "forecast", "quantiles", "model_version__version")
    return rows, {"date": "date", "store_id": "store_id", "item_id": "item_id",
                  "forecast": "forecast", "quantiles": "quantiles",
                  "model_version": "model_version__version"}
