"""Writes of the accounts app: tokens."""

from __future__ import annotations

import hashlib
import secrets

from django.db import transaction

from shelfcast.errors import ShelfcastError
from shelfcast.server.accounts.models import ApiToken, Role

__all__ = ["token_hash", "token_key_assign", "token_create"]

KEY_BYTES = 30  # 40 characters of URL-safe base64


def token_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def token_key_assign(*, token: ApiToken) -> str:
    """Give ``token`` a fresh random key (unsaved); returns the key, which is not stored."""
    key = secrets.token_urlsafe(KEY_BYTES)
    token.key_prefix = key[:8]
    token.key_hash = token_hash(key)
    return key


@transaction.atomic
def token_create(*, name: str, role: str) -> tuple[ApiToken, str]:
    """A new active token; returns it and its key (shown once, only its hash is kept)."""
    if role not in Role.values:
        raise ShelfcastError(
            f"unknown role {role!r}: expected one of {', '.join(Role.values)}",
            details={"role": role, "expected": list(Role.values)},
        )
    name = name.strip()
    if not name:
        raise ShelfcastError("a token needs a name (who or what will use it)")
    token = ApiToken(name=name[:100], role=role)
    key = token_key_assign(token=token)
    token.save()
    return token, key
