"""Tokens and roles: 401 without or with a bad token, 403 for a role that may not."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.test import override_settings

from shelfcast.server.accounts.models import ApiToken

URL = "/api/transactions/"
BODY = {"transactions": []}


def assert_error(response, status: int, code: str) -> dict:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error", "message", "details"}
    assert body["error"] == code
    assert body["message"]
    return body


def test_no_token_is_a_401(api_client) -> None:  # type: ignore[no-untyped-def]
    response = api_client.post(URL, BODY, format="json")
    assert_error(response, 401, "not_authenticated")
    assert response["WWW-Authenticate"] == "Token"


@pytest.mark.parametrize("header", ["Token nope", "Token a b", "token ", "Token \u00e9t\u00e9"])
def test_a_wrong_token_is_a_401(api_client, header) -> None:  # type: ignore[no-untyped-def]
    api_client.credentials(HTTP_AUTHORIZATION=header)
    assert_error(api_client.post(URL, BODY, format="json"), 401, "authentication_failed")


def test_a_revoked_token_is_a_401(api_client, token_for) -> None:  # type: ignore[no-untyped-def]
    key = token_for("till")
    ApiToken.objects.update(is_active=False)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert_error(api_client.post(URL, BODY, format="json"), 401, "authentication_failed")


@pytest.mark.parametrize("role", ["viewer", "analyst"])
def test_roles_that_may_not_ingest_get_a_403(client_for, role) -> None:  # type: ignore[no-untyped-def]
    body = assert_error(client_for(role).post(URL, BODY, format="json"), 403, "permission_denied")
    assert role in body["message"] and "till" in body["message"]


@pytest.mark.parametrize("role", ["till", "admin"])
def test_till_and_admin_may_ingest(client_for, role) -> None:  # type: ignore[no-untyped-def]
    assert client_for(role).post(URL, BODY, format="json").status_code == 200


def test_only_the_hash_of_a_key_is_stored(token_for) -> None:  # type: ignore[no-untyped-def]
    key = token_for("viewer")
    token = ApiToken.objects.get()
    assert key not in (token.key_hash, token.key_prefix) and key.startswith(token.key_prefix)


@override_settings(SHELFCAST_THROTTLE_RATES={"anon": "100/min", "till": "2/min",
                                             "viewer": "100/min", "analyst": "100/min",
                                             "admin": "100/min"})
def test_a_token_over_its_rate_is_throttled_with_a_429(client_for) -> None:  # type: ignore[no-untyped-def]
    cache.clear()
    till = client_for("till")
    for _ in range(2):
        assert till.post(URL, BODY, format="json").status_code == 200
    response = till.post(URL, BODY, format="json")
    body = assert_error(response, 429, "throttled")
    assert body["details"]["wait"] > 0
    assert int(response["Retry-After"]) >= 1
    # another token has its own budget
    assert client_for("admin").post(URL, BODY, format="json").status_code == 200
    cache.clear()
