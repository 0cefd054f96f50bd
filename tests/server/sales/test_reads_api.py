"""The reads: ``/api/sales/`` (daily, by week/month, by store/category/item), ``/api/sales/top/``,
``/api/inventory/``, ``/api/live/``: filters, pagination, downloads, roles."""

from __future__ import annotations

import io
from datetime import date, timedelta

import polars as pl
import pytest
from django.utils import timezone

from shelfcast.data.dataset import Dataset
from shelfcast.server.forecasts.models import PublishedForecast
from shelfcast.server.jobs.services import dataset_load

START = date(2024, 1, 1)  # a Monday
DAYS = 14


def _sales() -> pl.DataFrame:
    rows = []
    for s, store in enumerate(["S1", "S2"]):
        for i, item in enumerate(["I1", "I2"]):
            for d in range(DAYS):
                rows.append({"date": START + timedelta(days=d), "store_id": store, "item_id": item,
                             "sales": float(1 + d + 10 * i + 100 * s), "price": 2.0 + i})
    return pl.DataFrame(rows)


@pytest.fixture
def loaded(db) -> Dataset:  # type: ignore[no-untyped-def]
    dataset = Dataset(
        sales=_sales(),
        items=pl.DataFrame({"item_id": ["I1", "I2"], "category": ["dairy", "bakery"]}),
        inventory=pl.DataFrame({"store_id": ["S1", "S2"], "item_id": ["I1", "I1"],
                                "as_of": [START + timedelta(days=DAYS - 1)] * 2,
                                "on_hand": [5.0, 7.0], "pack_size": [6, 6]}),
    )
    dataset_load(dataset=dataset)
    return dataset


@pytest.fixture
def viewer(client_for, loaded):  # type: ignore[no-untyped-def]
    return client_for("viewer")


def test_daily_sales_are_paginated_with_the_file_columns(viewer) -> None:  # type: ignore[no-untyped-def]
    body = viewer.get("/api/sales/", {"page_size": 10}).json()
    assert body["count"] == 2 * 2 * DAYS
    assert len(body["results"]) == 10 and body["previous"] is None and "page=2" in body["next"]
    assert body["results"][0] == {"date": "2024-01-01", "store_id": "S1", "item_id": "I1",
                                  "sales": 1.0, "price": 2.0, "promo": None, "open": None,
                                  "stockout": None}
    last = viewer.get("/api/sales/", {"page_size": 10, "page": 6}).json()
    assert len(last["results"]) == 6 and last["next"] is None


def test_filters_narrow_the_rows(viewer) -> None:  # type: ignore[no-untyped-def]
    body = viewer.get("/api/sales/", {"store_id": "S2", "category": "bakery",
                                      "date_from": "2024-01-03", "date_to": "2024-01-04"}).json()
    assert [(r["store_id"], r["item_id"], r["date"], r["sales"]) for r in body["results"]] == [
        ("S2", "I2", "2024-01-03", 113.0), ("S2", "I2", "2024-01-04", 114.0)]
    both = viewer.get("/api/sales/", {"item_id": "I1,I2", "store_id": "S1",
                                      "date_to": "2024-01-01"}).json()
    assert both["count"] == 2


def test_weekly_sums_per_store(viewer) -> None:  # type: ignore[no-untyped-def]
    body = viewer.get("/api/sales/", {"by": "week", "group": "store"}).json()
    week1_s1 = sum(1 + d for d in range(7)) + sum(11 + d for d in range(7))
    assert body["count"] == 4
    assert body["results"][0] == {"date": "2024-01-01", "store_id": "S1", "sales": week1_s1}
    assert [r["date"] for r in body["results"]] == ["2024-01-01", "2024-01-08"] * 2


def test_monthly_sums_per_category_and_daily_per_item(viewer) -> None:  # type: ignore[no-untyped-def]
    month = viewer.get("/api/sales/", {"by": "month", "group": "category"}).json()["results"]
    total = _sales().group_by("item_id").agg(pl.col("sales").sum())
    dairy = total.filter(pl.col("item_id") == "I1")["sales"].item()
    assert {"date": "2024-01-01", "category": "dairy", "sales": dairy} in month
    daily = viewer.get("/api/sales/", {"group": "item", "item_id": "I1",
                                       "date_to": "2024-01-01"}).json()["results"]
    assert daily == [{"date": "2024-01-01", "item_id": "I1", "sales": 1.0 + 101.0}]


@pytest.mark.parametrize("fmt", ["csv", "parquet", "xlsx"])
def test_the_whole_selection_downloads_as_a_file(viewer, fmt) -> None:  # type: ignore[no-untyped-def]
    response = viewer.get("/api/sales/", {"format": fmt, "store_id": "S1", "page_size": 3})
    assert response.status_code == 200
    assert f'sales.{fmt}"' in response["Content-Disposition"]
    content = io.BytesIO(response.content)
    frame = {"csv": pl.read_csv, "parquet": pl.read_parquet, "xlsx": pl.read_excel}[fmt](content)
    assert frame.height == 2 * DAYS  # all rows, not a page
    assert frame.columns == ["date", "store_id", "item_id", "sales", "price", "promo", "open",
                             "stockout"]


