"""Prometheus metrics: HTTP requests (count, latency by route) and ingested lines; served at
``/metrics`` (open to loopback and ``METRICS_ALLOWED_CIDRS``, otherwise a token is needed)."""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest
from rest_framework import exceptions

from shelfcast.server.api.errors import error_response

__all__ = ["HTTP_REQUESTS", "HTTP_LATENCY", "INGEST_LINES", "RequestMetricsMiddleware",
           "metrics_view", "metrics_allowed"]

HTTP_REQUESTS = Counter("shelfcast_http_requests_total", "HTTP requests answered",
                        ["method", "route", "status"])
HTTP_LATENCY = Histogram("shelfcast_http_request_duration_seconds",
                         "Time to answer an HTTP request", ["method", "route"],
                         buckets=(0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
INGEST_LINES = Counter("shelfcast_ingest_lines_total", "Till lines received, by outcome",
                       ["outcome"])


class RequestMetricsMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        start = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        route = ("/" + match.route) if match is not None and match.route else "unmatched"
        method = request.method or "?"
        HTTP_LATENCY.labels(method, route).observe(time.perf_counter() - start)
        HTTP_REQUESTS.labels(method, route, str(response.status_code)).inc()
        return response


def metrics_allowed(address: str) -> bool:
    """Loopback always; otherwise only addresses inside ``METRICS_ALLOWED_CIDRS``."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    if ip.is_loopback:
        return True
    return any(ip in ipaddress.ip_network(cidr, strict=False)
               for cidr in settings.METRICS_ALLOWED_CIDRS)


def metrics_view(request: HttpRequest) -> HttpResponse:
    if request.method not in ("GET", "HEAD"):
        response = error_response(405)
        response["Allow"] = "GET, HEAD"
        return response
    if not metrics_allowed(request.META.get("REMOTE_ADDR", "")):
        from rest_framework.request import Request

        from shelfcast.server.accounts.authentication import TokenAuthentication

        try:
            found = TokenAuthentication().authenticate(Request(request))
        except exceptions.AuthenticationFailed as exc:
            return error_response(401, "authentication_failed", str(exc.detail))
        if found is None:
            response = error_response(401, "not_authenticated",
                                      "/metrics needs a token from outside the allowed networks.")
            response["WWW-Authenticate"] = "Token"
            return response
    return HttpResponse(generate_latest(), content_type=CONTENT_TYPE_LATEST)
