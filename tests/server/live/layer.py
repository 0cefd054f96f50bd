"""Shared by the live tests: a fresh live state, the catalog of a test chain, and the events a
channel has received so far."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import polars as pl
from asgiref.sync import async_to_sync

from shelfcast.server.catalog.services import items_upsert, stores_upsert
from shelfcast.server.forecasts.serving import live_model_invalidate
from shelfcast.server.live.close import day_close_forget
from shelfcast.server.live.dispatch import worker_stop
from shelfcast.server.live.inputs import live_inputs_forget
from shelfcast.server.live.profiles import profile_forget
from shelfcast.server.sales.services import transactions_ingest


def live_caches_forget() -> None:
    """What the live worker keeps between rounds, dropped: each test starts cold. A round an
    earlier test left queued ends first (its thread cannot see this test's data, and would
    cache what it does not see)."""
    worker_stop()
    live_model_invalidate()
    profile_forget()
    live_inputs_forget()
    day_close_forget()


def chain_catalog(stores: list[str], items: list[str]) -> None:
    stores_upsert(ids=set(stores))
    items_upsert(ids=set(items), items=pl.DataFrame({"item_id": items, "category": ["dairy"] * len(items)}))


def ingest_service(capture_on_commit: Any, prefix: str) -> Callable[[list[tuple[str, str, str, float]]], None]:
    """(timestamp, store, item, quantity)s, each sent as a new line through the ingest service
    with its after-commit hooks run (the live refresh inline)."""
    counter = iter(range(10**6))

    def ingest(lines: list[tuple[str, str, str, float]]) -> None:
        body = [{"transaction_id": f"{prefix}{next(counter)}", "timestamp": t, "store_id": s,
                 "item_id": i, "quantity": q} for t, s, i, q in lines]
        with capture_on_commit(execute=True):
            result = transactions_ingest(lines=body)
        assert result.accepted == len(body), result.rejected

    return ingest


async def _receive_now(layer: Any, channel: str) -> dict[str, Any]:
    return await asyncio.wait_for(layer.receive(channel), timeout=0.05)


def received_events(layer: Any, channel: str) -> list[dict[str, Any]]:
    """Every event waiting on ``channel``, in order."""
    out: list[dict[str, Any]] = []
    while True:
        try:
            message = async_to_sync(_receive_now)(layer, channel)
        except TimeoutError:
            return out
        # The live worker's rounds travel as "live.batch" messages of many events.
        out.extend(message["events"] if message["type"] == "live.batch" else [message])
