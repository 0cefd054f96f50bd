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
