"""Health, the OpenAPI schema and its documentation page, and /metrics."""

from __future__ import annotations

import re

import pytest
from django.test import Client, override_settings

from shelfcast import __version__


@pytest.fixture
def client(db: None) -> Client:
    return Client(raise_request_exception=False)


def test_health_is_open_and_says_the_database_answers(client, db_backend) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/api/health/")
    assert response.status_code == 200
    vendor = {"sqlite": "sqlite", "postgres": "postgresql"}[db_backend]
    assert response.json() == {"status": "ok", "database": "ok", "database_vendor": vendor,
                               "version": __version__}


def test_the_openapi_schema_is_served(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    schema = response.json()
    assert schema["openapi"].startswith("3.")
    assert {"/api/health/", "/api/transactions/"} <= set(schema["paths"])
    post = schema["paths"]["/api/transactions/"]["post"]
    assert {"200", "400", "401", "403", "413", "429"} <= set(post["responses"])
    assert schema["components"]["schemas"]["Error"]["required"] == ["error", "message", "details"]
    assert schema["components"]["securitySchemes"]["tokenAuth"]["name"] == "Authorization"


def test_the_docs_page_is_served_without_a_cdn(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/api/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "cdn" not in html.lower() and "jsdelivr" not in html
    scripts = re.findall(r'src="([^"]+\.js)"', html)
    assert scripts and all(s.startswith("/static/") for s in scripts)
    for src in scripts:
        assert client.get(src).status_code == 200, src


def test_metrics_are_open_to_loopback(client) -> None:  # type: ignore[no-untyped-def]
    client.get("/api/health/")
    response = client.get("/metrics", REMOTE_ADDR="127.0.0.1")
    assert response.status_code == 200
    text = response.content.decode()
    assert 'shelfcast_http_requests_total{method="GET",route="/api/health/",status="200"}' in text
    assert "shelfcast_http_request_duration_seconds_bucket" in text
    assert "shelfcast_ingest_lines_total" in text


def test_metrics_need_a_token_from_elsewhere(client, token_for) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/metrics", REMOTE_ADDR="10.1.2.3")
    assert response.status_code == 401
    assert response.json()["error"] == "not_authenticated"
    with_token = client.get("/metrics", REMOTE_ADDR="10.1.2.3",
                            HTTP_AUTHORIZATION=f"Token {token_for('viewer')}")
    assert with_token.status_code == 200


@override_settings(METRICS_ALLOWED_CIDRS=["10.0.0.0/8"])
def test_metrics_are_open_to_the_allowed_networks(client) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/metrics", REMOTE_ADDR="10.1.2.3").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="192.168.1.1").status_code == 401
