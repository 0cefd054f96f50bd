"""A server process remembers an active token for ``SHELFCAST_TOKEN_CACHE_SECONDS``: the
requests after the first do not look it up; saving or deleting a token forgets them at once;
with 0 every request looks it up (a bulk revocation is then seen at once)."""

from __future__ import annotations

from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from shelfcast.server.accounts.models import ApiToken
from shelfcast.server.accounts.authentication import token_cache_clear

URL = "/api/models/"


def token_lookups(client, times: int) -> tuple[list[int], int]:  # type: ignore[no-untyped-def]
    """The statuses of ``times`` GETs, and how many queries read the token table."""
    with CaptureQueriesContext(connection) as queries:
        statuses = [client.get(URL).status_code for _ in range(times)]
    return statuses, sum(ApiToken._meta.db_table in q["sql"] for q in queries.captured_queries)


@override_settings(SHELFCAST_TOKEN_CACHE_SECONDS=60)
def test_an_active_token_is_looked_up_once_then_remembered(api_client, token_for) -> None:  # type: ignore[no-untyped-def]
    token_cache_clear()
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token_for('viewer')}")
    assert token_lookups(api_client, 5) == ([200] * 5, 1)


@override_settings(SHELFCAST_TOKEN_CACHE_SECONDS=60)
def test_saving_a_token_forgets_it_so_a_revocation_counts_at_once(api_client, token_for) -> None:  # type: ignore[no-untyped-def]
    token_cache_clear()
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token_for('viewer')}")
    assert api_client.get(URL).status_code == 200
    token = ApiToken.objects.get()
    token.is_active = False
    token.save()  # as the admin and `shelfcast token` revoke
    assert api_client.get(URL).status_code == 401


@override_settings(SHELFCAST_TOKEN_CACHE_SECONDS=60)
def test_an_unknown_key_is_never_remembered(api_client) -> None:  # type: ignore[no-untyped-def]
    token_cache_clear()
    api_client.credentials(HTTP_AUTHORIZATION="Token not-a-key")
    assert token_lookups(api_client, 3) == ([401] * 3, 3)


@override_settings(SHELFCAST_TOKEN_CACHE_SECONDS=0)
def test_with_no_cache_every_request_looks_the_token_up(api_client, token_for) -> None:  # type: ignore[no-untyped-def]
    token_cache_clear()
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token_for('viewer')}")
    assert token_lookups(api_client, 3) == ([200] * 3, 3)
    ApiToken.objects.update(is_active=False)  # a bulk revocation: no signal
    assert api_client.get(URL).status_code == 401
