"""Off the request path: a worker thread per server process turns touched keys into events.

The ingest's after-commit hook calls ``live_touched`` (it only puts the keys on a queue, so a
POST never waits for a forecast). One daemon thread takes everything queued since its last
round (keys touched by many batches coalesce into one computation), runs
``services.live_refresh`` and sends the events to the Channels groups. Rounds start at least
``ROUND_INTERVAL_S`` apart (the setting ``SHELFCAST_LIVE_ROUND_INTERVAL_S``): a stream of
batches is answered by a few rounds a second, each key once, instead of one round per batch
recomputing the same keys.

Where events are sent from: the in-memory channel layer lives on the server's event loop, so
the worker hands its sends to that loop (registered by the WebSocket consumer when a client
connects); with no loop known (no client in this process, or a Redis layer) it sends from
its own thread. A failed round is tried once more on a fresh connection.
A round first closes the days the business clock has passed (``close``: the completed day
goes through the live model's ``Forecaster.update``), then computes (``services``).
``SHELFCAST_LIVE_INLINE = True`` runs the refresh in the caller instead (tests
whose database a second thread cannot see).
"""

from __future__ import annotations

import asyncio
import logging
import queue
import threading
import time
from collections.abc import Iterable
from concurrent.futures import Future
from datetime import date, datetime
from typing import Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import close_old_connections, connection

from shelfcast.server.live.close import day_close_if_due
from shelfcast.server.live.services import live_refresh
from shelfcast.server.sales.events import ALL_GROUP, store_group
from shelfcast.server.sales.selectors import live_day_get

__all__ = ["live_touched", "events_send", "loop_register", "worker_stop"]

logger = logging.getLogger("shelfcast.server")
TouchedKey = tuple[str, str, date]

_STOP = "stop"
IDLE_CLOSE_S = 1.0
RETRY_PAUSE_S = 0.2
ROUND_INTERVAL_S = 0.2
"""Least time from one round's start to the next's. A batch arriving after a quiet spell
starts its round at once; under load a round waits for the rest of the interval and takes
every batch queued meanwhile. In batches of 1,000 lines a batch touches most SKUs of a
small chain, so a round per batch recomputed nearly all of them each time: at 10,000 lines/s
the interval cut the server's CPU per line by about a quarter (``benchmarks/bench_ingest.py``,
docs/live.md). The wait adds at most this much to the POST -> ``forecast.updated`` latency."""
_queue: queue.Queue[tuple[list[TouchedKey], datetime | None] | str] = queue.Queue()
_state_lock = threading.Lock()
_worker: threading.Thread | None = None
_loop: asyncio.AbstractEventLoop | None = None
_clock: datetime | None = None  # the latest event time seen: late lines do not turn it back
TODAY_CHECK_S = 1.0
_today: tuple[float, date | None] = (float("-inf"), None)  # (read at, business day in the db)


def loop_register(loop: asyncio.AbstractEventLoop) -> None:
    """The event loop the WebSocket consumers of this process run on."""
    global _loop
    _loop = loop


BATCH_EVENTS = 500
"""Events per channel-layer message: a round's events travel in a few ``live.batch``
messages per group (the consumer sends each event as its own WebSocket message), not one
message per event per group: on Redis each message is a round trip."""


