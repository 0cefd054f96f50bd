"""Reads of monitoring, for ``GET /api/monitoring/`` and the Prometheus collector."""

from __future__ import annotations

from dataclasses import asdict
from datetime import date, timedelta
from typing import Any

import polars as pl
from django.db.models import Max

from shelfcast.ops.accuracy import CATEGORY, SCORE_COLUMNS, summarise
from shelfcast.ops.settings import OpsSettings
from shelfcast.server.monitoring.models import AccuracyScore, DriftScore, MonitoringAlert

__all__ = ["monitoring_overview", "latest_window", "latest_drift", "latest_alerts",
           "model_version_compare"]


def _scores(*, date_from: date | None = None, date_to: date | None = None,
            store_id: str | None = None, category: str | None = None) -> pl.DataFrame:
    rows = AccuracyScore.objects.all()
    if date_from:
        rows = rows.filter(date__gte=date_from)
    if date_to:
        rows = rows.filter(date__lte=date_to)
    if store_id:
        rows = rows.filter(store_id=store_id)
    if category:
        rows = rows.filter(category=category)
    values = list(rows.values_list(*SCORE_COLUMNS))
    return pl.DataFrame(values, schema=SCORE_COLUMNS, orient="row")


def latest_window(*, days: int) -> pl.DataFrame:
    """Accuracy per store and category pooled over the last ``days`` scored days."""
    last = AccuracyScore.objects.aggregate(last=Max("date"))["last"]
    if last is None:
        return summarise(pl.DataFrame(schema=SCORE_COLUMNS), ["store_id", CATEGORY])
    return summarise(_scores(date_from=last - timedelta(days=days - 1)), ["store_id", CATEGORY])


def _latest_run(model: Any) -> date | None:
    return model.objects.aggregate(last=Max("run_date"))["last"]


def latest_drift() -> list[dict[str, Any]]:
    run = _latest_run(DriftScore)
    return list(DriftScore.objects.filter(run_date=run).values(
        "run_date", "feature", "psi", "reference_rows", "recent_rows", "reference_mean",
        "recent_mean", "model_version")) if run else []


def latest_alerts() -> list[dict[str, Any]]:
    run = _latest_run(DriftScore)  # every monitor step writes drift, alerts or not
    return list(MonitoringAlert.objects.filter(run_date=run).values(
        "run_date", "kind", "subject", "value", "threshold", "message")) if run else []


def _records(frame: pl.DataFrame) -> list[dict[str, Any]]:
    return frame.to_dicts()


def monitoring_overview(*, date_from: date | None = None, date_to: date | None = None,
                        store_id: str | None = None, category: str | None = None,
                        settings: OpsSettings | None = None) -> dict[str, Any]:
    """Accuracy over time (chain, and by store and category), the recent window, the latest
    run's drift and alerts, and the thresholds they were judged by."""
    settings = settings or OpsSettings.from_env()
    scores = _scores(date_from=date_from, date_to=date_to, store_id=store_id, category=category)
    thresholds = {k: v for k, v in asdict(settings).items() if k.startswith("alert_")
                  or k in ("degradation_ratio", "monitor_window_days")}
    return {
        "latest_run": _latest_run(DriftScore),
        "thresholds": thresholds,
        "chain": _records(summarise(scores, ["date"])),
        "accuracy": _records(summarise(scores, ["date", "store_id", CATEGORY])),
        "window": _records(latest_window(days=settings.monitor_window_days)),
        "drift": latest_drift(),
        "alerts": latest_alerts(),
    }


def model_version_compare(*, a: str, b: str) -> list[dict[str, Any]]:
    """Two registered versions' metadata side by side (``ops.tracking.compare_metadata``)."""
    from shelfcast.errors import ModelNotFoundError
    from shelfcast.ops.tracking import compare_metadata
    from shelfcast.server.forecasts.models import ModelVersion

    found = dict(ModelVersion.objects.filter(version__in=(a, b)).values_list("version", "metadata"))
    missing = [v for v in (a, b) if v not in found]
    if missing:
        raise ModelNotFoundError(f"no registered model version {missing[0]!r}",
                                 details={"missing": missing})
    return compare_metadata(found[a] or {}, found[b] or {})
