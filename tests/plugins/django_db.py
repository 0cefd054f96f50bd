"""The Django test database, on SQLite AND on the suite's real PostgreSQL.

pytest-django's ``django_db_setup`` is overridden by a session fixture parametrized with
``sqlite`` and ``postgres``: every test that uses the database (through the ``db`` or
``transactional_db`` fixtures, named in its arguments) runs once on each. pytest groups the
tests by the parameter, so each database is set up once per session. The PostgreSQL one is
the ``postgres_url`` server of ``tests/plugins/postgres.py``.

Tests ask for the database through fixtures, not the ``django_db`` mark: the mark's
dynamic look-up cannot reach a parametrized fixture.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import contextlib
import pytest

__all__ = ["DB_BACKENDS", "django_db_setup", "db_backend", "django_database_config"]

DB_BACKENDS = ["sqlite", "postgres"]


def django_database_config(url: str) -> dict[str, Any]:
    """``DATABASES["default"]`` for a SQLAlchemy or Django database URL."""
    import dj_database_url

    scheme, _, rest = url.partition("://")
    return dj_database_url.parse(f"{scheme.split('+', 1)[0]}://{rest}")


def _use_database(config: dict[str, Any]) -> None:
    """Point Django's ``default`` connection at another database, for this process."""
    from django.conf import settings
    from django.db import connections

    connections["default"].close()
    settings.DATABASES["default"] = config
    connections._settings = None  # type: ignore[attr-defined]
    connections.__dict__.pop("settings", None)  # a cached_property: read DATABASES again
    with contextlib.suppress(AttributeError):  # no connection was opened yet
        del connections["default"]


@pytest.fixture(scope="session", params=DB_BACKENDS)
def django_db_setup(
    request: pytest.FixtureRequest, django_test_environment: None, django_db_blocker: Any
) -> Iterator[str]:
    from django.test.utils import setup_databases, teardown_databases

    if request.param == "postgres":
        config = django_database_config(request.getfixturevalue("postgres_url"))
    else:
        config = {"ENGINE": "django.db.backends.sqlite3", "NAME": ":memory:"}
    _use_database(config)
    with django_db_blocker.unblock():
        old = setup_databases(verbosity=0, interactive=False, keepdb=False)
    try:
        yield request.param
    finally:
        with django_db_blocker.unblock():
            teardown_databases(old, verbosity=0)


@pytest.fixture
def db_backend(django_db_setup: str) -> str:
    """``"sqlite"`` or ``"postgres"``: the database this run of the test uses."""
    return django_db_setup
