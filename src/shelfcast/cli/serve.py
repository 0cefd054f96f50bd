"""``shelfcast serve``: the API (REST and WebSockets) on one ASGI server, uvicorn.

Pending database migrations are applied first (``--no-migrate`` to skip). Each process
serves HTTP and WebSockets (Channels) with ``serve_app.application``: requests on a fixed set
of reused threads, the live model loaded before the first request. For more REST throughput
run several workers (``--workers``; production runs 2) with a Redis channel layer
(``REDIS_URL``) so WebSocket events reach every worker, or put the REST API under gunicorn
(``gunicorn shelfcast.server.wsgi``) beside it.
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
    # serve_app: the project's ASGI application, with the live model loaded at start.
    uvicorn.run("shelfcast.cli.serve_app:application", host=host, port=port, workers=workers,
                log_level=log_level, lifespan="off", proxy_headers=True,
                access_log=False,  # shelfcast.request logs every request already
                # Live events are small JSON frames, thousands a second: compressing each
                # (permessage-deflate, which clients offer) cost the event loop more than
                # it saved (a profile of the live-latency bench).
                ws_per_message_deflate=False)
