"""Writes of monitoring: one daily run's scores, drift and alerts, replacing what the same
run (or an earlier scoring of the same days) recorded, so a re-run never counts twice."""

from __future__ import annotations

from datetime import date

import polars as pl
from django.db import transaction

from shelfcast.server.core.bulk import frame_upsert
from shelfcast.server.monitoring.models import AccuracyScore, DriftScore, MonitoringAlert

__all__ = ["monitoring_record"]


@transaction.atomic
def monitoring_record(*, run_date: date, scores: pl.DataFrame, drift: pl.DataFrame,
                      alerts: pl.DataFrame, model_version: str) -> dict[str, int]:
    """Upsert ``scores`` by (date, store, category), replace the run's drift and alerts."""
    tag = [pl.lit(model_version).alias("model_version"), pl.lit(run_date).alias("run_date")]
    score_rows = frame_upsert(model=AccuracyScore, frame=scores.with_columns(tag),
                              unique=["date", "store_id", "category"])
    DriftScore.objects.filter(run_date=run_date).delete()
    drift_rows = frame_upsert(model=DriftScore, frame=drift.with_columns(tag),
                              unique=["run_date", "feature"])
    MonitoringAlert.objects.filter(run_date=run_date).delete()
    MonitoringAlert.objects.bulk_create(
        MonitoringAlert(run_date=run_date, **row) for row in alerts.iter_rows(named=True))
    return {"scores": score_rows, "drift": drift_rows, "alerts": alerts.height}
