"""The PostgreSQL fixture that other tests (and the API's) rely on."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tests.plugins.postgres import PostgresServer, _tool


@pytest.mark.postgres
def test_the_server_is_postgresql_15_and_makes_fresh_databases(
    postgres_server: PostgresServer, postgres_url: str
) -> None:
    other = postgres_server.create_database()
    assert other != postgres_url and other.startswith("postgresql+psycopg://postgres@127.0.0.1:")
    for url in (postgres_url, other):
        engine = sa.create_engine(url)
        with engine.connect() as conn:
            assert conn.execute(sa.text("SHOW server_version_num")).scalar().startswith("15")
        engine.dispose()
    assert postgres_server.data_dir.is_dir() and postgres_server.log_file.exists()


def test_a_missing_server_binary_fails_with_what_to_install(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("SHELFCAST_PG_BIN", "/nonexistent")
    with pytest.raises(pytest.fail.Exception, match="need 'initdb' on the PATH"):
        _tool("initdb")
