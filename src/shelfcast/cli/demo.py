"""``shelfcast demo``: the whole system on the embedded defaults, from nothing.

It generates the sample chain into the workspace (once), validates it, summarises it,
forecasts the next weeks, loads it into the database, and starts the API and the
dashboard as separate processes, until Ctrl-C. ``--smoke`` does the same on a tiny
chain and free ports, checks each part answers, and exits.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import typer
from rich.table import Table

from shelfcast.cli._common import console, handle_errors, settings_from_env
from shelfcast.cli.system import System, free_port
from shelfcast.cli.system import run as system_run
from shelfcast.data.dataset import Dataset
from shelfcast.data.schema import DATE, ITEM, SALES, STORE
from shelfcast.data.tables import write_table
from shelfcast.errors import ShelfcastError

__all__ = ["register", "demo"]

SAMPLE = {"stores": 4, "items": 40, "days": 730, "seed": 0}
SMOKE_SAMPLE = {"stores": 2, "items": 10, "days": 200, "seed": 0}


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)


@handle_errors
def demo(
    smoke: bool = typer.Option(
        False, "--smoke", help="Use a tiny chain, check each part answers, and exit 0."
    ),
) -> None:
    """Bring shelfcast up on the embedded defaults: sample chain, validation, a first forecast.

    Example:

        shelfcast demo            # what `make demo` runs
        shelfcast demo --smoke    # CI: check each part, exit 0
    """
    from shelfcast.data.generate import generate_chain, write_chain
    from shelfcast.data.load import load_dataset

    settings = settings_from_env()
    sample = SMOKE_SAMPLE if smoke else SAMPLE
    folder = settings.home / ("sample-smoke" if smoke else "sample")
    if not (folder / "sales.parquet").exists():
        console.print(f"Generating the sample chain into [bold]{folder}[/] ...")
        write_chain(generate_chain(**sample), folder)
    dataset = load_dataset(folder, settings=settings)
    _print_summary(dataset, folder)
    forecast = _first_forecast(dataset, horizon=7 if smoke else settings.horizon_days)
    out = settings.home / "forecasts" / ("demo-smoke.csv" if smoke else "demo.csv")
    write_table(forecast, out)
    console.print(f"\nA first forecast ({forecast.height:,} rows) is in [bold]{out}[/]:")
    console.print(_table(forecast.select(DATE, STORE, ITEM, "forecast", "q10", "q50", "q90").head(8)))
    if smoke:
        _check_forecast(forecast, dataset)
    _serve(folder, settings_home=settings.home, smoke=smoke)


def _serve(folder: Path, *, settings_home: Path, smoke: bool) -> None:
    """Load the sample into the database, start the API and the dashboard, and wait."""
    console.print(f"\nLoading {folder} into the database ...")
    system_run("load", str(folder))
    token = system_run("token", "create", "--role", "admin", "--name", "demo").strip()
    system = System(
        api_port=free_port() if smoke else 8000,
        dashboard_port=free_port() if smoke else 8501,
        token=token,
        log_dir=settings_home / "logs",
    )
    try:
        with console.status("Starting the API and the dashboard ..."):
            system.start()
        if smoke:
            _check_system(system)
            console.print("[green]smoke: every part answered[/]")
            return
        console.print(
            f"\n[bold]shelfcast is up[/]\n"
            f"  API        {system.api_url}/api/  (docs: {system.api_url}/api/docs/)\n"
            f"  dashboard  {system.dashboard_url}/\n"
            f"  token      {token}  (role admin; send it as 'Authorization: Token <key>')\n"
            f"  logs       {system.log_dir}\n"
            "Press Ctrl-C to stop.",
            highlight=False, soft_wrap=True,
        )
        system.wait()
    except KeyboardInterrupt:
        console.print("\nstopping ...")
    finally:
        system.stop()


def _check_system(system: System) -> None:
    """The smoke check of the running parts: the API serves the loaded sales with a token."""
    answer = system.get("/api/sales/?page_size=1")
    if answer.status_code != 200 or not answer.json().get("count"):
        raise ShelfcastError(
            f"smoke: GET /api/sales/ answered {answer.status_code}: {answer.text[:300]}"
        )


def _print_summary(dataset: Dataset, folder: Path) -> None:
    sales = dataset.sales
    series = sales.select(STORE, ITEM).unique().height
    console.print(
        f"Dataset [bold]{folder}[/]: {sales.height:,} sales rows, {series:,} series, "
        f"{sales[STORE].n_unique()} stores, {dataset.first_date} to {dataset.last_date}"
    )
    console.print("Tables: " + ", ".join(f"{k} ({v:,} rows)" for k, v in dataset.report.tables.items()))
    warnings = dataset.report.warnings
    console.print(f"Validation: no errors, {len(warnings)} warning(s)")
    for issue in warnings[:5]:
        console.print(f"  [yellow]warning[/] {issue}")
    by_store = (
        sales.group_by(STORE)
        .agg(pl.col(SALES).sum().alias("units"), pl.col(DATE).max().alias("last day"))
        .sort(STORE)
    )
    console.print(_table(by_store))


def _first_forecast(dataset: Dataset, *, horizon: int) -> pl.DataFrame:
    from shelfcast.forecast import Forecaster

    with console.status("Training the forecaster on the sample chain ..."):
        model = Forecaster().fit(dataset)
    return model.predict(dataset.future, horizon=horizon)


def _check_forecast(forecast: pl.DataFrame, dataset: Dataset) -> None:
    """The smoke check: one row per future row of the first week, nothing negative."""
    assert dataset.future is not None  # the generator always writes `future`
    first_week = dataset.future.filter(pl.col(DATE) < pl.col(DATE).min() + pl.duration(days=7))
    if forecast.height != first_week.height:
        raise ShelfcastError(
            f"smoke: the forecast has {forecast.height} rows, expected {first_week.height}"
        )
    if forecast["forecast"].min() < 0:  # type: ignore[operator]
        raise ShelfcastError("smoke: the forecast has negative values")


def _table(df: pl.DataFrame) -> Table:
    table = Table(*df.columns, show_lines=False)
    for row in df.iter_rows():
        table.add_row(*(f"{v:,.2f}" if isinstance(v, float) else str(v) for v in row))
    return table
