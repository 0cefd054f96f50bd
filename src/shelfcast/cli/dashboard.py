"""``shelfcast dashboard [--port 8501]``: the Streamlit app, a client of the API over HTTP."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import typer

from shelfcast.cli._common import console, handle_errors
from shelfcast.errors import ConfigurationError

__all__ = ["register", "dashboard_command", "streamlit_args"]


def register(app: typer.Typer) -> None:
    app.command("dashboard")(dashboard_command)


def streamlit_args(*, port: int, host: str) -> list[str]:
    """The ``streamlit run`` command line for the app: headless, no usage statistics, through
    ``shelfcast.dashboard.streamlit_main`` (Streamlit with the pages' libraries imported first).

    Static serving on: the dashboard's folder ``static`` holds the plotly.js it draws its
    figures with (``shelfcast.dashboard.charts``). No file watcher and no forced garbage
    collection after each script run: an installed app's sources do not change while it
    serves, and after every run (each Live refresh too) these cost about 0.5 s and 0.17 s of
    CPU in the process that sends the page to the browser, before the run's end reached it
    (docs/dashboard.md, "Render times")."""
    import shelfcast.dashboard

    entry = Path(shelfcast.dashboard.__file__).parent / "app.py"
    return [sys.executable, "-m", "shelfcast.dashboard.streamlit_main", "run", str(entry),
            "--server.port", str(port), "--server.address", host,
            "--server.headless", "true", "--browser.gatherUsageStats", "false",
            "--client.toolbarMode", "minimal", "--server.enableStaticServing", "true",
            "--server.fileWatcherType", "none", "--runner.postScriptGC", "false"]


@handle_errors
def dashboard_command(
    port: int = typer.Option(8501, "--port", min=1, max=65535, help="Port to listen on."),
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on."),
    api_url: str | None = typer.Option(
        None, "--api-url", help="The API's base URL (default: SHELFCAST_API_URL, else "
                                "http://127.0.0.1:8000)."),
) -> None:
    """Serve the Streamlit dashboard until stopped (Ctrl-C).

    It reads the API at SHELFCAST_API_URL with the token in SHELFCAST_TOKEN (a viewer's is
    enough: `shelfcast token create --role viewer --name dashboard`).

    Example:

        SHELFCAST_TOKEN=$(shelfcast token create --role viewer --name dash) shelfcast dashboard
    """
    try:
        import plotly  # noqa: F401
        import streamlit  # noqa: F401
    except ImportError as exc:
        raise ConfigurationError(
            f"the dashboard needs the 'dashboard' extra ({exc.name} is missing): "
            "pip install 'shelfcast[dashboard]'") from exc
    env = dict(os.environ)
    if api_url:
        env["SHELFCAST_API_URL"] = api_url
    if not env.get("SHELFCAST_TOKEN"):
        console.print("[yellow]SHELFCAST_TOKEN is not set: the API will refuse the reads "
                      "(shelfcast token create --role viewer --name dashboard)[/]")
    console.print(f"shelfcast dashboard on http://{host}:{port}/ (API: "
                  f"{env.get('SHELFCAST_API_URL') or 'http://127.0.0.1:8000'})",
                  highlight=False, soft_wrap=True)
    args = streamlit_args(port=port, host=host)
    sys.stdout.flush()
    sys.stderr.flush()
    # Streamlit replaces this process, so a signal to it (Ctrl-C, a supervisor's SIGTERM)
    # stops the server itself and leaves no child behind.
    os.execve(args[0], args, env)
