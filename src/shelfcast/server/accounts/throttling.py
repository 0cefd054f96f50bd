"""Rate limits per token, by role (``SHELFCAST_THROTTLE_RATES``); per address without one."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle

from shelfcast.server.accounts.models import ApiToken

__all__ = ["RoleRateThrottle"]


class RoleRateThrottle(SimpleRateThrottle):
    scope = "role"

    def __init__(self) -> None:
        """No rate yet: it depends on the request's role, so allow_request sets it."""

    def get_rate(self) -> str | None:
        return settings.SHELFCAST_THROTTLE_RATES.get(self.scope)

    def allow_request(self, request: Request, view: Any) -> bool:
        token = request.auth
        self.scope = token.role if isinstance(token, ApiToken) else "anon"
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return super().allow_request(request, view)

    def get_cache_key(self, request: Request, view: Any) -> str:
        token = request.auth
        ident = f"token{token.pk}" if isinstance(token, ApiToken) else self.get_ident(request)
        return self.cache_format % {"scope": self.scope, "ident": ident}
