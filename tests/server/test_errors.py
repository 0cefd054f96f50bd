"""Every error answers ``{"error", "message", "details"}``; no stack trace reaches a client."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings

BOOM = "tests.server.boom_urls"


def error(response, status: int) -> dict:  # type: ignore[no-untyped-def]
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"error", "message", "details"}
    assert "Traceback" not in response.content.decode()
    assert "passwd" not in response.content.decode()
    return body


@pytest.fixture
def client(db: None) -> Client:
    return Client(raise_request_exception=False)


@pytest.mark.parametrize("debug", [False, True])
def test_an_unknown_path_is_a_json_404(client, debug) -> None:  # type: ignore[no-untyped-def]
    with override_settings(DEBUG=debug):
        assert error(client.get("/nope/"), 404)["error"] == "not_found"


def test_a_wrong_method_is_a_405(client_for) -> None:  # type: ignore[no-untyped-def]
    response = client_for("till").get("/api/transactions/")
    assert error(response, 405)["error"] == "method_not_allowed"
    assert "POST" in response["Allow"]


def test_malformed_json_is_a_400_parse_error(client_for) -> None:  # type: ignore[no-untyped-def]
    response = client_for("till").post("/api/transactions/", data=b'{"transactions": [',
                                       content_type="application/json")
    body = error(response, 400)
    assert body["error"] == "parse_error"
    assert "JSON" in body["message"]


def test_a_body_that_is_not_json_is_a_415(client_for) -> None:  # type: ignore[no-untyped-def]
    response = client_for("till").post("/api/transactions/", data="a,b\n1,2",
                                       content_type="text/csv")
    assert error(response, 415)["error"] == "unsupported_media_type"


@override_settings(SHELFCAST_MAX_BODY_BYTES=2048)
def test_a_body_over_the_limit_is_a_413_before_it_is_read(client_for) -> None:  # type: ignore[no-untyped-def]
    big = b'{"transactions": [' + b",".join([b'{"transaction_id": "x"}'] * 200) + b"]}"
    response = client_for("till").post("/api/transactions/", data=big,
                                       content_type="application/json")
    body = error(response, 413)
    assert body["error"] == "request_too_large"
    assert body["details"]["limit"] == 2048


@pytest.mark.parametrize("debug", [False, True])
@pytest.mark.parametrize("path", ["/boom/plain/", "/boom/drf/"])
def test_a_crash_is_a_500_without_internals(client, path, debug) -> None:  # type: ignore[no-untyped-def]
    with override_settings(ROOT_URLCONF=BOOM, DEBUG=debug):
        body = error(client.get(path), 500)
    assert body["error"] == "server_error"


def test_core_errors_keep_their_code_message_and_details(client) -> None:  # type: ignore[no-untyped-def]
    with override_settings(ROOT_URLCONF=BOOM):
        body = error(client.get("/boom/core/"), 400)
        assert body == {"error": "invalid_data", "message": "sales.csv: 2 rows have negative sales",
                        "details": {"rows": [3, 7]}}
        assert error(client.get("/boom/core/?kind=model"), 404)["error"] == "model_not_found"
