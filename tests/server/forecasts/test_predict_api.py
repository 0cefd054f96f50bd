"""``POST /api/predict/`` (and ``/predict/``): the live model's answers, what-ifs,
contributions, the business clock, every kind of bad input, and the prediction log."""

from __future__ import annotations

import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from shelfcast.forecast import Forecaster
from shelfcast.server.forecasts.models import PredictionLog
from shelfcast.server.forecasts.prediction_log import (
    prediction_log_background, prediction_log_flush,
)
from shelfcast.server.forecasts.serving import live_model_invalidate

URL = "/api/predict/"
QUANTILES = ["q10", "q50", "q80", "q90", "q95", "q99"]


@pytest.fixture
def model(model_version_dir: Path) -> Forecaster:
    return Forecaster.load(model_version_dir)


@pytest.fixture
def analyst(client_for, live_model_version):  # type: ignore[no-untyped-def]
    prediction_log_background(False)  # rows wait for prediction_log_flush (one transaction)
    yield client_for("analyst")
    prediction_log_flush()
    prediction_log_background(True)


def post(client, body: Any, url: str = URL):  # type: ignore[no-untyped-def]
    return client.post(url, body, format="json")


def assert_error(response, status: int, code: str) -> dict[str, Any]:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.content
    body = response.json()
    assert set(body) == {"error", "message", "details"} and body["error"] == code, body
    return body


def test_predicts_tomorrow_by_default_as_the_forecaster_does(analyst, model, live_model_version) -> None:  # type: ignore[no-untyped-def]
    r = post(analyst, {"items": [{"store_id": "S01", "item_id": "I0001"},
                                 {"store_id": "S02", "item_id": "I0003"}]})
    assert r.status_code == 200, r.content
    body = r.json()
    assert body["model_version"] == live_model_version
    tomorrow = model.last_date_ + timedelta(days=2)  # empty database: today = last sales day + 1
    want = model.predict(pl.DataFrame({"date": [tomorrow] * 2, "store_id": ["S01", "S02"],
                                       "item_id": ["I0001", "I0003"]}))
    for p, w in zip(body["predictions"], want.iter_rows(named=True), strict=True):
        assert p["date"] == tomorrow.isoformat()
        assert p["forecast"] == pytest.approx(w["forecast"], rel=1e-5, abs=1e-6)
        assert list(p["quantiles"]) == QUANTILES
        assert [p["quantiles"][q] for q in QUANTILES] == pytest.approx([w[q] for q in QUANTILES], rel=1e-5, abs=1e-6)
        assert 1 <= len(p["contributions"]) <= 5
        sizes = [abs(c["value"]) for c in p["contributions"]]
        assert sizes == sorted(sizes, reverse=True)
        assert {c["feature"] for c in p["contributions"]} <= set(model.spec_.feature_names)


def test_the_seed_path_answers_the_same(analyst) -> None:  # type: ignore[no-untyped-def]
    body = {"items": [{"store_id": "S01", "item_id": "I0002"}]}
    assert post(analyst, body, "/predict/").json() == post(analyst, body).json()


def test_business_clock_follows_ingested_transactions(analyst, model, catalog) -> None:  # type: ignore[no-untyped-def]
    from shelfcast.server.catalog.services import items_upsert, stores_upsert
    from shelfcast.server.sales.services import transactions_ingest

    stores_upsert(ids={"S01"})
    items_upsert(ids={"I0001"})
    today = model.last_date_ + timedelta(days=3)
    transactions_ingest(lines=[{"transaction_id": "t1", "timestamp": f"{today}T10:00:00+00:00",
                                "store_id": "S01", "item_id": "I0001", "quantity": 2}])
    live_model_invalidate()
    r = post(analyst, {"items": [{"store_id": "S01", "item_id": "I0001"}]})
    assert r.json()["predictions"][0]["date"] == (today + timedelta(days=1)).isoformat()
    # A day before tomorrow is refused now.
    early = post(analyst, {"items": [{"store_id": "S01", "item_id": "I0001", "date": today.isoformat()}]})
    body = assert_error(early, 400, "invalid_input")
    assert body["details"]["items"][0]["field"] == "date"


