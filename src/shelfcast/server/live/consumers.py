"""``/ws/live/?token=<key>``: the live events of INTERFACES.md, per store or for the chain.

After connecting, a client sends ``{"subscribe": ["store:S1", ...]}`` or ``{"subscribe":
["all"]}`` (``{"unsubscribe": [...]}`` undoes it) and receives ``sales.ingested``,
``forecast.updated`` and ``alert.raised`` events of what it subscribed to. Viewer, analyst
and admin tokens may connect. A bad token is told why in an ``error`` event, then the
connection is closed (4401 no or unknown token, 4403 a role that may not read); a bad message
is answered with an ``error`` event (``{"type": "error", "error", "message", "details"}``,
the API's error shape) and the connection stays open.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer

from shelfcast.server.accounts.permissions import CanRead
from shelfcast.server.accounts.selectors import token_get_by_key
from shelfcast.server.live.dispatch import loop_register
from shelfcast.server.sales.events import ALL_GROUP, store_group

__all__ = ["LiveConsumer"]

EXPECTED = 'expected {"subscribe": ["all"]} or {"subscribe": ["store:<store_id>", ...]}'


class LiveConsumer(AsyncJsonWebsocketConsumer):
    groups_joined: set[str]

    async def connect(self) -> None:
        self.groups_joined = set()
        await self.accept()
        query = parse_qs(self.scope.get("query_string", b"").decode("latin-1"))
        key = (query.get("token") or [""])[0]
        token = await database_sync_to_async(token_get_by_key)(key=key) if key else None
        if token is None:
            await self._error("not_authenticated",
                              "Give a valid API token: /ws/live/?token=<key>", {})
            await self.close(code=4401)
            return
        if token.role not in CanRead.roles:
            await self._error("permission_denied",
                              f"A '{token.role}' token may not read live events; it needs one "
                              f"of: {', '.join(sorted(CanRead.roles))}.", {"role": token.role})
            await self.close(code=4403)
            return
        loop_register(asyncio.get_running_loop())

    async def disconnect(self, code: int) -> None:
        for group in self.groups_joined:
            await self.channel_layer.group_discard(group, self.channel_name)

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None,
                      **kwargs: Any) -> None:
        if text_data is None:
            await self._error("bad_message", f"Send JSON text; {EXPECTED}.", {})
            return
        try:
            content = json.loads(text_data)
        except ValueError as exc:
            await self._error("bad_message", f"The message is not JSON ({exc}); {EXPECTED}.",
                              {"received": text_data[:200]})
            return
        await self.receive_json(content)

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if not isinstance(content, dict) or not ({"subscribe", "unsubscribe"} & content.keys()):
            await self._error("bad_message", f"Unknown message; {EXPECTED}.",
                              {"received": content if isinstance(content, dict) else
                               str(content)[:200]})
            return
        for action in ("subscribe", "unsubscribe"):
            if action not in content:
                continue
            targets = content[action]
            groups = self._groups(targets)
            if groups is None:
                await self._error("bad_message",
                                  f"{action!r} must be a list of \"all\" or \"store:<store_id>\"; "
                                  f"{EXPECTED}.", {"field": action, "received": targets})
                return
            for group in groups:
                if action == "subscribe":
                    await self.channel_layer.group_add(group, self.channel_name)
                    self.groups_joined.add(group)
                else:
                    await self.channel_layer.group_discard(group, self.channel_name)
                    self.groups_joined.discard(group)
        await self.send_json({"type": "subscribed", "groups": sorted(self.groups_joined)})

    @staticmethod
    def _groups(targets: Any) -> list[str] | None:
        if not isinstance(targets, list) or not targets:
            return None
        groups = []
        for target in targets:
            if target == "all":
                groups.append(ALL_GROUP)
            elif isinstance(target, str) and target.startswith("store:") and len(target) > 6:
                groups.append(store_group(target[6:]))
            else:
                return None
        return groups

    async def _error(self, code: str, message: str, details: dict[str, Any]) -> None:
        await self.send_json({"type": "error", "error": code, "message": message,
                              "details": details})

    # Channel-layer events (sales.ingested, forecast.updated, alert.raised), forwarded as they
    # are; "live.batch" (the live worker's rounds, ``dispatch``) carries many, each forwarded
    # as its own WebSocket message.
    _FORWARDED = frozenset({"sales.ingested", "forecast.updated", "alert.raised"})

    async def dispatch(self, message: dict[str, Any]) -> None:
        # Channels closes stale database connections before every handler, a hop to a
        # thread each time: a forwarded event touches no database, and a busy store pushes
        # thousands a second, so they skip it.
        kind = message.get("type")
        if kind == "live.batch":
            for event in message["events"]:
                await self.send_json(event)
            return
        if kind in self._FORWARDED:
            await self.send_json(message)
            return
        await super().dispatch(message)
