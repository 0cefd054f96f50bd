"""Live events of the sales app, sent to Channels groups after the ingest commits.

Groups: ``live.all`` (every store) and ``live.store.<store_id>`` (one store; characters
Channels does not allow in a group name are replaced by ``_``). The WebSocket consumer
(``/ws/live/``) only subscribes a connection to these groups and forwards the events.
Event: ``{"type": "sales.ingested", "store_id", "date", "lines", "units"}`` (INTERFACES.md):
the store's running totals for that business day. Then the (store, item, day)s the batch
touched go to the live worker (``shelfcast.server.live.dispatch``), which pushes their
``forecast.updated`` and any ``alert.raised``.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from asgiref.sync import async_to_sync
from channels.layers import get_channel_layer

if TYPE_CHECKING:
    from shelfcast.server.live.dispatch import TouchedKey
    from shelfcast.server.sales.services import StoreDayTotal

__all__ = ["ALL_GROUP", "store_group", "sales_ingested_send"]

ALL_GROUP = "live.all"
_UNSAFE = re.compile(r"[^A-Za-z0-9_.\-]")
logger = logging.getLogger("shelfcast.server")


def store_group(store_id: str) -> str:
    return ("live.store." + _UNSAFE.sub("_", store_id))[:99]


async def _group_send_all(layer: Any, messages: list[tuple[str, dict[str, Any]]]) -> None:
    # One hop to the event loop for the whole batch, not one per message.
    for group, message in messages:
        await layer.group_send(group, message)


def sales_ingested_send(*, store_days: Iterable[StoreDayTotal],
                        keys: list[TouchedKey] | None = None,
                        latest: datetime | None = None) -> None:
    """Send one ``sales.ingested`` event per store and day to its group and to ``live.all``
    (there, as one ``live.batch`` message when the batch touched several stores);
    then hand the touched ``keys`` (store, item, business day) to the live worker."""
    layer = get_channel_layer()
    events = [{"type": "sales.ingested", "store_id": total.store_id,
               "date": total.date.isoformat(), "lines": total.lines, "units": total.units}
              for total in store_days]
    if layer is not None and events:
        messages = [(store_group(event["store_id"]), event) for event in events]
        # live.all gets the batch's stores in one message (the consumer forwards each event):
        # a message per store would cost a channel-layer round trip each.
        messages.append((ALL_GROUP, events[0] if len(events) == 1
                         else {"type": "live.batch", "events": events}))
        try:
            async_to_sync(_group_send_all)(layer, messages)
        except Exception:  # the ingest is committed: a broken channel layer must not fail it
            logger.exception("could not send sales.ingested events")
    if not keys:
        return
    # Imported here: the live app imports this module's group names.
    from shelfcast.server.live.dispatch import live_touched

    try:
        live_touched(keys=keys, latest=latest)
    except Exception:  # the ingest is committed: the live state must not fail it
        logger.exception("could not hand the touched keys to the live worker")
