"""Django's error views (outside DRF), answering in the error shape."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse

from shelfcast.server.api.errors import error_response

__all__ = ["bad_request", "permission_denied", "page_not_found", "server_error"]


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    return error_response(400)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    return error_response(403)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    return error_response(404, "not_found", f"Nothing at {request.path}: check the address.")


def server_error(request: HttpRequest) -> HttpResponse:
    return error_response(500)
