"""WebSocket routes, under ``asgi.application``'s ``websocket`` branch.

The live issue adds ``/ws/live/`` here (a consumer that subscribes to the groups of
``shelfcast.server.sales.events`` and forwards their events). Until then no path matches,
and a WebSocket connection is refused.
"""

from __future__ import annotations

from django.urls import URLPattern, URLResolver

__all__ = ["websocket_urlpatterns"]

websocket_urlpatterns: list[URLPattern | URLResolver] = []
