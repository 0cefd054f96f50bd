"""The error shape of every 4xx/5xx: ``{"error": "<code>", "message": "...", "details": {}}``."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpResponse

__all__ = ["STATUS_CODES", "STATUS_MESSAGES", "error_body", "error_response"]

STATUS_CODES: dict[int, str] = {
    400: "bad_request",
    401: "not_authenticated",
    403: "permission_denied",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "request_too_large",
    415: "unsupported_media_type",
    429: "throttled",
    500: "server_error",
    503: "unavailable",
}
STATUS_MESSAGES: dict[int, str] = {
    400: "The request is malformed.",
    401: "Authentication is needed: send 'Authorization: Token <key>'.",
    403: "This token may not do this.",
    404: "Nothing here: check the address.",
    405: "This method is not allowed here.",
    406: "Cannot answer in the format asked for (JSON is spoken here).",
    413: "The request body is too large.",
    415: "Unsupported media type: send JSON (Content-Type: application/json).",
    429: "Too many requests: slow down.",
    500: "The server failed to answer; the error has been logged.",
    503: "The service is unavailable; try again shortly.",
}


def error_body(code: str, message: str, details: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"error": code, "message": message, "details": details or {}}


def error_response(status: int, code: str | None = None, message: str | None = None,
                   details: dict[str, Any] | None = None) -> HttpResponse:
    """A plain Django response in the error shape (outside DRF: middleware, handlers)."""
    body = error_body(code or STATUS_CODES.get(status, "error"),
                      message or STATUS_MESSAGES.get(status, "The request failed."), details)
    return HttpResponse(json.dumps(body), status=status, content_type="application/json")
