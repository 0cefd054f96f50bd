"""WebSocket routes, under ``asgi.application``'s ``websocket`` branch."""

from __future__ import annotations

from django.urls import URLPattern, URLResolver, path

from shelfcast.server.live.consumers import LiveConsumer

__all__ = ["websocket_urlpatterns"]

websocket_urlpatterns: list[URLPattern | URLResolver] = [
    path("ws/live/", LiveConsumer.as_asgi()),
]