async def _send_all(events: list[dict[str, Any]]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    by_group: dict[str, list[dict[str, Any]]] = {ALL_GROUP: events}
    for event in events:
        by_group.setdefault(store_group(event["store_id"]), []).append(event)
    for group, batch in by_group.items():
        for start in range(0, len(batch), BATCH_EVENTS):
            await layer.group_send(group, {"type": "live.batch",
                                           "events": batch[start:start + BATCH_EVENTS]})


def events_send(events: list[dict[str, Any]], *, wait: bool = True) -> Future | None:
    """Send events to their store's group and to ``live.all``, on the consumers' loop.

    A layer drops what does not fit in a channel (Channels' default: 100 messages), and a
    round can push an event per item touched: the settings raise the capacity to 10,000.
    ``wait=False`` returns the sending's future on the consumers' loop (None when sent
    already): the caller goes on computing and waits for it later."""
    if not events:
        return None
    loop = _loop
    try:
        if loop is not None and loop.is_running():
            future = asyncio.run_coroutine_threadsafe(_send_all(events), loop)
            if not wait:
                return future
            future.result()
        else:
            async_to_sync(_send_all)(events)
    except Exception:  # a broken channel layer must not stop the live state
        logger.exception("could not send %d live events", len(events))
    return None


class _RoundSender:
    """A round's events, sent as soon as each part is ready; the round ends when all were
    sent. Waited for without a limit: a busy loop slows the worker, which then coalesces
    more keys into its next round, instead of events piling up unsent."""

    def __init__(self) -> None:
        self.pending: list[Future] = []

    def __call__(self, events: list[dict[str, Any]]) -> None:
        future = events_send(events, wait=False)
        if future is not None:
            self.pending.append(future)

    def wait(self) -> None:
        for future in self.pending:
            try:
                future.result()
            except Exception:  # a broken channel layer must not stop the live state
                logger.exception("could not send live events")


def _business_today(keys: list[TouchedKey]) -> date | None:
    """Today on the business clock: the latest day among the round's keys and the database's
    (read at most once a second by the worker: other processes ingest too)."""
    global _today
    now = time.monotonic()
    inline = getattr(settings, "SHELFCAST_LIVE_INLINE", False)
    if inline or now - _today[0] >= TODAY_CHECK_S:
        _today = (now, live_day_get())
    days = [d for d in (_today[1], *(k[2] for k in keys)) if d is not None]
    return max(days, default=None)


def _refresh(keys: list[TouchedKey], clock: datetime | None) -> None:
    today = _business_today(keys)
    day_close_if_due(today)  # a new day: the completed ones go through the model first
    sender = _RoundSender()
    try:
        live_refresh(keys=keys, clock=clock, today=today, emit=sender)
    finally:
        sender.wait()


def _refresh_with_retry(keys: list[TouchedKey], clock: datetime | None) -> None:
    """One retry on a fresh connection (a restarted database, a locked SQLite file); then
    the keys wait for their next batch, and the server keeps serving."""
    for attempt in (1, 2):
        close_old_connections()
        try:
            _refresh(keys, clock)
            return
        except Exception:
            connection.close()
            if attempt == 2:
                logger.exception("live refresh of %d keys failed", len(keys))
            else:
                time.sleep(RETRY_PAUSE_S)


def _run() -> None:
    global _clock
    started = float("-inf")  # the last round's start
    while True:
        try:
            item = _queue.get(timeout=IDLE_CLOSE_S)
        except queue.Empty:  # idle: give the connection back (a test database can be dropped)
            connection.close()
            continue
        interval = getattr(settings, "SHELFCAST_LIVE_ROUND_INTERVAL_S", ROUND_INTERVAL_S)
        pause = started + interval - time.monotonic()
        if pause > 0 and item != _STOP:  # let the batches of the interval queue up
            time.sleep(pause)
        started = time.monotonic()
        keys: set[TouchedKey] = set()
        clock: datetime | None = None
        stop = False
        while True:  # take everything queued: one computation for many batches
            if item == _STOP:
                stop = True
            else:
                keys.update(item[0])
                if item[1] is not None and (clock is None or item[1] > clock):
                    clock = item[1]
            try:
                item = _queue.get_nowait()
            except queue.Empty:
                break
        if clock is not None and (_clock is None or clock > _clock):
            _clock = clock
        if keys:
            _refresh_with_retry(sorted(keys), _clock)
        if stop:
            connection.close()
            return


def _ensure_worker() -> None:
    global _worker
    with _state_lock:
        if _worker is None or not _worker.is_alive():
            _worker = threading.Thread(target=_run, name="shelfcast-live", daemon=True)
            _worker.start()


def live_touched(*, keys: Iterable[TouchedKey], latest: datetime | None = None) -> None:
    """The ingest committed lines for these (store, item, business day)s; ``latest`` is the
    latest timestamp among them (the business clock's time of day)."""
    keys = list(keys)
    if not keys:
        return
    if getattr(settings, "SHELFCAST_LIVE_INLINE", False):
        _refresh(keys, latest)
        return
    _ensure_worker()
    _queue.put((keys, latest))


def worker_stop(timeout: float = 30.0) -> None:
    """Finish what is queued and end the worker thread (a later ingest starts a new one)."""
    global _worker
    with _state_lock:
        worker, _worker = _worker, None
    if worker is not None and worker.is_alive():
        _queue.put(_STOP)
        worker.join(timeout)
