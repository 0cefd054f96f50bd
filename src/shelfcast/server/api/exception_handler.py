"""DRF's exception handler: every error the API raises becomes the error shape.

- ``ShelfcastError`` (the core's tree): 400 (404 for "not found" kinds) with its ``code``,
  message and details;
- DRF ``ValidationError``: 400 ``invalid_input``, details ``{field: [messages]}``;
- ``ParseError`` (malformed JSON) 400 ``parse_error``; authentication 401; permission 403;
  ``Http404``/``NotFound`` 404; 405; 415; throttling 429 with ``details.wait`` (seconds);
- ``RequestDataTooBig`` 413; anything else: 500 ``server_error``, logged, nothing leaked.
"""

from __future__ import annotations

import logging
from typing import Any

from django.core.exceptions import PermissionDenied, RequestDataTooBig
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error

from shelfcast.errors import DatasetNotFoundError, ModelNotFoundError, ShelfcastError
from shelfcast.server.api.errors import STATUS_CODES, STATUS_MESSAGES, error_body

__all__ = ["exception_handler", "shelfcast_error_status"]

logger = logging.getLogger("shelfcast.server")

NOT_FOUND_ERRORS: tuple[type[ShelfcastError], ...] = (ModelNotFoundError, DatasetNotFoundError)


def shelfcast_error_status(exc: ShelfcastError) -> int:
    return 404 if isinstance(exc, NOT_FOUND_ERRORS) else 400


def _messages(detail: Any) -> Any:
    """DRF's ErrorDetail tree as plain strings."""
    if isinstance(detail, dict):
        return {str(k): _messages(v) for k, v in detail.items()}
    if isinstance(detail, list):
        return [_messages(v) for v in detail]
    return str(detail)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response:
    headers: dict[str, str] = {}
    if isinstance(exc, ShelfcastError):
        return Response(exc.to_dict(), status=shelfcast_error_status(exc))
    if isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(as_serializer_error(exc))
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    elif isinstance(exc, RequestDataTooBig):
        return Response(error_body("request_too_large", STATUS_MESSAGES[413]),
                        status=status.HTTP_413_REQUEST_ENTITY_TOO_LARGE)

    if isinstance(exc, exceptions.ValidationError):
        details = _messages(exc.detail)
        if not isinstance(details, dict):
            details = {"non_field_errors": details if isinstance(details, list) else [details]}
        fields = ", ".join(sorted(details))
        return Response(error_body("invalid_input", f"Invalid input: check {fields}.", details),
                        status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, exceptions.APIException):
        if getattr(exc, "auth_header", None):
            headers["WWW-Authenticate"] = exc.auth_header  # type: ignore[attr-defined]
        details: dict[str, Any] = {}
        if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
            headers["Retry-After"] = str(int(exc.wait + 0.999))
            details["wait"] = exc.wait
        code = exc.default_code if isinstance(exc.default_code, str) else "error"
        if code in ("error", "invalid"):
            code = STATUS_CODES.get(exc.status_code, "error")
        message = exc.detail if isinstance(exc.detail, str) else STATUS_MESSAGES.get(
            exc.status_code, "The request failed.")
        return Response(error_body(code, str(message), details), status=exc.status_code,
                        headers=headers)
    request = context.get("request")
    logger.error("Unhandled error in %s", getattr(request, "path", "?"), exc_info=exc)
    return Response(error_body("server_error", STATUS_MESSAGES[500]),
                    status=status.HTTP_500_INTERNAL_SERVER_ERROR)
