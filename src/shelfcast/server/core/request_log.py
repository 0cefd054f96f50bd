"""One log line per HTTP request, with its request id (``X-Request-ID``).

The id comes from the caller when it sends a usable ``X-Request-ID`` (a proxy, a till
that retries) and is made here otherwise; the response carries it back, and every line
logged while the request runs carries it too (``shelfcast.logs.log_context``). The
request's line adds the method, path, status and latency, and the store, item and model
version when the request names them: the query's ``store_id``/``item_id``, or what the
view put in the context with ``shelfcast.logs.annotate`` or in its answer's
``model_version``.
"""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse

from shelfcast.logs import log_context

__all__ = ["RequestLogMiddleware", "REQUEST_ID_HEADER", "request_id_from"]

REQUEST_ID_HEADER = "X-Request-ID"
_USABLE_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")
logger = logging.getLogger("shelfcast.request")


def request_id_from(header: str | None) -> str:
    """The caller's id when it is a short token of safe characters (it is written to logs
    and echoed in a header), a new one otherwise."""
    if header and _USABLE_ID.match(header):
        return header
    return uuid.uuid4().hex


class RequestLogMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request_id_from(request.headers.get(REQUEST_ID_HEADER))
        start = time.perf_counter()
        with log_context(request_id=request_id, store_id=request.GET.get("store_id"),
                         item_id=request.GET.get("item_id")) as context:
            response = self.get_response(request)
            response[REQUEST_ID_HEADER] = request_id
            for key, value in _from_answer(response).items():  # the view's own word wins
                context.setdefault(key, value)
            level = logging.ERROR if response.status_code >= 500 else logging.INFO
            logger.log(level, "%s %s %s", request.method, request.path, response.status_code,
                       extra={"method": request.method, "path": request.path,
                              "status": response.status_code,
                              "latency_ms": round((time.perf_counter() - start) * 1000, 2)})
        return response


def _from_answer(response: HttpResponse) -> dict[str, Any]:
    """The model version and the one store/item of an answer that names them (predict)."""
    data = getattr(response, "data", None)
    if not isinstance(data, dict):
        return {}
    found: dict[str, Any] = {}
    if isinstance(data.get("model_version"), str):
        found["model_version"] = data["model_version"]
    rows = data.get("predictions")
    if isinstance(rows, list) and rows and all(isinstance(r, dict) for r in rows):
        for key in ("store_id", "item_id"):
            values = {r.get(key) for r in rows}
            if len(values) == 1 and None not in values:
                found[key] = values.pop()
    return found
