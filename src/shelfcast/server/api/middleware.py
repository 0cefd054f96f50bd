"""Two guards at the edge, outside DRF:

- ``ErrorShieldMiddleware``: no stack trace or HTML error page ever reaches an API client.
  An exception anywhere below becomes a logged 500 in the error shape; an error response
  that is not JSON (Django's 404 page, a technical debug page...) is replaced by the error
  shape with the same status. The admin keeps its HTML pages.
- ``BodySizeLimitMiddleware``: a body larger than allowed (``Content-Length``) answers 413
  before a byte of it is read.

And ``SyncChainMiddleware``, last in ``MIDDLEWARE``: it only keeps the chain synchronous
under ASGI (see its docstring).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse

from shelfcast.server.api.errors import error_response

__all__ = ["ErrorShieldMiddleware", "BodySizeLimitMiddleware", "SyncChainMiddleware"]

logger = logging.getLogger("shelfcast.server")

HTML_PATHS = ("/admin/", "/api/docs/", "/static/")


class ErrorShieldMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        try:
            response = self.get_response(request)
        except RequestDataTooBig:
            return error_response(413)
        except Exception:
            logger.exception("Unhandled error in %s %s", request.method, request.path)
            return error_response(500)
        if response.status_code >= 400 and not request.path.startswith(HTML_PATHS):
            content_type = response.get("Content-Type", "")
            if "json" not in content_type:
                replaced = error_response(response.status_code)
                for header in ("Allow", "WWW-Authenticate", "Retry-After"):
                    if header in response:
                        replaced[header] = response[header]
                return replaced
        return response

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse:
        """A view's exception: answered here, even with DEBUG on (no technical page)."""
        if isinstance(exception, RequestDataTooBig):
            return error_response(413)
        from django.http import Http404
        from django.core.exceptions import PermissionDenied

        if isinstance(exception, Http404):
            return error_response(404)
        if isinstance(exception, PermissionDenied):
            return error_response(403)
        logger.error("Unhandled error in %s %s", request.method, request.path,
                     exc_info=exception)
        return error_response(500)


class BodySizeLimitMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        raw = request.META.get("CONTENT_LENGTH") or "0"
        try:
            length = int(raw)
        except ValueError:
            return error_response(400, "bad_request", "Content-Length is not a number.")
        upload = request.path.startswith(tuple(settings.SHELFCAST_UPLOAD_PATHS))
        limit = settings.SHELFCAST_MAX_UPLOAD_BYTES if upload else settings.SHELFCAST_MAX_BODY_BYTES
        if length > limit:
            return error_response(
                413, "request_too_large",
                f"The request body is {length} bytes; at most {limit} are accepted here"
                + ("." if upload else " (send transactions in smaller batches)."),
                {"limit": limit, "length": length},
            )
        return self.get_response(request)


class SyncChainMiddleware:
    """Does nothing to the request; it is here for where it stands (last in ``MIDDLEWARE``).

    Under ASGI Django runs each middleware in the mode of the one inside it. Django's own
    middlewares can run either way, so with an async handler innermost they run async, and
    each of their ``process_request``/``process_response`` then hops to the request's thread
    and back (a dozen hops per request through the one event loop). A synchronous-only
    middleware innermost makes the whole chain run in the request's thread: two hops in all.
    """

    sync_capable = True
    async_capable = False

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)
