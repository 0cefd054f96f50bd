"""``Authorization: Token <key>``: the request's user is the ``ApiToken`` (with its role).

An active token found in the database is remembered by this process for
``SHELFCAST_TOKEN_CACHE_SECONDS`` (default 5; 0 looks every request up): a query per request
was a large share of a small request's time. Saving or deleting a token through the ORM
(the admin, ``shelfcast token``) forgets every remembered token of this process at once; a
change made otherwise (a bulk ``UPDATE``, another process) is seen within that many seconds.
Unknown keys are never remembered.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from django.conf import settings
from django.db.models.signals import post_delete, post_save
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from shelfcast.server.accounts.models import ApiToken
from shelfcast.server.accounts.selectors import token_get_by_key
from shelfcast.server.accounts.services import token_hash

__all__ = ["KEYWORD", "TokenAuthentication", "TokenScheme", "authenticate_key",
           "token_cache_clear"]

KEYWORD = "Token"
_CACHE_LIMIT = 10_000
"""Tokens remembered at most; past it the cache starts again empty."""


class _TokenCache:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.entries: dict[str, tuple[ApiToken, float]] = {}

    def get(self, key: str) -> ApiToken | None:
        entry = self.entries.get(key)
        if entry is None or entry[1] < time.monotonic():
            return None
        return entry[0]

    def put(self, key: str, token: ApiToken, seconds: float) -> None:
        with self.lock:
            if len(self.entries) >= _CACHE_LIMIT:
                self.entries.clear()
            self.entries[key] = (token, time.monotonic() + seconds)

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()


_cache = _TokenCache()


def token_cache_clear(**_: Any) -> None:
    """Forget the remembered tokens (a token was saved or deleted)."""
    _cache.clear()


post_save.connect(token_cache_clear, sender=ApiToken, dispatch_uid="token-cache-save")
post_delete.connect(token_cache_clear, sender=ApiToken, dispatch_uid="token-cache-delete")


def authenticate_key(key: str) -> ApiToken:
    seconds = getattr(settings, "SHELFCAST_TOKEN_CACHE_SECONDS", 0)
    hashed = token_hash(key)  # the cache holds no key a memory dump could reuse
    token = _cache.get(hashed) if seconds > 0 else None
    if token is None:
        token = token_get_by_key(key=key)
        if token is None:
            raise exceptions.AuthenticationFailed("Invalid or revoked token.")
        if seconds > 0:
            _cache.put(hashed, token, seconds)
    return token


class TokenAuthentication(authentication.BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[ApiToken, ApiToken] | None:
        header = authentication.get_authorization_header(request).split()
        if not header or header[0].lower() != KEYWORD.lower().encode():
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(
                f"Invalid Authorization header: expected 'Authorization: {KEYWORD} <key>'."
            )
        try:
            key = header[1].decode()
        except UnicodeError:
            raise exceptions.AuthenticationFailed("Invalid token: not ASCII.") from None
        token = authenticate_key(key)
        return token, token

    def authenticate_header(self, request: Request) -> str:
        # Makes DRF answer 401 (not 403) when no or a bad token is given.
        return KEYWORD


class TokenScheme(OpenApiAuthenticationExtension):
    """How drf-spectacular documents ``TokenAuthentication`` in the OpenAPI schema."""

    target_class = "shelfcast.server.accounts.authentication.TokenAuthentication"
    name = "tokenAuth"

    def get_security_definition(self, auto_schema: Any) -> dict[str, str]:
        return {
            "type": "apiKey",
            "in": "header",
            "name": "Authorization",
            "description": "`Token <key>`; create one with `shelfcast token create`.",
        }
