"""``Authorization: Token <key>``: the request's user is the ``ApiToken`` (with its role)."""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from shelfcast.server.accounts.models import ApiToken
from shelfcast.server.accounts.selectors import token_get_by_key

__all__ = ["KEYWORD", "TokenAuthentication", "TokenScheme", "authenticate_key"]

KEYWORD = "Token"


def authenticate_key(key: str) -> ApiToken:
    token = token_get_by_key(key=key)
    if token is None:
        raise exceptions.AuthenticationFailed("Invalid or revoked token.")
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
