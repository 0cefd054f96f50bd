"""Fixtures for the Django API tests: a small catalogue, tokens by role, a DRF client.

Every fixture here uses the database, so a test that takes one runs on SQLite and on
PostgreSQL (tests/plugins/django_db.py).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

__all__ = ["STORES", "ITEMS", "catalog", "token_for", "api_client", "client_for"]

STORES = ("S1", "S2")
ITEMS = {"I1": "dairy", "I2": "bakery", "I3": "dairy"}


@pytest.fixture
def catalog(db: None) -> None:
    """Stores S1, S2 and items I1 (dairy), I2 (bakery), I3 (dairy), through the services."""
    import polars as pl

    from shelfcast.server.catalog.services import items_upsert, stores_upsert

    stores_upsert(ids=set(STORES))
    items_upsert(ids=set(ITEMS), items=pl.DataFrame(
        {"item_id": list(ITEMS), "category": list(ITEMS.values())}))


@pytest.fixture
def token_for(db: None) -> Callable[[str], str]:
    """``token_for("till")``: the key of a new token with that role."""
    from shelfcast.server.accounts.services import token_create

    def make(role: str) -> str:
        return token_create(name=f"test {role}", role=role)[1]

    return make


@pytest.fixture
def api_client(db: None):  # type: ignore[no-untyped-def]
    """A DRF test client without credentials (``client_for`` gives one with a token)."""
    from rest_framework.test import APIClient

    return APIClient(raise_request_exception=False)


@pytest.fixture
def client_for(token_for: Callable[[str], str]):  # type: ignore[no-untyped-def]
    """``client_for("till")``: a DRF test client sending a new token of that role."""
    from rest_framework.test import APIClient

    def make(role: str) -> APIClient:
        client = APIClient(raise_request_exception=False)
        client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(role)}")
        return client

    return make
