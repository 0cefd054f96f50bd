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
    "shelfcast.cli.dashboard",
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
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Show the version and exit."
    ),
) -> None:
    """Sales forecasting and replenishment for supermarket chains."""


for _name in COMMAND_MODULES:
    importlib.import_module(_name).register(app)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
