"""``POST /api/transactions/``: idempotent ingest, per-line rejections, running totals."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.test import override_settings

from shelfcast.server.live.dispatch import worker_stop
from shelfcast.server.sales.events import ALL_GROUP, store_group
from shelfcast.server.sales.models import IntradayTotal, Transaction

URL = "/api/transactions/"


def line(tid: str, *, ts: str = "2024-03-01T10:00:00+00:00", store: str = "S1",
         item: str = "I1", qty: Any = 1, price: Any = 2.5) -> dict[str, Any]:
    body = {"transaction_id": tid, "timestamp": ts, "store_id": store, "item_id": item,
            "quantity": qty}
    if price is not ...:
        body["unit_price"] = price
    return body


def post(client, lines: list[Any]):  # type: ignore[no-untyped-def]
    return client.post(URL, {"transactions": lines}, format="json")


def totals() -> dict[tuple[str, str, date], tuple[float, int]]:
    return {(t.store_id, t.item_id, t.business_day): (t.units, t.lines)
            for t in IntradayTotal.objects.all()}


@pytest.fixture
def till(client_for, catalog):  # type: ignore[no-untyped-def]
    return client_for("till")


def test_a_batch_is_stored_with_running_totals_per_business_day(till) -> None:  # type: ignore[no-untyped-def]
    response = post(till, [
        line("t1", qty=3),
        line("t2", qty=2, item="I2"),
        line("t3", qty=-1),  # a return
        line("t4", qty=1, ts="2024-03-02T00:30:00+00:00"),
    ])
    assert response.status_code == 200, response.content
    assert response.json() == {"accepted": 4, "duplicate": 0, "rejected": []}
    assert Transaction.objects.count() == 4
    assert totals() == {
        ("S1", "I1", date(2024, 3, 1)): (2.0, 2),
        ("S1", "I2", date(2024, 3, 1)): (2.0, 1),
        ("S1", "I1", date(2024, 3, 2)): (1.0, 1),
    }


def test_a_retried_batch_counts_as_duplicates_and_changes_nothing(till) -> None:  # type: ignore[no-untyped-def]
    batch = [line("t1", qty=3), line("t2", qty=2, price=...)]
    assert post(till, batch).json()["accepted"] == 2
    before = totals()
    again = post(till, batch).json()
    assert again == {"accepted": 0, "duplicate": 2, "rejected": []}
    assert totals() == before
    assert Transaction.objects.count() == 2


def test_the_same_id_with_another_content_is_a_conflict_and_never_applied(till) -> None:  # type: ignore[no-untyped-def]
    post(till, [line("t1", qty=3)])
    response = post(till, [line("t1", qty=30), line("t2", qty=1)]).json()
    assert response["accepted"] == 1
    assert response["duplicate"] == 0
    assert [(r["index"], r["error"]) for r in response["rejected"]] == [(0, "conflict")]
    assert "t1" in response["rejected"][0]["message"]
    assert Transaction.objects.get(transaction_id="t1").quantity == 3
    assert totals()[("S1", "I1", date(2024, 3, 1))] == (4.0, 2)


def test_the_same_instant_in_another_offset_is_the_same_content(till) -> None:  # type: ignore[no-untyped-def]
    post(till, [line("t1", ts="2024-03-01T10:00:00Z")])
    response = post(till, [line("t1", ts="2024-03-01T11:00:00+01:00")]).json()
    assert response == {"accepted": 0, "duplicate": 1, "rejected": []}


def test_repeats_within_one_batch(till) -> None:  # type: ignore[no-untyped-def]
    response = post(till, [
        line("t1", qty=1),
        line("t1", qty=1),   # the same line twice: a duplicate
        line("t1", qty=5),   # the same id, another content: a conflict
    ]).json()
    assert response["accepted"] == 1
    assert response["duplicate"] == 1
    assert [(r["index"], r["error"]) for r in response["rejected"]] == [(2, "conflict")]
    assert totals()[("S1", "I1", date(2024, 3, 1))] == (1.0, 1)


def test_bad_lines_are_rejected_one_by_one_and_the_rest_accepted(till) -> None:  # type: ignore[no-untyped-def]
    lines = [
        line("ok1"),
        "not an object",
        {"timestamp": "2024-03-01T10:00:00Z", "store_id": "S1", "item_id": "I1", "quantity": 1},
        line("naive", ts="2024-03-01T10:00:00"),
        line("garbage-ts", ts="yesterday"),
        line("str-qty", qty="2"),
        line("bool-qty", qty=True),
        line("neg-price", price=-1),
        line("unknown-store", store="S9"),
        line("unknown-item", item="I9"),
        line("int-store", store=1),
        line("", qty=1),
        line("nul\x00id"),
        line("ok2", price=None),
    ]
    response = post(till, lines)
    assert response.status_code == 200
    body = response.json()
    assert body["accepted"] == 2
    assert body["duplicate"] == 0
    assert [(r["index"], r["error"]) for r in body["rejected"]] == [
        (1, "invalid_line"),
        (2, "missing_field"),
        (3, "invalid_timestamp"),
        (4, "invalid_timestamp"),
        (5, "invalid_type"),
        (6, "invalid_type"),
        (7, "invalid_value"),
        (8, "unknown_store"),
        (9, "unknown_item"),
        (10, "invalid_type"),
        (11, "invalid_value"),
        (12, "invalid_value"),
    ]
    assert all(r["message"] for r in body["rejected"])
    assert "time zone" in body["rejected"][2]["message"]
    assert set(Transaction.objects.values_list("transaction_id", flat=True)) == {"ok1", "ok2"}


@override_settings(TIME_ZONE="America/New_York")
def test_the_business_day_is_the_local_day_in_the_time_zone(till) -> None:  # type: ignore[no-untyped-def]
    # 02:00 UTC on 2 March is 21:00 on 1 March in New York.
    post(till, [line("t1", ts="2024-03-02T02:00:00Z", qty=4)])
    assert totals() == {("S1", "I1", date(2024, 3, 1)): (4.0, 1)}
    assert Transaction.objects.get().business_day == date(2024, 3, 1)


def test_an_empty_batch_is_fine(till) -> None:  # type: ignore[no-untyped-def]
    assert post(till, []).json() == {"accepted": 0, "duplicate": 0, "rejected": []}


@pytest.mark.parametrize("body", [
    {}, {"transactions": "x"}, {"transactions": {"a": 1}}, [1, 2], "text", None,
])
def test_a_body_without_a_list_of_transactions_is_a_400(till, body) -> None:  # type: ignore[no-untyped-def]
    response = till.post(URL, body, format="json")
    assert response.status_code == 400
    payload = response.json()
    assert payload["error"] == "invalid_input"
    assert payload["message"]
    assert isinstance(payload["details"], dict) and payload["details"]


@override_settings(SHELFCAST_MAX_TRANSACTIONS=3)
def test_too_many_lines_in_one_batch_is_a_400(till) -> None:  # type: ignore[no-untyped-def]
    response = post(till, [line(f"t{i}") for i in range(4)])
    assert response.status_code == 400
    assert "at most 3" in response.json()["details"]["transactions"][0]
    assert Transaction.objects.count() == 0


def test_events_go_to_the_live_groups_after_commit(till, django_capture_on_commit_callbacks) -> None:  # type: ignore[no-untyped-def]
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(store_group("S1"), channel)
    everyone = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)(ALL_GROUP, everyone)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        post(till, [line("t1", qty=2), line("t2", qty=3, item="I2")])
    assert len(callbacks) == 1
    event = async_to_sync(layer.receive)(channel)
    assert event == {"type": "sales.ingested", "store_id": "S1", "date": "2024-03-01",
                     "lines": 2, "units": 5.0}
    assert async_to_sync(layer.receive)(everyone) == event
    async_to_sync(layer.flush)()
    worker_stop()  # the round of these keys ends here, not inside a later test
