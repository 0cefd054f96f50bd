"""The one entry point, ``shelfcast``: a thin layer over the library, one module per verb.

Each command module defines ``register(app)``; adding a command is one line in
``COMMAND_MODULES``.
"""

from __future__ import annotations

import importlib

import typer

from shelfcast import __version__

__all__ = ["app", "main"]

COMMAND_MODULES: tuple[str, ...] = (
    "shelfcast.cli.demo",
    "shelfcast.cli.generate",
    "shelfcast.cli.validate",
    "shelfcast.cli.ingest",
    "shelfcast.cli.backtest",
    "shelfcast.cli.replenish",
    "shelfcast.cli.simulate_policy",
    "shelfcast.cli.forecast",
    "shelfcast.cli.train",
    "shelfcast.cli.serve",
    "shelfcast.cli.token",
    "shelfcast.cli.load",
    "shelfcast.cli.models",
    "shelfcast.cli.worker",
    "shelfcast.cli.dashboard",
    "shelfcast.cli.simulate",
    "shelfcast.cli.run_daily",
)

app = typer.Typer(
    name="shelfcast",
    help="Sales forecasting and replenishment for supermarket chains.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"shelfcast {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    ctx: typer.Context,
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    """Sales forecasting and replenishment for supermarket chains."""
    _logs(ctx.invoked_subcommand)


def _logs(command: str | None) -> None:
    """Logs as LOG_FORMAT says (json or text), warnings and up unless LOG_LEVEL says
    otherwise: a command speaks through its output; the server configures its own."""
    import os

    from shelfcast.logs import configure_logging, process_context

    try:
        configure_logging(level=os.environ.get("LOG_LEVEL") or "WARNING")
    except ValueError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(code=1) from None
    process_context(command=command)


for _name in COMMAND_MODULES:
    importlib.import_module(_name).register(app)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
