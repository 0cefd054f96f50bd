"""The one place that reads the environment for the Django settings.

Every value the server takes from the environment is read here, typed, with its default;
a value that cannot be parsed stops the start with ``ImproperlyConfigured`` naming the
variable. ``base``/``local``/``production``/``test`` import from here and nowhere else.

| variable | default | meaning |
|---|---|---|
| ``SHELFCAST_HOME`` | ``./var`` | workspace (SQLite database, static files, models) |
| ``DATABASE_URL`` | SQLite at ``$SHELFCAST_HOME/shelfcast.sqlite3`` | ``postgres://user:pw@host:5432/db``; a SQLAlchemy URL (``postgresql+psycopg://``) works too |
| ``DATABASE_POOL_MAX_SIZE`` | ``10`` | PostgreSQL: most pooled connections of one server process (``psycopg_pool``); ``0`` turns the pool off |
| ``DATABASE_POOL_MIN_SIZE`` | ``2`` | PostgreSQL: connections the pool keeps open when idle |
| ``DATABASE_POOL_TIMEOUT`` | ``10`` | PostgreSQL: seconds a request waits for a pooled connection before it fails |
| ``DATABASE_CONN_MAX_AGE`` | ``0`` | seconds a connection is kept when the pool is off (with the pool: must stay 0) |
| ``SHELFCAST_REQUEST_THREADS`` | ``8`` | threads running requests in one ``shelfcast serve`` process; more requests wait their turn |
| ``SHELFCAST_REQUEST_QUEUE`` | ``100`` | requests of one process that may wait for a thread; more are answered 503 with ``Retry-After: 1`` at once |
| ``SHELFCAST_TOKEN_CACHE_SECONDS`` | ``5`` | how long a server process remembers an active token; a revocation by bulk ``UPDATE`` or from another process takes effect within it (0: look up every request) |
| ``SECRET_KEY`` | a development key (refused by production) | Django's signing key |
| ``DEBUG`` | off | Django's debug mode (refused by production) |
| ``ALLOWED_HOSTS`` | ``localhost,127.0.0.1,[::1]`` | comma-separated host names |
| ``TIME_ZONE`` / ``SHELFCAST_TIME_ZONE`` | ``UTC`` | the chain's time zone: the business day |
| ``METRICS_ALLOWED_CIDRS`` | (none) | networks that may read ``/metrics`` without a token (loopback always may) |
| ``CHANNEL_LAYER_URL`` / ``REDIS_URL`` | in-memory layer | Redis for Channels across processes |
| ``SHELFCAST_MAX_BODY_BYTES`` | 10 MiB | largest JSON body (413 above) |
| ``SHELFCAST_MAX_UPLOAD_BYTES`` | 512 MiB | largest upload body (``/api/uploads/``) |
| ``SHELFCAST_MAX_TRANSACTIONS`` | 10000 | most lines in one ``POST /api/transactions/`` |
| ``SHELFCAST_THROTTLE_<ROLE>`` | see ``THROTTLE_DEFAULTS`` | rate per token of that role, e.g. ``600/min``; ``ANON`` for no token |
| ``SECURE_SSL_REDIRECT``, ``SECURE_PROXY_SSL_HEADER``, ``SECURE_HSTS_SECONDS`` | on, none, 1 year | production's HTTPS settings |
| ``LOG_LEVEL`` | ``INFO`` | |
| ``LOG_FORMAT`` | ``text`` | ``json``: one JSON object a line (``shelfcast.logs``); ``text`` for a terminal |
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.core.exceptions import ImproperlyConfigured

from shelfcast.config import Settings
from shelfcast.errors import ShelfcastError

__all__ = [
    "INSECURE_SECRET_KEY", "THROTTLE_DEFAULTS", "ROLES", "core_settings", "env_str", "env_bool",
    "env_int", "env_list", "database_config", "database_pool_options", "channel_layers_config",
    "throttle_rates",
]

INSECURE_SECRET_KEY = "django-insecure-shelfcast-development-key-do-not-use-in-production"
"""The development key; production refuses it (and Django's deploy check flags its prefix)."""

ROLES: tuple[str, ...] = ("viewer", "till", "analyst", "admin")
THROTTLE_DEFAULTS: dict[str, str] = {
    "anon": "120/min",
    "viewer": "1200/min",
    "till": "6000/min",
    "analyst": "1200/min",
    "admin": "6000/min",
}

_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str | None = None) -> str | None:
    value = os.environ.get(name)
    return default if value is None else value


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    lowered = value.strip().lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ImproperlyConfigured(f"{name}={value!r}: expected one of 1/0, true/false, yes/no, on/off")


def env_int(name: str, default: int, *, minimum: int = 0) -> int:
    value = os.environ.get(name)
    if value is None or not value.strip():
        return default
    try:
        number = int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r}: expected a whole number") from None
    if number < minimum:
        raise ImproperlyConfigured(f"{name}={value!r}: must be at least {minimum}")
    return number