def test_what_if_price_and_promo_change_the_forecast(analyst, model) -> None:  # type: ignore[no-untyped-def]
    day = (model.last_date_ + timedelta(days=5)).isoformat()
    price = model.state_.filter(pl.col("store_id") == "S01", pl.col("item_id") == "I0001")["price"][-1]
    base = {"store_id": "S01", "item_id": "I0001", "date": day}
    r = post(analyst, {"items": [base, {**base, "price": price * 0.6, "promo": 1}]})
    assert r.status_code == 200, r.content
    plain, cut = (p["forecast"] for p in r.json()["predictions"])
    assert cut != pytest.approx(plain)
    want = model.predict(pl.DataFrame({"date": [date.fromisoformat(day)], "store_id": ["S01"],
                                       "item_id": ["I0001"], "price": [price * 0.6], "promo": [1.0]}))
    assert cut == pytest.approx(want["forecast"][0], rel=1e-4)


def test_promote_then_predict_answers_with_the_new_version(analyst, client_for, model_dir, model) -> None:  # type: ignore[no-untyped-def]
    from shelfcast.forecast.artifact import save_model
    from shelfcast.server.forecasts.services import model_version_register

    folder = save_model(model, model_dir)
    try:
        newer = model_version_register(path=folder)
        assert not newer.is_live  # a version was live already
        admin = client_for("admin")
        assert admin.post(f"/api/models/{newer.version}/promote/").status_code == 200
        r = post(analyst, {"items": [{"store_id": "S01", "item_id": "I0001"}]})
        assert r.json()["model_version"] == newer.version
    finally:
        import shutil

        shutil.rmtree(folder)
        live_model_invalidate()


@pytest.mark.parametrize(("item", "field"), [
    ({"store_id": 5, "item_id": "I0001"}, "store_id"),
    ({"item_id": "I0001"}, "store_id"),
    ({"store_id": "S01", "item_id": ["I0001"]}, "item_id"),
    ({"store_id": "S01", "item_id": "I0001", "date": "tomorrow"}, "date"),
    ({"store_id": "S01", "item_id": "I0001", "date": 20240101}, "date"),
    ({"store_id": "S01", "item_id": "I0001", "price": -1}, "price"),
    ({"store_id": "S01", "item_id": "I0001", "price": "cheap"}, "price"),
    ({"store_id": "S01", "item_id": "I0001", "promo": True}, "promo"),
    ({"store_id": "S01", "item_id": "I0001", "prise": 2.0}, "prise"),
    ("S01/I0001", ""),
])
def test_wrong_types_name_the_index_and_field(analyst, item, field) -> None:  # type: ignore[no-untyped-def]
    r = post(analyst, {"items": [{"store_id": "S01", "item_id": "I0001"}, item]})
    body = assert_error(r, 400, "invalid_input")
    assert body["details"]["items"][0]["index"] == 1
    assert body["details"]["items"][0]["field"] == field
    assert body["message"].startswith("items[1]")
    assert PredictionLog.objects.count() == 0


def test_unknown_store_or_item_answers_404_naming_it(analyst) -> None:  # type: ignore[no-untyped-def]
    r = post(analyst, {"items": [{"store_id": "S01", "item_id": "I0001"},
                                 {"store_id": "S99", "item_id": "I0001"},
                                 {"store_id": "S01", "item_id": "NOPE"}]})
    body = assert_error(r, 404, "invalid_input")
    assert [(p["index"], p["field"]) for p in body["details"]["items"]] == [(1, "store_id"), (2, "item_id")]
    assert "S99" in body["message"]


def test_dates_out_of_range(analyst, model) -> None:  # type: ignore[no-untyped-def]
    last = model.last_date_
    for day in (last, last + timedelta(days=57), date(1999, 1, 1)):
        r = post(analyst, {"items": [{"store_id": "S01", "item_id": "I0001", "date": day.isoformat()}]})
        body = assert_error(r, 400, "invalid_input")
        assert body["details"]["items"][0]["field"] == "date", day
    ok = post(analyst, {"items": [{"store_id": "S01", "item_id": "I0001",
                                   "date": (last + timedelta(days=56)).isoformat()}]})
    assert ok.status_code == 200


