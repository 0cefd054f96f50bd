"""The live state behind the events: nowcast, tomorrow, live on-hand, stockout alerts.

Lines go in through ``POST /api/transactions/``; the after-commit hook runs the live refresh
in the request (``SHELFCAST_LIVE_INLINE``) and the events it would push are caught on the
in-memory channel layer.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.utils import timezone

from shelfcast.live.nowcast import nowcast
from shelfcast.server.forecasts.models import PublishedForecast
from shelfcast.server.inventory.models import InventorySnapshot
from shelfcast.server.live.profiles import profile_forget
from shelfcast.server.live.selectors import live_on_hand
from shelfcast.server.orders.models import Alert, AlertKind

from tests.server.live.layer import live_caches_forget, received_events

TODAY = date(2024, 3, 5)


@pytest.fixture
def live(catalog, client_for, settings, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    settings.SHELFCAST_LIVE_INLINE = True
    settings.SHELFCAST_LIVE_PRIOR_STRENGTH = 4.0
    live_caches_forget()
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)("live.all", channel)
    till = client_for("till")

    def post(lines: list[tuple[str, str, str, str, float]]) -> dict:
        body = {"transactions": [{"transaction_id": t, "timestamp": ts, "store_id": s,
                                  "item_id": i, "quantity": q} for t, ts, s, i, q in lines]}
        with django_capture_on_commit_callbacks(execute=True):
            response = till.post("/api/transactions/", body, format="json")
        assert response.status_code == 200, response.content
        return response.json()

    def events() -> list[dict]:
        return received_events(layer, channel)

    yield post, events
    async_to_sync(layer.flush)()



def _publish(store: str, item: str, day: date, forecast: float, q95: float) -> None:
    PublishedForecast.objects.create(store_id=store, item_id=item, date=day, forecast=forecast,
                                     quantiles={"q50": forecast, "q95": q95},
                                     published_at=timezone.now())


def test_an_ingest_pushes_the_nowcast_and_tomorrow_of_the_items_it_touched(live) -> None:  # type: ignore[no-untyped-def]
    post, events = live
    _publish("S1", "I1", TODAY, 24.0, 30.0)
    _publish("S1", "I1", TODAY + timedelta(days=1), 20.0, 27.0)
    post([("a1", "2024-03-05T06:00:00Z", "S1", "I1", 3), ("a2", "2024-03-05T12:00:00Z", "S1",
                                                            "I1", 5)])
    got = [e for e in events() if e["type"] == "forecast.updated"]
    assert len(got) == 1
    event = got[0]
    # No history: an even day; the clock is the latest line, 12:00.
    assert event == {"type": "forecast.updated", "store_id": "S1", "item_id": "I1",
                     "date": "2024-03-05", "units": 8.0,
                     "nowcast_today": pytest.approx(nowcast(8.0, 0.5, 24.0, prior_strength=4.0)),
                     "forecast_tomorrow": 20.0, "quantiles": {"q50": 20.0, "q95": 27.0}}
    # A duplicate resend touches nothing new: no event, the totals unchanged.
    post([("a1", "2024-03-05T06:00:00Z", "S1", "I1", 3)])
    assert [e for e in events() if e["type"] == "forecast.updated"] == []


def test_the_profile_is_learned_from_earlier_days(live) -> None:  # type: ignore[no-untyped-def]
    post, events = live
    # Eight earlier Tuesdays at S1: everything sells at 08:00, nothing after.
    history = [(f"h{k}", f"{(TODAY - timedelta(weeks=k + 1)).isoformat()}T08:00:00Z", "S1", "I2", 4)
               for k in range(8)]
    post(history)
    events()
    profile_forget()
    post([("t1", "2024-03-05T10:00:00Z", "S1", "I2", 6)])
    event = next(e for e in events() if e["type"] == "forecast.updated")
    # By 10:00 the whole day is usually done: the nowcast is what sold.
    assert event["nowcast_today"] == pytest.approx(6.0)


def test_live_on_hand_is_the_snapshot_minus_what_sold_after_it(live) -> None:  # type: ignore[no-untyped-def]
    post, _ = live
    InventorySnapshot.objects.create(store_id="S1", item_id="I1", as_of=TODAY - timedelta(days=2),
                                     on_hand=50.0)
    post([("o1", "2024-03-03T10:00:00Z", "S1", "I1", 7),      # the snapshot's own day: in its count
          ("o2", "2024-03-04T10:00:00Z", "S1", "I1", 10),
          ("o3", "2024-03-05T10:00:00Z", "S1", "I1", 4),
          ("o4", "2024-03-05T11:00:00Z", "S1", "I1", -1)])     # a return comes back on the shelf
    stock = live_on_hand(keys={("S1", "I1")}, day=TODAY)
    assert stock[("S1", "I1")].units == 50.0 - 10 - 4 + 1
    # A newer snapshot replaces it.
    InventorySnapshot.objects.create(store_id="S1", item_id="I1", as_of=TODAY - timedelta(days=1),
                                     on_hand=20.0)
    assert live_on_hand(keys={("S1", "I1")}, day=TODAY)[("S1", "I1")].units == 20.0 - 4 + 1


def test_a_projected_stockout_raises_one_alert_then_updates_it(live) -> None:  # type: ignore[no-untyped-def]
    post, events = live
    InventorySnapshot.objects.create(store_id="S2", item_id="I3", as_of=TODAY - timedelta(days=1),
                                     on_hand=30.0, lead_time_days=2, service_level=0.95)
    _publish("S2", "I3", TODAY, 20.0, 26.0)
    _publish("S2", "I3", TODAY + timedelta(days=1), 10.0, 14.0)
    # 06:00, 5 sold: 25 left, about 15 more today, then tomorrow's q95 (14): short tomorrow.
    post([("s1", "2024-03-05T06:00:00Z", "S2", "I3", 5)])
    alerts = [e for e in events() if e["type"] == "alert.raised"]
    assert len(alerts) == 1
    first = alerts[0]
    assert (first["state"], first["kind"], first["projected_stockout_date"], first["on_hand"]) == (
        "new", "projected_stockout", "2024-03-06", 25.0)
    assert "run out on 2024-03-06" in first["message"]
    # More batches with the same projected day: the alert is updated, not raised again.
    post([("s2", "2024-03-05T07:00:00Z", "S2", "I3", 1)])
    post([("s3", "2024-03-05T08:00:00Z", "S2", "I3", 1)])
    assert [e for e in events() if e["type"] == "alert.raised"] == []
    stored = Alert.objects.get(store_id="S2", item_id="I3", kind=AlertKind.PROJECTED_STOCKOUT)
    assert stored.on_hand == 23.0 and stored.is_active
    # A rush empties the shelf today: the projected day moves, one "updated" event.
    post([("s4", "2024-03-05T09:00:00Z", "S2", "I3", 20)])
    moved = [e for e in events() if e["type"] == "alert.raised"]
    assert [(e["state"], e["projected_stockout_date"], e["id"]) for e in moved] == [
        ("updated", "2024-03-05", first["id"])]
    assert Alert.objects.filter(kind=AlertKind.PROJECTED_STOCKOUT).count() == 1


def test_stock_that_lasts_raises_nothing(live) -> None:  # type: ignore[no-untyped-def]
    post, events = live
    InventorySnapshot.objects.create(store_id="S1", item_id="I2", as_of=TODAY - timedelta(days=1),
                                     on_hand=500.0, lead_time_days=2)
    _publish("S1", "I2", TODAY, 20.0, 26.0)
    _publish("S1", "I2", TODAY + timedelta(days=1), 10.0, 14.0)
    post([("n1", "2024-03-05T06:00:00Z", "S1", "I2", 5)])
    assert [e for e in events() if e["type"] == "alert.raised"] == []
    assert not Alert.objects.exists()


def test_api_live_fills_nowcast_and_tomorrow(live, client_for) -> None:  # type: ignore[no-untyped-def]
    post, _ = live
    _publish("S1", "I1", TODAY, 24.0, 30.0)
    _publish("S1", "I1", TODAY + timedelta(days=1), 20.0, 27.0)
    post([("v1", "2024-03-05T18:00:00Z", "S1", "I1", 30)])
    body = client_for("viewer").get("/api/live/").json()
    assert body["date"] == "2024-03-05"
    row = body["results"][0]
    # The clock is event time (18:00 of the replayed day), not the wall clock.
    assert row["nowcast_today"] == pytest.approx(nowcast(30.0, 0.75, 24.0, prior_strength=4.0))
    assert (row["forecast_tomorrow"], row["quantiles"]) == (20.0, {"q50": 20.0, "q95": 27.0})