def env_list(name: str, default: list[str]) -> list[str]:
    value = os.environ.get(name)
    if value is None:
        return list(default)
    return [part.strip() for part in value.split(",") if part.strip()]


def core_settings() -> Settings:
    """The core's settings (workspace, time zone...) from the same environment."""
    try:
        return Settings.from_env()
    except ShelfcastError as exc:
        raise ImproperlyConfigured(exc.message) from exc


def database_config(home: Path) -> dict[str, Any]:
    """``DATABASES["default"]`` from ``DATABASE_URL``, else SQLite in the workspace."""
    import dj_database_url

    url = os.environ.get("DATABASE_URL", "").strip()
    if not url:
        url = f"sqlite:///{(home / 'shelfcast.sqlite3').resolve()}"
    # SQLAlchemy spells the driver into the scheme; Django picks its own.
    scheme, sep, rest = url.partition("://")
    if sep and "+" in scheme:
        url = f"{scheme.split('+', 1)[0]}://{rest}"
    try:
        config = dj_database_url.parse(url, conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 0))
    except Exception as exc:  # dj-database-url raises several kinds for a bad URL
        raise ImproperlyConfigured(f"DATABASE_URL is not a database URL Django knows: {exc}") from exc
    if config["ENGINE"] == "django.db.backends.postgresql":
        pool = database_pool_options()
        if pool is not None:
            if config.get("CONN_MAX_AGE"):
                raise ImproperlyConfigured(
                    f"DATABASE_CONN_MAX_AGE={config['CONN_MAX_AGE']} cannot be combined with the "
                    "connection pool: set DATABASE_POOL_MAX_SIZE=0 for persistent connections "
                    "instead, or leave DATABASE_CONN_MAX_AGE unset")
            config.setdefault("OPTIONS", {})["pool"] = pool
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # WAL lets readers go on while one writer writes; IMMEDIATE takes the write lock at
        # BEGIN, so two writers queue instead of failing half-way ("database is locked").
        config["OPTIONS"] = {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 30,
        }
    return config


def database_pool_options() -> dict[str, Any] | None:
    """psycopg's connection pool for PostgreSQL (Django 5.1+ ``OPTIONS["pool"]``), or None
    when ``DATABASE_POOL_MAX_SIZE=0``.

    Under ASGI every synchronous request runs in a thread of its own, with a connection of
    its own: without a pool each request opens one (a few ms) and a backlog opens as many as
    there are requests in flight, past PostgreSQL's ``max_connections``. The pool reuses at
    most ``max_size`` connections per process; a request beyond them waits up to ``timeout``
    seconds for one, then fails with a 500 in the error shape."""
    max_size = env_int("DATABASE_POOL_MAX_SIZE", 10)
    if max_size == 0:
        return None
    min_size = env_int("DATABASE_POOL_MIN_SIZE", min(2, max_size))
    if min_size > max_size:
        raise ImproperlyConfigured(
            f"DATABASE_POOL_MIN_SIZE={min_size} is above DATABASE_POOL_MAX_SIZE={max_size}: "
            "the pool's idle size must be at most its largest size")
    timeout = env_int("DATABASE_POOL_TIMEOUT", 10, minimum=1)
    try:
        import psycopg_pool  # noqa: F401  (Django imports it only at the first connection)
    except ImportError:
        raise ImproperlyConfigured(
            "DATABASE_POOL_MAX_SIZE asks for a connection pool but psycopg-pool is not "
            "installed: pip install 'psycopg[pool]' (the server extra has it), or set "
            "DATABASE_POOL_MAX_SIZE=0") from None
    return {"min_size": min_size, "max_size": max_size, "timeout": timeout}


def channel_layers_config() -> dict[str, Any]:
    """Redis when ``CHANNEL_LAYER_URL`` or ``REDIS_URL`` is set, else in-process memory."""
    url = os.environ.get("CHANNEL_LAYER_URL") or os.environ.get("REDIS_URL")
    if url:
        return {"default": {"BACKEND": "channels_redis.core.RedisChannelLayer",
                            "CONFIG": {"hosts": [url]}}}
    return {"default": {"BACKEND": "channels.layers.InMemoryChannelLayer"}}


def throttle_rates() -> dict[str, str]:
    rates = {}
    for role, default in THROTTLE_DEFAULTS.items():
        name = f"SHELFCAST_THROTTLE_{role.upper()}"
        value = env_str(name, default) or default
        number, _, period = value.partition("/")
        if not number.isdigit() or not period or period[0] not in "smhd":
            raise ImproperlyConfigured(f"{name}={value!r}: expected a rate such as 600/min")
        rates[role] = value
    return rates