def test_malformed_json_too_many_items_and_wrong_shapes(analyst) -> None:  # type: ignore[no-untyped-def]
    r = analyst.post(URL, data='{"items": [', content_type="application/json")
    assert_error(r, 400, "parse_error")
    for body in ({"item": []}, [{"store_id": "S01"}], {"items": {"store_id": "S01"}}):
        assert_error(post(analyst, body), 400, "invalid_input")
    many = {"items": [{"store_id": "S01", "item_id": "I0001"}] * 1001}
    body = assert_error(post(analyst, many), 400, "invalid_input")
    assert body["details"]["limit"] == 1000
    assert post(analyst, {"items": []}).json()["predictions"] == []


@pytest.mark.parametrize(("role", "status", "code"), [
    (None, 401, "not_authenticated"), ("wrong", 401, "authentication_failed"),
    ("viewer", 403, "permission_denied"), ("till", 403, "permission_denied")])
def test_tokens(client_for, api_client, live_model_version, role, status, code) -> None:  # type: ignore[no-untyped-def]
    client = api_client
    if role == "wrong":
        client.credentials(HTTP_AUTHORIZATION="Token not-a-key")
    elif role is not None:
        client = client_for(role)
    r = post(client, {"items": [{"store_id": "S01", "item_id": "I0001"}]})
    assert_error(r, status, code)


def test_no_live_model_answers_503(client_for) -> None:  # type: ignore[no-untyped-def]
    live_model_invalidate()
    r = post(client_for("admin"), {"items": [{"store_id": "S01", "item_id": "I0001"}]})
    assert_error(r, 503, "model_unavailable")


def test_predictions_are_logged(analyst, live_model_version) -> None:  # type: ignore[no-untyped-def]
    items = [{"store_id": "S01", "item_id": "I0001", "promo": 1}, {"store_id": "S02", "item_id": "I0004"}]
    answer = post(analyst, {"items": items}).json()
    assert PredictionLog.objects.count() == 0  # not on the request path
    assert prediction_log_flush() == 2
    rows = list(PredictionLog.objects.order_by("id"))
    assert [(r.store_id, r.item_id, r.model_version) for r in rows] == [
        ("S01", "I0001", live_model_version), ("S02", "I0004", live_model_version)]
    assert rows[0].inputs["promo"] == 1 and rows[0].token is not None
    assert rows[0].forecast == pytest.approx(answer["predictions"][0]["forecast"])


def test_the_background_writer_logs_without_being_asked(transactional_db, model_version_dir, token_for) -> None:  # type: ignore[no-untyped-def]
    from rest_framework.test import APIClient

    from shelfcast.server.forecasts.services import model_version_register

    live_model_invalidate()
    model_version_register(path=model_version_dir)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token_for('analyst')}")
    assert post(client, {"items": [{"store_id": "S01", "item_id": "I0002"}] * 3}).status_code == 200
    deadline = time.monotonic() + 10
    while PredictionLog.objects.count() < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert PredictionLog.objects.count() == 3
    live_model_invalidate()


def test_newer_daily_sales_in_the_database_roll_the_model_forward(analyst, model) -> None:  # type: ignore[no-untyped-def]
    from shelfcast.server.catalog.services import items_upsert, stores_upsert
    from shelfcast.server.sales.models import DailySales

    stores_upsert(ids={"S01", "S02"})
    items_upsert(ids={"I0001", "I0002", "I0003", "I0004"})
    newer = model.last_date_ + timedelta(days=1)
    DailySales.objects.create(store_id="S01", item_id="I0001", date=newer, sales=40.0, price=1.0,
                              promo=0.0, open=1.0, stockout=0.0)
    live_model_invalidate()
    r = post(analyst, {"items": [{"store_id": "S01", "item_id": "I0001"}]})
    assert r.status_code == 200, r.content
    got = r.json()["predictions"][0]
    tomorrow = newer + timedelta(days=2)  # no transactions: today is the day after the last sales day
    assert got["date"] == tomorrow.isoformat()
    rolled = model.update(pl.DataFrame({"date": [newer], "store_id": ["S01"], "item_id": ["I0001"],
                                        "sales": [40.0], "price": [1.0], "promo": [0.0],
                                        "open": [1.0], "stockout": [0.0]}))
    want = rolled.predict(pl.DataFrame({"date": [tomorrow], "store_id": ["S01"], "item_id": ["I0001"]}))
    assert got["forecast"] == pytest.approx(want["forecast"][0], rel=1e-5)
