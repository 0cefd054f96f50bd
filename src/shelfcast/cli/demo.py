"""``shelfcast demo``: the whole system on the embedded defaults, from nothing.

Today the system is the core: it generates the sample chain into the workspace (once),
validates it, summarises it, and forecasts the next weeks. Later parts (server,
dashboard, simulator) join here as they land.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl
import typer
from rich.table import Table

from shelfcast.cli._common import console, handle_errors, settings_from_env
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
    console.print(_table(forecast.head(8)))
    if smoke:
        _check_forecast(forecast, dataset)
        console.print("[green]smoke: every part answered[/]")


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
