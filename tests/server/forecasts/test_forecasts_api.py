"""``GET /api/forecasts/``: published forecasts as the forecast file (quantile columns)."""

from __future__ import annotations

import io
from datetime import date

import polars as pl
from django.utils import timezone

from shelfcast.server.forecasts.models import ModelVersion, PublishedForecast


def _publish() -> None:
    version = ModelVersion.objects.create(version="v1", path="/models/v1", is_live=True)
    for day, value in [(date(2024, 3, 1), 2.0), (date(2024, 3, 2), 3.0)]:
        for item in ("I1", "I2"):
            PublishedForecast.objects.create(
                store_id="S1", item_id=item, date=day, forecast=value, model_version=version,
                quantiles={"q10": value - 1, "q50": value, "q90": value + 2},
                published_at=timezone.now())


def test_forecasts_read_as_the_forecast_file(client_for, catalog) -> None:  # type: ignore[no-untyped-def]
    _publish()
    viewer = client_for("viewer")
    body = viewer.get("/api/forecasts/", {"item_id": "I2", "date_from": "2024-03-02"}).json()
    assert body["count"] == 1
    assert body["results"] == [{"date": "2024-03-02", "store_id": "S1", "item_id": "I2",
                                "forecast": 3.0, "model_version": "v1", "q10": 2.0, "q50": 3.0,
                                "q90": 5.0}]
    dairy = viewer.get("/api/forecasts/", {"category": "dairy"}).json()
    assert {r["item_id"] for r in dairy["results"]} == {"I1"}
    csv = pl.read_csv(io.BytesIO(viewer.get("/api/forecasts/", {"format": "csv"}).content))
    assert csv.columns == ["date", "store_id", "item_id", "forecast", "model_version", "q10",
                           "q50", "q90"]
    assert csv.height == 4


def test_no_forecast_yet_is_an_empty_page_or_file(client_for, catalog) -> None:  # type: ignore[no-untyped-def]
    viewer = client_for("viewer")
    assert viewer.get("/api/forecasts/").json() == {"count": 0, "next": None, "previous": None,
                                                    "results": []}
    empty = pl.read_parquet(io.BytesIO(viewer.get("/api/forecasts/", {"format": "parquet"}).content))
    assert empty.height == 0 and "forecast" in empty.columns
