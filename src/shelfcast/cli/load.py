"""``shelfcast load DATA_DIR``: a dataset folder into the server's database."""

from __future__ import annotations

from pathlib import Path

import typer

from shelfcast.cli._common import console, handle_errors, settings_from_env

__all__ = ["register", "load_command"]


def register(app: typer.Typer) -> None:
    app.command("load")(load_command)


@handle_errors
def load_command(
    data_dir: Path = typer.Argument(..., metavar="DATA_DIR", help="The dataset folder to load."),
) -> None:
    """Load a dataset folder into the server's database: stores, items (with category),
    daily sales and inventory snapshots.

    The folder is validated first (as `shelfcast validate`); nothing is written when it has
    errors. Rows already in the database for the same keys are replaced. The database is
    DATABASE_URL, or SQLite in SHELFCAST_HOME; pending migrations are applied first.

    Example:

        shelfcast generate data/demo && shelfcast load data/demo
    """
    from shelfcast.data.load import load_dataset

    dataset = load_dataset(data_dir, settings=settings_from_env())
    import shelfcast.server as server

    server.setup()
    server.migrate()
    from shelfcast.server.jobs.services import dataset_load

    result = dataset_load(dataset=dataset)
    console.print(
        f"loaded {data_dir}: {result.stores} stores, {result.items} items, "
        f"{result.sales_rows} daily sales rows, {result.inventory_rows} inventory rows",
        highlight=False, soft_wrap=True,
    )
