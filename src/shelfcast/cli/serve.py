"""``shelfcast serve``: the API (REST and WebSockets) on one ASGI server, uvicorn.

Pending database migrations are applied first (``--no-migrate`` to skip). One process
serves HTTP and WebSockets (Channels); for more REST throughput run several workers
(``--workers``) with a Redis channel layer (``REDIS_URL``) so WebSocket events reach every
worker, or put the REST API under gunicorn (``gunicorn shelfcast.server.wsgi``) beside it.
"""

from __future__ import annotations

import typer

from shelfcast.cli._common import console, handle_errors

__all__ = ["register", "serve_command"]


def register(app: typer.Typer) -> None:
    app.command("serve")(serve_command)


@handle_errors
def serve_command(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    port: int = typer.Option(8000, "--port", min=1, max=65535, help="Port to listen on."),
    workers: int = typer.Option(1, "--workers", min=1, help="Server processes."),
    migrate: bool = typer.Option(True, "--migrate/--no-migrate",
                                 help="Apply pending database migrations first."),
    log_level: str = typer.Option("info", "--log-level", help="uvicorn's log level."),
) -> None:
    """Serve the HTTP API and WebSockets until stopped (Ctrl-C).

    The database is DATABASE_URL, or SQLite in SHELFCAST_HOME; settings are
    DJANGO_SETTINGS_MODULE (default shelfcast.server.settings.local).

    Example:

        shelfcast serve --port 8000

        DATABASE_URL=postgres://app@db/shelfcast shelfcast serve --host 0.0.0.0
    """
    import shelfcast.server as server

    server.setup()
    if migrate:
        applied = server.migrate(verbosity=0)
        if applied:
            console.print(f"applied {applied} database migration(s)", highlight=False)
    import uvicorn

    console.print(f"shelfcast API on http://{host}:{port}/api/ (docs: /api/docs/)",
                  highlight=False, soft_wrap=True)
    uvicorn.run("shelfcast.server.asgi:application", host=host, port=port, workers=workers,
                log_level=log_level, lifespan="off", proxy_headers=True)
