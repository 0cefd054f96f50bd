"""``shelfcast token create``: the key alone on stdout, and it authenticates."""

from __future__ import annotations

from typer.testing import CliRunner

from shelfcast.cli.main import app

runner = CliRunner()


def test_token_create_prints_only_a_key_that_works(api_client) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(app, ["token", "create", "--role", "till", "--name", "till-s01"])
    assert result.exit_code == 0, result.output
    key = result.stdout.strip()
    assert result.stdout == key + "\n" and " " not in key and len(key) >= 32
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    response = api_client.post("/api/transactions/", {"transactions": []}, format="json")
    assert response.status_code == 200


def test_an_unknown_role_is_a_clear_error(db) -> None:  # type: ignore[no-untyped-def]
    result = runner.invoke(app, ["token", "create", "--role", "boss", "--name", "x"])
    assert result.exit_code == 1
    assert "unknown role 'boss'" in result.output
    assert "viewer, till, analyst, admin" in result.output
