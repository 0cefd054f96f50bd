"""The ASGI application ``shelfcast serve`` runs: the project's (``shelfcast.server.asgi``),
its HTTP side run by a fixed set of request threads, and the live model loaded at start.

- **Request threads.** Django's ``ASGIHandler`` runs each synchronous request in a thread
  made for it (a ``ThreadSensitiveContext`` per request): a thread started and joined per
  request, a database connection per thread, and as many of both as requests in flight, so a
  backlog exhausts PostgreSQL's ``max_connections``. Here each request borrows one of
  ``SHELFCAST_REQUEST_THREADS`` long-lived single-thread executors (asgiref's
  ``ThreadSensitiveContext(executor=...)``); a request that finds none free waits on the
  event loop, holding no thread and no connection. WebSockets (Channels) are untouched.
- **Back-pressure.** At most ``SHELFCAST_REQUEST_QUEUE`` requests wait for a thread; one
  more is answered at once on the event loop, without Django: 503 in the error shape with
  ``Retry-After: 1``. Past its capacity the server keeps answering at capacity with bounded
  latency, instead of an unbounded queue whose every request ends up late.
- **Warm-up.** Each uvicorn worker process imports this module and loads the live model
  and learns today's intraday profile once, before it answers: without it the first requests
  of a fresh process wait for them (seconds; 0.13 s for the profile on 100 stores' day) while
  holding their database connections.
"""

from __future__ import annotations

import asyncio
import json
import logging
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from asgiref.sync import ThreadSensitiveContext, sync_to_async
from channels.routing import ProtocolTypeRouter
from django.conf import settings
from django.core.handlers.asgi import ASGIHandler
from django.http import HttpRequest
from django.http.response import HttpResponseBase

from shelfcast.server.api.errors import error_body
from shelfcast.server.asgi import application as project_application
from shelfcast.server.core.metrics import HTTP_REQUESTS

__all__ = ["PooledThreadsASGIHandler", "application", "warm_up"]

logger = logging.getLogger("shelfcast.server")

_BUSY_BODY = json.dumps(error_body(
    "overloaded", "The server is at capacity; retry after the time in Retry-After.")).encode()
_BUSY_HEADERS = [(b"content-type", b"application/json"), (b"retry-after", b"1"),
                 (b"content-length", str(len(_BUSY_BODY)).encode())]


class PooledThreadsASGIHandler(ASGIHandler):
    """Django's ASGI handler with ``threads`` reusable request threads instead of one new
    thread per request, and the middleware chain and view run in one synchronous call.

    Django's own ASGI path runs the chain async around a synchronous view: a hop from the
    event loop to the request's thread and back at the view, and at every middleware that
    is synchronous only. Every view and middleware of the project is synchronous, so the
    chain is built synchronous (as under WSGI) and called once, in the request's thread."""

    def __init__(self, threads: int, queue: int) -> None:
        super().__init__()
        self.threads, self.queue = threads, queue
        self._free: asyncio.Queue[ThreadPoolExecutor] | None = None
        self._waiting = 0  # requests waiting for a thread (all on the one event loop)

    def load_middleware(self, is_async: bool = False) -> None:
        super().load_middleware(is_async=False)

    async def get_response_async(self, request: HttpRequest) -> HttpResponseBase:
        return await sync_to_async(self.get_response, thread_sensitive=True)(request)

    def _executors(self) -> asyncio.Queue[ThreadPoolExecutor]:
        # Made on first use, inside the server's event loop (a Queue binds to its loop).
        if self._free is None:
            self._free = asyncio.Queue()
            for k in range(self.threads):
                self._free.put_nowait(ThreadPoolExecutor(1, thread_name_prefix=f"request-{k}"))
        return self._free

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            raise ValueError(f"Django serves HTTP here, not {scope['type']}")
        free = self._executors()
        if free.empty() and self._waiting >= self.queue:
            await self._busy(scope, send)
            return
        self._waiting += 1
        try:
            executor = await free.get()
        finally:
            self._waiting -= 1
        try:
            # One context per request (a context with an executor is entered only once);
            # the executor, and so the thread and its database connection, is reused.
            async with ThreadSensitiveContext(executor=executor):
                await self.handle(scope, receive, send)
        finally:
            free.put_nowait(executor)

    @staticmethod
    async def _busy(scope: dict[str, Any], send: Any) -> None:
        # No route is resolved for it: counted under one label, so the overload shows in /metrics.
        HTTP_REQUESTS.labels(scope.get("method", "?"), "overloaded", "503").inc()
        await send({"type": "http.response.start", "status": 503, "headers": _BUSY_HEADERS})
        await send({"type": "http.response.body", "body": _BUSY_BODY})


def warm_up() -> None:
    """Load the live model and learn today's intraday profile now (the live reads nowcast
    with it); a failure is logged, and requests then answer or learn as usual."""
    from django.db import close_old_connections

    from shelfcast.server.forecasts.serving import live_model
    from shelfcast.server.live.profiles import profile_for
    from shelfcast.server.sales.selectors import live_day_get

    start = time.perf_counter()
    try:
        model = live_model()
    except Exception:  # the server must still start: /api/predict/ names the problem itself
        logger.exception("could not load the live model at start")
        model = None
    if model is not None:
        logger.info("live model %s loaded in %.1f s", model.version, time.perf_counter() - start)
    try:
        today = live_day_get()
        if today is not None:
            profile_for(today)
    except Exception:  # the first live read learns it instead
        logger.exception("could not learn the intraday profile at start")
    finally:
        close_old_connections()  # give the start's connection back before serving


application = ProtocolTypeRouter({
    **project_application.application_mapping,
    "http": PooledThreadsASGIHandler(settings.SHELFCAST_REQUEST_THREADS,
                                     settings.SHELFCAST_REQUEST_QUEUE),
})
# In a thread of its own: with --workers, uvicorn imports this module inside its event loop,
# where Django refuses database queries; the import still waits for the load.
_loader = threading.Thread(target=warm_up, name="live-model-warm-up")
_loader.start()
_loader.join()