def test_bad_query_parameters_are_400s_in_json(viewer) -> None:  # type: ignore[no-untyped-def]
    bad_by = viewer.get("/api/sales/", {"by": "year"}).json()
    assert bad_by["error"] == "invalid_input" and "by" in bad_by["details"]
    reversed_dates = viewer.get("/api/sales/", {"date_from": "2024-02-01", "date_to": "2024-01-01"})
    assert reversed_dates.json()["count"] == 0
    as_file = viewer.get("/api/sales/", {"format": "csv", "by": "year"})
    assert as_file.status_code == 400 and as_file["Content-Type"] == "application/json"
    assert as_file.json()["details"]["by"]
    assert viewer.get("/api/sales/", {"date_from": "soon"}).json()["details"]["date_from"]
    assert viewer.get("/api/sales/", {"store_id": "S\x00"}).json()["details"]["store_id"]
    assert viewer.get("/api/sales/", {"store_id": " "}).json()["count"] == 2 * 2 * DAYS
    assert viewer.get("/api/sales/", {"page": 99}).status_code == 404
    assert viewer.get("/api/sales/", {"format": "pdf"}).status_code == 404


def test_page_size_is_capped_at_10000(viewer) -> None:  # type: ignore[no-untyped-def]
    body = viewer.get("/api/sales/", {"page_size": 50_000}).json()
    assert len(body["results"]) == 2 * 2 * DAYS and body["next"] is None


def test_a_till_token_may_not_read(client_for, loaded) -> None:  # type: ignore[no-untyped-def]
    assert client_for("till").get("/api/sales/").json()["error"] == "permission_denied"


def test_top_sellers(viewer) -> None:  # type: ignore[no-untyped-def]
    items = viewer.get("/api/sales/top/").json()["results"]
    assert [r["item_id"] for r in items] == ["I2", "I1"]
    stores = viewer.get("/api/sales/top/", {"group": "store", "page_size": 1}).json()
    assert stores["count"] == 2 and stores["results"][0]["store_id"] == "S2"


def test_inventory(viewer) -> None:  # type: ignore[no-untyped-def]
    body = viewer.get("/api/inventory/", {"store_id": "S2"}).json()
    assert body["count"] == 1
    row = body["results"][0]
    assert (row["store_id"], row["item_id"], row["as_of"], row["on_hand"], row["pack_size"]) == (
        "S2", "I1", "2024-01-14", 7.0, 6)


def test_live_totals_of_the_latest_business_day(client_for, loaded) -> None:  # type: ignore[no-untyped-def]
    viewer = client_for("viewer")
    empty = viewer.get("/api/live/").json()
    assert empty["date"] == "2024-01-15" and empty["stores"] == [] and empty["results"] == []
    lines = [{"transaction_id": f"t{k}", "timestamp": ts, "store_id": s, "item_id": i,
              "quantity": q}
             for k, (ts, s, i, q) in enumerate([
                 ("2024-01-15T09:00:00Z", "S1", "I1", 2), ("2024-01-15T10:00:00Z", "S1", "I1", -1),
                 ("2024-01-15T11:00:00Z", "S1", "I2", 4), ("2024-01-16T08:00:00Z", "S2", "I1", 3),
             ])]
    client_for("till").post("/api/transactions/", {"transactions": lines}, format="json")
    PublishedForecast.objects.create(store_id="S1", item_id="I1", date=date(2024, 1, 16),
                                     forecast=3.5, quantiles={"q50": 3.0, "q90": 6.0},
                                     published_at=timezone.now())
    today = viewer.get("/api/live/").json()
    assert today["date"] == "2024-01-16"
    assert today["stores"] == [{"store_id": "S2", "lines": 1, "units": 3.0}]
    asked = viewer.get("/api/live/", {"date": "2024-01-15"}).json()
    assert asked["stores"] == [{"store_id": "S1", "lines": 3, "units": 5.0}]
    assert asked["count"] == 2
    # No history to learn a profile from: an even day; 11:00 is the day's clock; no morning
    # forecast: the run rate (shelfcast.live.nowcast).
    assert asked["results"][0] == {"store_id": "S1", "item_id": "I1", "units": 1.0, "lines": 2,
                                   "nowcast_today": pytest.approx(1.0 / (11 / 24)),
                                   "forecast_tomorrow": 3.5,
                                   "quantiles": {"q50": 3.0, "q90": 6.0}}
    assert asked["results"][1]["forecast_tomorrow"] is None
