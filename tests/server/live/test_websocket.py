"""``/ws/live/``: token and role checks, subscriptions, bad messages, and the events an ingest
pushes through the live worker thread, on the in-memory channel layer and on a real Redis."""

from __future__ import annotations

import asyncio
import contextlib
import copy
from collections.abc import Iterator
from datetime import date, timedelta
from typing import Any

import pytest
from channels.db import database_sync_to_async
from channels.layers import channel_layers
from channels.testing import WebsocketCommunicator
from django.db import connections
from django.utils import timezone

from shelfcast.server.asgi import application
from shelfcast.server.settings import base as base_settings
from shelfcast.server.forecasts.models import PublishedForecast
from shelfcast.server.inventory.models import InventorySnapshot
from shelfcast.server.live.dispatch import events_send, worker_stop
from shelfcast.server.live.close import day_close_forget
from shelfcast.server.live.inputs import live_inputs_forget
from shelfcast.server.live.profiles import profile_forget
from shelfcast.server.sales.services import transactions_ingest

ORIGIN = [(b"origin", b"http://127.0.0.1")]
TODAY = date(2024, 3, 5)
WAIT = 30.0  # seconds to wait for an answer on a loaded machine (a limit, not a measurement)


@pytest.fixture(params=["memory", "redis"])
def layer(request: pytest.FixtureRequest, settings: Any) -> Iterator[str]:
    if request.param == "redis":
        settings.CHANNEL_LAYERS = {"default": {
            "BACKEND": "channels_redis.core.RedisChannelLayer",
            "CONFIG": {"hosts": [request.getfixturevalue("redis_url")]}}}
    channel_layers.backends.clear()  # built again from the settings above
    yield request.param
    channel_layers.backends.clear()


def _forget_connection() -> None:
    connections["default"].close()
    del connections["default"]


@pytest.fixture
def setup(transactional_db: None, catalog: None, token_for: Any) -> Iterator[dict[str, str]]:
    profile_forget()
    live_inputs_forget()
    day_close_forget()
    # Threads that outlive a test keep their database connection: asgiref's one thread for
    # database_sync_to_async and the live worker. The suite switches databases (SQLite,
    # PostgreSQL), so each test starts them on the database of the moment.
    asyncio.run(database_sync_to_async(_forget_connection)())
    yield {"viewer": token_for("viewer"), "till": token_for("till")}
    worker_stop()


def _connect(token: str) -> WebsocketCommunicator:
    return WebsocketCommunicator(application, f"/ws/live/?token={token}", headers=ORIGIN)


