"""A round of the live worker over many keys: its states equal the ones ``/api/live/`` reads
(``selectors.live_states``), its alerts are written in bulk, raised once and updated after,
and its cached inputs follow a new snapshot or publish. Lines go in through the ingest service,
the refresh runs inline (``SHELFCAST_LIVE_INLINE``) and its events are caught on the layer."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone as tz

import pytest
from asgiref.sync import async_to_sync
from channels.layers import channel_layers, get_channel_layer
from django.utils import timezone

from shelfcast.server.forecasts.models import PublishedForecast
from shelfcast.server.inventory.models import InventorySnapshot
from shelfcast.server.live import inputs
from shelfcast.server.live.profiles import profile_forget
from shelfcast.server.live.selectors import live_states
from shelfcast.server.live.services import live_refresh
from shelfcast.server.orders.models import Alert, AlertKind

from tests.server.live.layer import chain_catalog, ingest_service, live_caches_forget, received_events

TODAY = date(2024, 3, 5)
STORES = [f"S{k}" for k in range(1, 4)]
ITEMS = [f"I{k:02d}" for k in range(1, 41)]  # 3 x 40 = 120 keys


@pytest.fixture
def chain(db, settings, django_capture_on_commit_callbacks):  # type: ignore[no-untyped-def]
    settings.SHELFCAST_LIVE_INLINE = True
    settings.SHELFCAST_LIVE_PRIOR_STRENGTH = 4.0
    # A round pushes an event per key: more than the 100 a channel holds by default.
    settings.CHANNEL_LAYERS = {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer",
                                           "CONFIG": {"capacity": 10_000}}}
    channel_layers.backends.clear()  # built again from the settings above
    live_caches_forget()
    chain_catalog(STORES, ITEMS)
    layer = get_channel_layer()
    channel = async_to_sync(layer.new_channel)()
    async_to_sync(layer.group_add)("live.all", channel)

    def events() -> list[dict]:
        return received_events(layer, channel)

    ingest = ingest_service(django_capture_on_commit_callbacks, "t")
    yield ingest, events
    async_to_sync(layer.flush)()
    channel_layers.backends.clear()



def _publish(day: date, forecast: float, q95: float) -> None:
    PublishedForecast.objects.bulk_create([
        PublishedForecast(store_id=s, item_id=i, date=day, forecast=forecast,
                          quantiles={"q50": forecast, "q95": q95}, published_at=timezone.now())
        for s in STORES for i in ITEMS])


def _snapshots(on_hand: float, as_of: date) -> None:
    InventorySnapshot.objects.bulk_create([
        InventorySnapshot(store_id=s, item_id=i, as_of=as_of, on_hand=on_hand, lead_time_days=3,
                          service_level=0.95) for s in STORES for i in ITEMS])


def test_a_round_over_many_keys_equals_what_api_live_reads(chain) -> None:  # type: ignore[no-untyped-def]
    ingest, events = chain
    _publish(TODAY, 24.0, 30.0)
    _publish(TODAY + timedelta(days=1), 20.0, 27.0)
    # Ten earlier Tuesdays teach S1 a profile; S2 and S3 fall back to the chain's.
    ingest([(f"{(TODAY - timedelta(weeks=w)).isoformat()}T{h:02d}:00:00Z", "S1", "I01", 2)
            for w in range(1, 11) for h in (8, 9, 15)])
    events()
    profile_forget()
    ingest([(f"{TODAY.isoformat()}T{8 + k % 9:02d}:{k % 60:02d}:00Z", s, i, 1 + k % 3)
            for k, (s, i) in enumerate((s, i) for s in STORES for i in ITEMS)])
    got = {(e["store_id"], e["item_id"]): e for e in events() if e["type"] == "forecast.updated"}
    assert len(got) == len(STORES) * len(ITEMS)
    read = live_states(keys=set(got), day=TODAY)
    for state in read:
        event = got[(state.store_id, state.item_id)]
        assert event["units"] == state.units
        assert event["nowcast_today"] == pytest.approx(state.nowcast_today)
        assert (event["forecast_tomorrow"], event["quantiles"]) == (20.0, {"q50": 20.0,
                                                                            "q95": 27.0})


def test_alerts_of_a_large_round_are_raised_once_then_updated_in_bulk(chain) -> None:  # type: ignore[no-untyped-def]
    ingest, events = chain
    _publish(TODAY, 20.0, 26.0)
    for ahead in (1, 2, 3):
        _publish(TODAY + timedelta(days=ahead), 10.0, 14.0)
    _snapshots(30.0, TODAY - timedelta(days=1))
    keys = [(s, i) for s in STORES for i in ITEMS]
    # 06:00, 5 of each sold: 25 left, about 15 more today, then 14 a day: short tomorrow.
    ingest([("2024-03-05T06:00:00Z", s, i, 5) for s, i in keys])
    raised = [e for e in events() if e["type"] == "alert.raised"]
    assert len(raised) == len(keys)
    assert {(e["state"], e["projected_stockout_date"], e["on_hand"]) for e in raised} == {
        ("new", "2024-03-06", 25.0)}
    ids = {(e["store_id"], e["item_id"]): e["id"] for e in raised}
    # The same projected day: quiet updates of the stock figure, no event.
    ingest([("2024-03-05T07:00:00Z", s, i, 1) for s, i in keys])
    assert [e for e in events() if e["type"] == "alert.raised"] == []
    stored = {(a.store_id, a.item_id): a for a in Alert.objects.filter(
        kind=AlertKind.PROJECTED_STOCKOUT, is_active=True)}
    assert len(stored) == len(keys)
    assert {a.on_hand for a in stored.values()} == {24.0}
    assert all("24 units on hand" in a.message for a in stored.values())
    # A rush at half of them moves their day to today: one "updated" each, same ids.
    rushed = keys[::2]
    ingest([("2024-03-05T09:00:00Z", s, i, 20) for s, i in rushed])
    moved = [e for e in events() if e["type"] == "alert.raised"]
    assert sorted((e["store_id"], e["item_id"]) for e in moved) == sorted(rushed)
    assert {(e["state"], e["projected_stockout_date"]) for e in moved} == {
        ("updated", "2024-03-05")}
    assert all(e["id"] == ids[(e["store_id"], e["item_id"])] for e in moved)
    assert Alert.objects.filter(kind=AlertKind.PROJECTED_STOCKOUT).count() == len(keys)
    assert Alert.objects.get(pk=moved[0]["id"]).projected_stockout_date == TODAY


def test_the_cached_inputs_follow_a_late_line_and_a_new_snapshot(chain, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    ingest, events = chain
    _publish(TODAY, 20.0, 26.0)
    _publish(TODAY + timedelta(days=1), 10.0, 14.0)
    _snapshots(500.0, TODAY - timedelta(days=2))
    ingest([("2024-03-05T06:00:00Z", "S1", "I01", 5)])
    assert [e for e in events() if e["type"] == "alert.raised"] == []
    # A late line for yesterday: what sold since the snapshot moves (read again for the key).
    ingest([("2024-03-04T18:00:00Z", "S1", "I01", 480)])
    late = events()
    assert [(e["type"], e["date"]) for e in late if e["type"] == "forecast.updated"] == [
        ("forecast.updated", "2024-03-04")]
    ingest([("2024-03-05T06:30:00Z", "S1", "I01", 1)])
    alerts = [e for e in events() if e["type"] == "alert.raised"]
    assert [(e["state"], e["on_hand"]) for e in alerts] == [("new", 500.0 - 480 - 6)]
    # A new count (a load adds a snapshot): the signature check sees it, the round reads it.
    monkeypatch.setattr(inputs, "CHECK_INTERVAL", 0.0)  # look at every round, not once a second
    InventorySnapshot.objects.create(store_id="S1", item_id="I01", as_of=TODAY - timedelta(days=1),
                                     on_hand=40.0, lead_time_days=3, service_level=0.95)
    ingest([("2024-03-05T07:00:00Z", "S1", "I01", 1)])
    events()
    alert = Alert.objects.get(store_id="S1", item_id="I01")
    assert alert.on_hand == 40.0 - 7


def test_a_round_with_no_inputs_at_all_still_answers(chain) -> None:  # type: ignore[no-untyped-def]
    ingest, events = chain
    ingest([("2024-03-05T12:00:00Z", "S2", "I07", 3)])
    [event] = [e for e in events() if e["type"] == "forecast.updated"]
    # No forecast, no snapshot: the run rate alone (half the day done: 6), nothing tomorrow.
    assert (event["units"], event["nowcast_today"], event["forecast_tomorrow"]) == (3.0, 6.0,
                                                                                   None)
    assert live_refresh(keys=[], clock=datetime(2024, 3, 5, 12, tzinfo=tz.utc)) == []
