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
    """Load a dataset folder into the server's database, then publish forecasts, order
    proposals and alerts made with the live model (one is trained first if none exists).

    The folder is validated first (as `shelfcast validate`); nothing is written when it has
    errors. Rows already in the database for the same keys are replaced, so loading the
    same folder twice leaves what loading it once does. The database is DATABASE_URL, or
    SQLite in SHELFCAST_HOME; pending migrations are applied first. The folder becomes the
    current data that run jobs (POST /api/runs/) work on.

    Example:

        shelfcast generate data/demo && shelfcast load data/demo
    """
    from shelfcast.data.load import load_dataset

    dataset = load_dataset(data_dir, settings=settings_from_env())
    import shelfcast.server as server

    server.setup()
    server.migrate()
    from shelfcast.server.jobs import pipeline

    with console.status("Forecasting and replenishing with the live model ..."):
        version = pipeline.live_or_trained(
            dataset, source=str(data_dir),
            on_trained=lambda v: console.print(f"trained a first model, version {v}"))
        outputs = pipeline.forecast_and_replenish(dataset, version)
    counts = pipeline.publish(dataset, outputs)
    pipeline.remember_dataset_dir(data_dir)
    console.print(
        f"loaded {data_dir}: {counts['stores']} stores, {counts['items']} items, "
        f"{counts['sales_rows']} daily sales rows, {counts['inventory_rows']} inventory rows; "
        f"published {counts['forecasts']} forecasts, {counts['orders']} order proposals and "
        f"{counts['alerts']} alerts (model {counts['model_version']})",
        highlight=False, soft_wrap=True,
    )
