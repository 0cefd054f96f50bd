"""Settings: production refuses unsafe values and passes ``check --deploy`` cleanly; the
environment module parses what it reads. Each case runs Django in a fresh process, as a
server would start."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

GOOD_KEY = secrets.token_urlsafe(50)


def manage(tmp_path: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in os.environ.items()
               if k not in ("DEBUG", "SECRET_KEY", "ALLOWED_HOSTS", "DATABASE_URL")}
    environ.update({"DJANGO_SETTINGS_MODULE": "shelfcast.server.settings.production",
                    "SHELFCAST_HOME": str(tmp_path / "var")}, **env)
    return subprocess.run([sys.executable, "-m", "shelfcast.server.manage", *args],
                          capture_output=True, text=True, env=environ, timeout=120, check=False)


def test_production_passes_the_deploy_check_without_a_warning(tmp_path: Path) -> None:
    done = manage(tmp_path, "check", "--deploy", "--fail-level", "WARNING",
                  SECRET_KEY=GOOD_KEY, ALLOWED_HOSTS="shelfcast.example.com")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "no issues" in done.stdout


@pytest.mark.parametrize(("env", "says"), [
    ({"SECRET_KEY": GOOD_KEY, "ALLOWED_HOSTS": "x.example.com", "DEBUG": "1"}, "DEBUG is on"),
    ({"ALLOWED_HOSTS": "x.example.com"}, "SECRET_KEY is not set"),
    ({"SECRET_KEY": "django-insecure-shelfcast-development-key-do-not-use-in-production",
      "ALLOWED_HOSTS": "x.example.com"}, "SECRET_KEY is not set"),
    ({"SECRET_KEY": "short", "ALLOWED_HOSTS": "x.example.com"}, "SECRET_KEY is too weak"),
    ({"SECRET_KEY": GOOD_KEY}, "ALLOWED_HOSTS is not set"),
    ({"SECRET_KEY": GOOD_KEY, "ALLOWED_HOSTS": "x.example.com", "DEBUG": "maybe"}, "DEBUG='maybe'"),
    ({"SECRET_KEY": GOOD_KEY, "ALLOWED_HOSTS": "x.example.com", "DATABASE_URL": "nonsense://x"},
     "DATABASE_URL"),
])
def test_production_refuses_to_start_with_unsafe_or_missing_values(tmp_path, env, says) -> None:  # type: ignore[no-untyped-def]
    done = manage(tmp_path, "check", **env)
    assert done.returncode != 0
    assert "ImproperlyConfigured" in done.stderr and says in done.stderr, done.stderr


def test_serve_says_what_is_wrong_instead_of_a_traceback(tmp_path: Path) -> None:
    environ = {k: v for k, v in os.environ.items() if k not in ("SECRET_KEY", "DEBUG")}
    environ.update(DJANGO_SETTINGS_MODULE="shelfcast.server.settings.production",
                   SHELFCAST_HOME=str(tmp_path / "var"), ALLOWED_HOSTS="x.example.com")
    done = subprocess.run([sys.executable, "-m", "shelfcast", "serve", "--port", "1"],
                          capture_output=True, text=True, env=environ, timeout=120, check=False)
    assert done.returncode == 1
    assert "SECRET_KEY is not set" in done.stderr
    assert "Traceback" not in done.stderr


def test_database_urls_from_sqlalchemy_and_the_sqlite_default(tmp_path: Path,
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from shelfcast.server.settings.env import database_config

    monkeypatch.delenv("DATABASE_URL", raising=False)
    config = database_config(tmp_path / "home")  # only says where; `serve` creates the folder
    assert config["ENGINE"] == "django.db.backends.sqlite3"
    assert config["NAME"] == str((tmp_path / "home" / "shelfcast.sqlite3").resolve())
    assert config["OPTIONS"]["transaction_mode"] == "IMMEDIATE"
    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://app:pw@db.example:5433/shelf")
    config = database_config(tmp_path)
    assert (config["ENGINE"], config["HOST"], config["PORT"], config["NAME"], config["USER"]) == (
        "django.db.backends.postgresql", "db.example", 5433, "shelf", "app")


def test_postgresql_gets_a_connection_pool_sized_from_the_environment(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from shelfcast.server.settings.env import database_config

    monkeypatch.setenv("DATABASE_URL", "postgres://app:pw@db.example:5432/shelf")
    for name in ("DATABASE_POOL_MAX_SIZE", "DATABASE_POOL_MIN_SIZE", "DATABASE_POOL_TIMEOUT",
                 "DATABASE_CONN_MAX_AGE"):
        monkeypatch.delenv(name, raising=False)
    config = database_config(tmp_path)
    assert config["OPTIONS"]["pool"] == {"min_size": 2, "max_size": 10, "timeout": 10}
    assert config["CONN_MAX_AGE"] == 0  # Django refuses persistent connections with a pool
    monkeypatch.setenv("DATABASE_POOL_MAX_SIZE", "4")
    monkeypatch.setenv("DATABASE_POOL_TIMEOUT", "3")
    assert database_config(tmp_path)["OPTIONS"]["pool"] == {"min_size": 2, "max_size": 4,
                                                            "timeout": 3}
    monkeypatch.setenv("DATABASE_POOL_MAX_SIZE", "0")  # off: a connection per request again
    monkeypatch.setenv("DATABASE_CONN_MAX_AGE", "60")  # ... or persistent ones
    config = database_config(tmp_path)
    assert "pool" not in config.get("OPTIONS", {}) and config["CONN_MAX_AGE"] == 60
    monkeypatch.delenv("DATABASE_URL")
    monkeypatch.setenv("DATABASE_POOL_MAX_SIZE", "4")
    assert "pool" not in database_config(tmp_path)["OPTIONS"]  # SQLite has no pool


@pytest.mark.parametrize(("env", "says"), [
    ({"DATABASE_POOL_MAX_SIZE": "many"}, "DATABASE_POOL_MAX_SIZE='many': expected a whole number"),
    ({"DATABASE_POOL_MAX_SIZE": "2", "DATABASE_POOL_MIN_SIZE": "5"},
     "DATABASE_POOL_MIN_SIZE=5 is above DATABASE_POOL_MAX_SIZE=2"),
    ({"DATABASE_POOL_TIMEOUT": "0"}, "DATABASE_POOL_TIMEOUT='0': must be at least 1"),
    ({"DATABASE_CONN_MAX_AGE": "60"}, "DATABASE_CONN_MAX_AGE=60 cannot be combined with the "
                                      "connection pool"),
])
def test_a_pool_setting_that_cannot_work_stops_the_start_naming_it(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, env: dict[str, str], says: str) -> None:
    from django.core.exceptions import ImproperlyConfigured

    from shelfcast.server.settings.env import database_config

    monkeypatch.setenv("DATABASE_URL", "postgres://app:pw@db.example:5432/shelf")
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(ImproperlyConfigured, match=says.replace("(", r"\(").replace(")", r"\)")):
        database_config(tmp_path)


@pytest.mark.postgres
def test_the_pool_reuses_a_few_connections_for_many_threads(postgres_server, django_db_blocker) -> None:  # type: ignore[no-untyped-def]
    """Django's pool with the settings env.py builds, on the suite's real PostgreSQL: forty
    threads, each a request that opens its connection and gives it back, share at most
    ``max_size`` server connections (without the pool each would open its own)."""
    import threading

    from django.db.utils import ConnectionHandler

    url = postgres_server.create_database()
    environ = {"DATABASE_URL": url, "DATABASE_POOL_MAX_SIZE": "3", "DATABASE_POOL_MIN_SIZE": "1"}
    old = {k: os.environ.get(k) for k in environ}
    os.environ.update(environ)
    try:
        from shelfcast.server.settings.env import database_config

        config = database_config(Path("."))
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    handler = ConnectionHandler({"default": {"ENGINE": "django.db.backends.sqlite3",
                                             "NAME": ":memory:"}, "pooled": config})
    backends: set[int] = set()
    errors: list[BaseException] = []

    def request() -> None:
        try:
            conn = handler["pooled"]
            with conn.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                backends.add(cursor.fetchone()[0])
            conn.close()  # what Django does at the end of each request: back to the pool
        except BaseException as exc:  # noqa: BLE001  (reported below, not swallowed)
            errors.append(exc)

    threads = [threading.Thread(target=request) for _ in range(40)]
    with django_db_blocker.unblock():  # a database of its own, not the test database
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    try:
        assert not errors, errors
        assert 1 <= len(backends) <= 3
    finally:
        with django_db_blocker.unblock():
            handler["pooled"].close_pool()
