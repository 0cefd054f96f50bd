"""The daily run's way into the database (``shelfcast.ops.daily.Sink``): the model registry,
the publication of forecasts, orders and alerts, and the monitoring records.

Each call uses the owning app's own service; nothing is written here directly.
"""

from __future__ import annotations

import dataclasses
from datetime import date, timedelta
from pathlib import Path

import polars as pl

from shelfcast.data.dataset import Dataset
from shelfcast.data.schema import DATE

__all__ = ["DatabaseSink"]

_RELOAD_DAYS = 7
"""Days before the database's last sales day that are loaded again (late corrections)."""


def _new_days(dataset: Dataset) -> Dataset:
    """The whole history the first time; afterwards only the days the database may lack."""
    from django.db.models import Max

    from shelfcast.server.sales.models import DailySales

    latest = DailySales.objects.aggregate(last=Max("date"))["last"]
    if latest is None:
        return dataset
    since = latest - timedelta(days=_RELOAD_DAYS)
    return dataclasses.replace(dataset, sales=dataset.sales.filter(pl.col(DATE) > since))


class DatabaseSink:
    def __init__(self, model_dir: Path) -> None:
        self.model_dir = model_dir

    def live_version(self) -> str | None:
        from shelfcast.server.forecasts.models import ModelVersion

        return ModelVersion.objects.filter(is_live=True).values_list("version", flat=True).first()

    def register(self, folder: Path, *, promote: bool) -> None:
        from shelfcast.server.forecasts.services import model_version_promote, model_version_register

        row = model_version_register(path=folder)
        if promote and not row.is_live:
            model_version_promote(version=row.version)

    def publish(self, *, run_date: date, dataset: Dataset, forecast: pl.DataFrame,
                orders: pl.DataFrame | None, alerts: pl.DataFrame | None,
                model_version: str) -> dict[str, int]:
        from django.db import transaction

        from shelfcast.server.forecasts.publishing import forecast_publish
        from shelfcast.server.forecasts.services import model_version_register
        from shelfcast.server.jobs.services import dataset_load
        from shelfcast.server.orders.publishing import alerts_publish, orders_publish

        with transaction.atomic():  # one publication: all of it or none of it
            loaded = dataset_load(dataset=_new_days(dataset))
            # the version used may predate this database (trained by an earlier run): record it
            model_version_register(path=self.model_dir / model_version)
            counts = {"sales_rows": loaded.sales_rows,
                      "forecasts": forecast_publish(forecast=forecast, model_version=model_version)}
            if orders is not None:
                counts["orders"] = orders_publish(orders=orders)
            if alerts is not None:
                # every SKU replenishment looked at: an alert that no longer holds is resolved
                covered = orders if orders is not None else dataset.inventory
                counts["alerts"] = alerts_publish(alerts=alerts, covered=covered)
        return counts

    def record_monitoring(self, *, run_date: date, scores: pl.DataFrame, drift: pl.DataFrame,
                          alerts: pl.DataFrame, model_version: str) -> dict[str, int]:
        from shelfcast.server.monitoring.services import monitoring_record

        return monitoring_record(run_date=run_date, scores=scores, drift=drift, alerts=alerts,
                                 model_version=model_version)
