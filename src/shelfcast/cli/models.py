"""``shelfcast models list|promote|register``: the server's model registry, from the shell."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from shelfcast.cli._common import console, handle_errors

__all__ = ["register", "models_app"]

models_app = typer.Typer(help="Model versions of the server: list, promote, register.",
                         no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(models_app, name="models")


def _server() -> None:
    import shelfcast.server as server

    server.setup()
    server.migrate()


@models_app.command("list")
@handle_errors
def models_list_command() -> None:
    """The registered model versions, newest first: data range, metrics, which one is live.

    The database is DATABASE_URL, or SQLite in SHELFCAST_HOME (as `shelfcast serve`).

    Example:

        shelfcast models list
    """
    _server()
    from shelfcast.server.forecasts.selectors import model_version_list

    rows = list(model_version_list())
    if not rows:
        console.print("no model versions registered (train one: `shelfcast load DATA_DIR` "
                      "or POST /api/models/train/)", highlight=False, soft_wrap=True)
        return
    table = Table("version", "live", "data", "series", "metrics", "promoted")
    table.columns[0].no_wrap = True  # a version is copied from here: never cut
    table.columns[2].no_wrap = True
    for r in rows:
        data = (r.metadata or {}).get("data") or {}
        metrics = ", ".join(f"{k} {v:.3g}" if isinstance(v, int | float) else f"{k} {v}"
                            for k, v in list((r.metrics or {}).items())[:4])
        table.add_row(r.version, "yes" if r.is_live else "",
                      f"{data.get('first_date', '?')} .. {data.get('last_date', '?')}",
                      str(data.get("series", "")), metrics or "-",
                      r.promoted_at.strftime("%Y-%m-%d %H:%M") if r.promoted_at else "")
    console.print(table)


@models_app.command("promote")
@handle_errors
def models_promote_command(
    version: str = typer.Argument(..., metavar="VERSION", help="A version of `shelfcast models list`."),
) -> None:
    """Make VERSION the live model (the one /api/predict/ answers with). Promoting an older
    version is the rollback. Running servers notice within a second.

    Example:

        shelfcast models promote 20261123T190102Z-a1b2c3
    """
    _server()
    from shelfcast.server.forecasts.services import model_version_promote

    row = model_version_promote(version=version)
    console.print(f"{row.version} is live", highlight=False)


@models_app.command("register")
@handle_errors
def models_register_command(
    path: Path = typer.Argument(..., metavar="VERSION_DIR",
                                help="A version folder DIR/<version>/ of `shelfcast train`."),
    promote: bool = typer.Option(False, "--promote", help="Make it live at once."),
) -> None:
    """Record a trained version folder in the server's registry (live at once when no version
    is live yet, or with --promote).

    Example:

        shelfcast train data/demo --model-dir var/models
        shelfcast models register var/models/20261123T190102Z-a1b2c3 --promote
    """
    _server()
    from shelfcast.server.forecasts.services import model_version_promote, model_version_register

    row = model_version_register(path=path)
    if promote and not row.is_live:
        row = model_version_promote(version=row.version)
    console.print(f"registered {row.version}{' (live)' if row.is_live else ''}", highlight=False)


# `models compare` lives with model tracking (issue 8): shelfcast.cli.models_compare
from shelfcast.cli.models_compare import models_compare_command  # noqa: E402

models_app.command("compare")(models_compare_command)
