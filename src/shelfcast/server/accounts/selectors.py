"""Reads of the accounts app."""

from __future__ import annotations

from shelfcast.server.accounts.models import ApiToken
from shelfcast.server.accounts.services import token_hash

__all__ = ["token_get_by_key"]


def token_get_by_key(*, key: str) -> ApiToken | None:
    """The active token with this key, or None."""
    return ApiToken.objects.filter(key_hash=token_hash(key), is_active=True).first()
