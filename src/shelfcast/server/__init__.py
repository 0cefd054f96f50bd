"""The Django project: the REST API and WebSockets over the core (DESIGN.md, INTERFACES.md).

Thin over the core: apps hold models, ``services`` (writes), ``selectors`` (reads) and
``apis`` (one view per operation). The core never imports anything from here.

``setup()`` configures Django for a command-line process (``shelfcast serve``, ``token``,
``load``): the settings module is ``DJANGO_SETTINGS_MODULE``, by default
``shelfcast.server.settings.local``.
"""

from __future__ import annotations

import os

from shelfcast.errors import ConfigurationError

__all__ = ["DEFAULT_SETTINGS_MODULE", "setup", "migrate", "ensure_workspace"]

DEFAULT_SETTINGS_MODULE = "shelfcast.server.settings.local"


def ensure_workspace() -> None:
    """Create the workspace folder (SHELFCAST_HOME), where the SQLite database lives."""
    from shelfcast.config import Settings

    try:
        Settings.from_env().home.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigurationError(f"cannot create the workspace folder: {exc}") from exc


def setup() -> None:
    """Configure Django once for this process (idempotent).

    Raises ``ConfigurationError`` when the ``server`` extra is not installed or a setting is
    wrong (the CLI prints it and exits 1).
    """
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", DEFAULT_SETTINGS_MODULE)
    try:
        import django
        import rest_framework  # noqa: F401
    except ImportError as exc:
        raise ConfigurationError(
            f"the server needs the 'server' extra ({exc.name} is missing): "
            "pip install 'shelfcast[server]'"
        ) from exc
    from django.core.exceptions import ImproperlyConfigured
    from django.apps import apps

    if not apps.ready:
        ensure_workspace()
        try:
            django.setup()
        except ImproperlyConfigured as exc:
            raise ConfigurationError(f"server settings: {exc}") from exc


def migrate(*, verbosity: int = 0) -> int:
    """Apply pending database migrations; returns how many were applied (0: none pending)."""
    setup()
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    pending = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if pending:
        call_command("migrate", interactive=False, verbosity=verbosity)
    return len(pending)