async def _until(comm: WebsocketCommunicator, kind: str, timeout: float = WAIT) -> dict:
    """The next event of ``kind`` (other events skipped)."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        event = await comm.receive_json_from(timeout=max(deadline - asyncio.get_running_loop()
                                                         .time(), 0.01))
        if event["type"] == kind:
            return event


def test_a_missing_or_unknown_token_is_told_and_closed(setup: dict[str, str]) -> None:
    async def scenario() -> None:
        for token in ("", "not-a-key"):
            comm = _connect(token)
            connected, _ = await comm.connect(timeout=WAIT)
            assert connected
            error = await comm.receive_json_from(timeout=WAIT)
            assert error["type"] == "error" and error["error"] == "not_authenticated"
            assert (await comm.receive_output(timeout=WAIT))["code"] == 4401
            await comm.disconnect(timeout=WAIT)

    asyncio.run(scenario())


def test_a_till_token_may_not_listen(setup: dict[str, str]) -> None:
    async def scenario() -> None:
        comm = _connect(setup["till"])
        await comm.connect(timeout=WAIT)
        error = await comm.receive_json_from(timeout=WAIT)
        assert error["error"] == "permission_denied" and error["details"] == {"role": "till"}
        assert (await comm.receive_output(timeout=WAIT))["code"] == 4403
        await comm.disconnect(timeout=WAIT)

    asyncio.run(scenario())


def test_bad_messages_are_answered_and_the_connection_stays(setup: dict[str, str]) -> None:
    async def scenario() -> None:
        comm = _connect(setup["viewer"])
        await comm.connect(timeout=WAIT)
        for bad in ("{not json", '["all"]', '{"subscribe": "all"}', '{"subscribe": ["shop:1"]}',
                    '{"hello": 1}', '{"subscribe": []}'):
            await comm.send_to(text_data=bad)
            error = await comm.receive_json_from(timeout=WAIT)
            assert error["type"] == "error" and error["error"] == "bad_message", bad
            assert set(error) == {"type", "error", "message", "details"}
        await comm.send_json_to({"subscribe": ["store:S1", "all"]})
        assert await comm.receive_json_from(timeout=WAIT) == {"type": "subscribed",
                                                  "groups": ["live.all", "live.store.S1"]}
        await comm.send_json_to({"unsubscribe": ["all"]})
        assert (await comm.receive_json_from(timeout=WAIT))["groups"] == ["live.store.S1"]
        await comm.disconnect(timeout=WAIT)

    asyncio.run(scenario())


def _lines(prefix: str, store: str, item: str, quantity: float, n: int) -> list[dict]:
    return [{"transaction_id": f"{prefix}{k}", "timestamp": f"2024-03-05T0{6 + k % 3}:00:00Z",
             "store_id": store, "item_id": item, "quantity": quantity} for k in range(n)]


def test_an_ingest_reaches_subscribers_of_its_store_only(layer: str, setup: dict[str, str]) -> None:
    PublishedForecast.objects.create(store_id="S2", item_id="I3", date=TODAY, forecast=20.0,
                                     quantiles={"q95": 26.0}, published_at=timezone.now())
    PublishedForecast.objects.create(store_id="S2", item_id="I3", date=TODAY + timedelta(days=1),
                                     forecast=10.0, quantiles={"q95": 14.0},
                                     published_at=timezone.now())
    InventorySnapshot.objects.create(store_id="S2", item_id="I3", as_of=TODAY - timedelta(days=1),
                                     on_hand=12.0, lead_time_days=2)
    ingest = database_sync_to_async(transactions_ingest)

    async def scenario() -> None:
        s2, s1 = _connect(setup["viewer"]), _connect(setup["viewer"])
        for comm, store in ((s2, "S2"), (s1, "S1")):
            await comm.connect(timeout=WAIT)
            await comm.send_json_to({"subscribe": [f"store:{store}"]})
            await comm.receive_json_from(timeout=WAIT)
        await ingest(lines=_lines("w", "S2", "I3", 2, 3))
        sold = await _until(s2, "sales.ingested")
        assert (sold["store_id"], sold["date"], sold["lines"], sold["units"]) == (
            "S2", "2024-03-05", 3, 6.0)
        updated = await _until(s2, "forecast.updated")
        assert (updated["item_id"], updated["units"], updated["forecast_tomorrow"]) == (
            "I3", 6.0, 10.0)
        assert updated["nowcast_today"] > 6.0
        alert = await _until(s2, "alert.raised")
        assert (alert["kind"], alert["on_hand"], alert["state"]) == ("projected_stockout", 6.0,
                                                                     "new")
        assert await s1.receive_nothing(timeout=0.5)  # S1's subscriber hears nothing of S2
        for comm in (s1, s2):
            # Closing tears down the layer's pending receive; on a loaded machine Redis may
            # time that read out. What was asserted above stands either way.
            with contextlib.suppress(Exception):
                await comm.disconnect(timeout=WAIT)

    asyncio.run(scenario())


def test_a_round_of_more_events_than_a_default_channel_holds_arrives_whole(
        setup: dict[str, str], settings: Any) -> None:
    # The server's own layer settings (the test settings keep Channels' default of 100).
    settings.CHANNEL_LAYERS = copy.deepcopy(base_settings.CHANNEL_LAYERS)
    channel_layers.backends.clear()
    events = [{"type": "forecast.updated", "store_id": "S1", "item_id": f"I{k}", "date":
               "2024-03-05", "units": 1.0, "nowcast_today": 2.0, "forecast_tomorrow": None,
               "quantiles": None} for k in range(300)]

    async def scenario() -> None:
        comm = _connect(setup["viewer"])
        await comm.connect(timeout=WAIT)
        await comm.send_json_to({"subscribe": ["all"]})
        await comm.receive_json_from(timeout=WAIT)
        await asyncio.to_thread(events_send, events)  # as the worker thread sends them
        got = [await comm.receive_json_from(timeout=WAIT) for _ in events]
        assert [e["item_id"] for e in got] == [e["item_id"] for e in events]
        await comm.disconnect(timeout=WAIT)

    asyncio.run(scenario())
    channel_layers.backends.clear()  # back to the layer of the test settings


def test_batches_queued_during_the_round_interval_make_one_round(
        setup: dict[str, str], settings: Any) -> None:
    # A wide interval, so that the two batches sent back to back surely fall within it.
    settings.SHELFCAST_LIVE_ROUND_INTERVAL_S = 8.0
    ingest = database_sync_to_async(transactions_ingest)

    async def scenario() -> None:
        comm = _connect(setup["viewer"])
        await comm.connect(timeout=WAIT)
        await comm.send_json_to({"subscribe": ["store:S1"]})
        await comm.receive_json_from(timeout=WAIT)
        await ingest(lines=_lines("a", "S1", "I1", 2, 1))  # after a quiet spell: at once
        first = await _until(comm, "forecast.updated")
        assert first["units"] == 2.0
        await ingest(lines=_lines("b", "S1", "I1", 2, 1))
        await ingest(lines=_lines("c", "S1", "I1", 2, 1))
        second = await _until(comm, "forecast.updated")
        assert second["units"] == 6.0  # both batches in one round: no event at 4 units
        await comm.disconnect(timeout=WAIT)

    asyncio.run(scenario())
