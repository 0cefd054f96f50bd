"""Monitoring records (services), GET /api/monitoring/ and the gauges at /metrics."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import polars as pl
import pytest

from shelfcast.ops.accuracy import SCORE_COLUMNS
from shelfcast.ops.alerts import ALERT_COLUMNS
from shelfcast.ops.drift import DRIFT_COLUMNS

RUN = date(2024, 3, 5)


def _scores(actual: float) -> pl.DataFrame:
    return pl.DataFrame({
        "date": [date(2024, 3, 3), date(2024, 3, 4), date(2024, 3, 4)],
        "store_id": ["S1", "S1", "S2"], "category": ["fresh", "fresh", "dry"],
        "rows": [10, 10, 10], "actual": [actual, actual, 50.0], "forecast": [100.0, 100.0, 50.0],
        "abs_error": [abs(100 - actual)] * 2 + [10.0], "covered_q90": [9, 9, 10],
    }, schema=SCORE_COLUMNS)


DRIFT = pl.DataFrame({"feature": ["sales", "price"], "psi": [0.02, 0.61],
                      "reference_rows": [500, 500], "recent_rows": [200, 200],
                      "reference_mean": [4.0, 2.0], "recent_mean": [4.1, 3.2]}, schema=DRIFT_COLUMNS)
ALERTS = pl.DataFrame({"kind": ["feature_drift"], "subject": ["price"], "value": [0.61],
                       "threshold": [0.25], "message": ["price: PSI 0.61"]}, schema=ALERT_COLUMNS)


@pytest.fixture
def recorded(db: None) -> None:
    from shelfcast.server.monitoring.services import monitoring_record

    monitoring_record(run_date=RUN, scores=_scores(80.0), drift=DRIFT, alerts=ALERTS,
                      model_version="20240305T000000Z-abcdef")


def test_recording_again_replaces_rather_than_adds(recorded: None) -> None:
    from shelfcast.server.monitoring.models import AccuracyScore, DriftScore, MonitoringAlert
    from shelfcast.server.monitoring.services import monitoring_record

    counts = monitoring_record(run_date=RUN, scores=_scores(90.0), drift=DRIFT, alerts=ALERTS,
                               model_version="20240305T000000Z-abcdef")
    assert counts == {"scores": 3, "drift": 2, "alerts": 1}
    assert AccuracyScore.objects.count() == 3 and DriftScore.objects.count() == 2
    assert MonitoringAlert.objects.count() == 1
    assert AccuracyScore.objects.get(date=date(2024, 3, 4), store_id="S1").actual == 90.0


def test_the_api_gives_accuracy_over_time_drift_and_alerts(recorded: None, client_for) -> None:  # type: ignore[no-untyped-def]
    response = client_for("viewer").get("/api/monitoring/")
    assert response.status_code == 200
    body = response.json()
    assert body["latest_run"] == "2024-03-05"
    assert [row["date"] for row in body["chain"]] == ["2024-03-03", "2024-03-04"]
    day = body["chain"][1]  # S1 fresh 80 sold for 100 forecast, S2 dry 50 for 50 +- 10
    assert day["wape"] == pytest.approx(30 / 130) and day["bias"] == pytest.approx(20 / 130)
    assert day["coverage_q90"] == pytest.approx(19 / 20)
    window = {(r["store_id"], r["category"]): r for r in body["window"]}
    assert window[("S1", "fresh")]["wape"] == pytest.approx(40 / 160)
    assert {r["feature"]: r["psi"] for r in body["drift"]} == {"price": 0.61, "sales": 0.02}
    assert body["alerts"][0]["kind"] == "feature_drift"
    assert body["thresholds"]["alert_psi"] == 0.25


def test_the_api_filters_and_says_what_is_wrong(recorded: None, client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for("viewer")
    only = client.get("/api/monitoring/", {"store_id": "S2"}).json()
    assert {r["store_id"] for r in only["accuracy"]} == {"S2"}
    bad = client.get("/api/monitoring/", {"date_from": "March"})
    assert bad.status_code == 400 and "date_from" in bad.json()["details"]


def test_the_api_is_for_readers_only(recorded: None, client_for, api_client) -> None:  # type: ignore[no-untyped-def]
    till = client_for("till").get("/api/monitoring/")
    assert till.status_code == 403 and set(till.json()) == {"error", "message", "details"}
    assert api_client.get("/api/monitoring/").status_code == 401


def test_an_empty_database_answers_with_empty_lists(db: None, client_for) -> None:  # type: ignore[no-untyped-def]
    body = client_for("viewer").get("/api/monitoring/").json()
    assert body["latest_run"] is None and body["chain"] == [] and body["alerts"] == []


def test_metrics_export_the_monitoring_gauges(recorded: None) -> None:
    from django.test import Client

    text = Client().get("/metrics", REMOTE_ADDR="127.0.0.1").content.decode()
    assert 'shelfcast_forecast_wape{category="fresh",store_id="S1"} 0.25' in text
    assert 'shelfcast_forecast_coverage_q90{category="dry",store_id="S2"} 1.0' in text
    assert 'shelfcast_feature_psi{feature="price"} 0.61' in text
    assert 'shelfcast_monitoring_alerts{kind="feature_drift"} 1.0' in text


def _register(folder: Path, version: str, wape: float, depth: int) -> None:
    from shelfcast.server.forecasts.services import model_version_register

    (folder / version).mkdir(parents=True)
    (folder / version / "metadata.json").write_text(json.dumps({
        "version": version, "data": {"first_date": "2023-01-01", "last_date": "2024-01-01"},
        "features": ["h", "lag_1"], "parameters": {"max_depth": depth},
        "backtest": {"wape": wape}}))
    model_version_register(path=folder / version)


def test_models_compare_answers_b_minus_a(db: None, client_for, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    a, b = "20240101T000000Z-aaaaaa", "20240108T000000Z-bbbbbb"
    _register(tmp_path, a, 0.6, 6)
    _register(tmp_path, b, 0.5, 8)
    client = client_for("viewer")
    body = client.get("/api/models/compare/", {"a": a, "b": b}).json()
    rows = {r["field"]: r for r in body["rows"]}
    assert rows["backtest.wape"]["change"] == pytest.approx(-0.1)
    assert rows["parameters.max_depth"] == {"field": "parameters.max_depth", "a": 6, "b": 8,
                                            "change": 2}
    missing = client.get("/api/models/compare/", {"a": a, "b": "20990101T000000Z-000000"})
    assert missing.status_code == 404 and missing.json()["error"] == "model_not_found"
    assert client.get("/api/models/compare/", {"a": a}).status_code == 400
