"""``shelfcast replenish``: order proposals and alerts from a dataset folder and a forecast."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import polars as pl
import typer

from shelfcast.cli._common import console, handle_errors, settings_from_env
from shelfcast.data.schema import DATE, FORECAST, ITEM, STORE
from shelfcast.data.tables import file_format, write_table
from shelfcast.errors import DataValidationError, ShelfcastError
from shelfcast.replenish.policies import Policy

__all__ = ["register", "replenish_command", "read_forecast"]

WRITABLE = ("csv", "parquet", "xlsx", "json")


def register(app: typer.Typer) -> None:
    app.command("replenish")(replenish_command)


def read_forecast(path: Path) -> pl.DataFrame:
    """A forecast file as shelfcast writes it (any of csv, parquet, xlsx, json), typed."""
    if not path.exists():
        raise ShelfcastError(f"--forecast {path}: no such file", details={"file": str(path)})
    fmt = file_format(path)
    try:
        if fmt in ("csv", "csv.gz"):
            df = pl.read_csv(path, try_parse_dates=True)
        elif fmt == "parquet":
            df = pl.read_parquet(path)
        elif fmt == "xlsx":
            df = pl.read_excel(path)
        elif fmt == "json":
            df = pl.read_json(path)
        else:
            df = pl.read_ndjson(path)
    except Exception as exc:  # a broken file is the user's to fix: say which and why
        raise ShelfcastError(f"--forecast {path.name}: cannot be read as {fmt} ({exc})") from exc
    missing = [c for c in (DATE, STORE, ITEM, FORECAST) if c not in df.columns]
    if missing:
        raise DataValidationError(
            f"{path.name}: missing column(s) {missing}; a forecast has date, store_id, item_id, "
            "forecast and quantile columns q10 ... q99",
            details={"file": path.name, "missing": missing},
        )
    try:
        return df.with_columns(
            pl.col(DATE).cast(pl.Date), pl.col(STORE).cast(pl.String), pl.col(ITEM).cast(pl.String)
        )
    except pl.exceptions.PolarsError as exc:
        raise DataValidationError(f"{path.name}: the date column is not YYYY-MM-DD dates") from exc


def _check_out(option: str, path: Path | None) -> None:
    if path is not None and file_format(path) not in WRITABLE:
        raise ShelfcastError(f"{option} {path}: write .csv, .parquet, .xlsx or .json")


@handle_errors
def replenish_command(
    data_dir: Annotated[Path, typer.Argument(help="The dataset folder (with an inventory table).")],
    out: Annotated[
        Path, typer.Option("--out", help="Order proposals file (.csv/.parquet/.xlsx/.json).")
    ],
    forecast: Annotated[
        Path | None, typer.Option(help="A forecast file; without it, shelfcast forecasts first.")
    ] = None,
    alerts: Annotated[Path | None, typer.Option(help="Write the alerts here too.")] = None,
    policy: Annotated[
        Policy, typer.Option(case_sensitive=False, help="RS: order-up-to; sQ / sS: reorder point.")
    ] = Policy.RS,
    service_level: Annotated[
        float | None,
        typer.Option(min=0.5, max=0.9999, help="Target where the inventory table has none."),
    ] = None,
    engine: Annotated[
        str, typer.Option(help="local (this machine) or spark (the spark extra; docs/spark.md).")
    ] = "local",
) -> None:
    """Propose orders (whole packs, minimum orders, shelf capacity, shelf life) and raise alerts.

    Stock starts from the folder's inventory table; demand from the forecast. The order for each
    store and item brings its position up to the service-level quantile of the demand until the
    next delivery after this one; the reason column says why.

    Example:

        shelfcast replenish data/ --out orders.csv --alerts alerts.csv
        shelfcast forecast data/ --out fc.parquet
        shelfcast replenish data/ --forecast fc.parquet --out orders.xlsx --policy sS
    """
    from shelfcast.data.load import load_dataset
    from shelfcast.replenish.proposals import propose

    if engine == "spark":
        from shelfcast.cli.spark_engine import replenish_on_spark

        return replenish_on_spark(data_dir, out, forecast, alerts, policy, service_level)
    if engine != "local":
        raise ShelfcastError(f"--engine {engine!r}: expected local or spark")
    _check_out("--out", out)
    _check_out("--alerts", alerts)
    settings = settings_from_env(service_level=service_level)
    dataset = load_dataset(data_dir, settings=settings)
    if dataset.inventory is None or dataset.inventory.height == 0:
        raise ShelfcastError(
            f"{data_dir}: no inventory table; replenishment starts from the stock on hand "
            "(add inventory.csv with store_id, item_id, on_hand; see DATA_FORMAT.md)",
            details={"folder": str(data_dir)},
        )
    if forecast is not None:
        fc = read_forecast(forecast)
    else:
        fc = _forecast_first(dataset, settings)
    proposals = propose(
        fc, dataset.inventory, settings=settings, as_of=dataset.last_date, sales=dataset.sales,
        future=dataset.future, events=dataset.events, items=dataset.items, policy=policy,
    )
    write_table(proposals.orders, out)
    if alerts is not None:
        write_table(proposals.alerts, alerts)
    orders = proposals.orders.filter(pl.col("quantity") > 0)
    kinds = proposals.alerts.group_by("kind").len().sort("kind").rows()
    console.print(
        f"{orders.height:,} order line(s), {orders['quantity'].sum():,.0f} units -> {out}"
        + (f"; {proposals.alerts.height:,} alert(s) -> {alerts}" if alerts else "")
    )
    if kinds:
        console.print("alerts: " + ", ".join(f"{k} {n:,}" for k, n in kinds), highlight=False)


def _forecast_first(dataset, settings) -> pl.DataFrame:  # type: ignore[no-untyped-def]
    """Fit the Forecaster on the folder and forecast the days replenishment needs."""
    try:
        from shelfcast.forecast.forecaster import Forecaster
    except ImportError as exc:  # pragma: no cover - the forecaster ships with the package
        raise ShelfcastError("the Forecaster is not available; pass --forecast FILE") from exc
    from shelfcast.replenish.inputs import with_item_attributes

    inv = with_item_attributes(dataset.inventory, dataset.items)
    lead = inv["lead_time_days"].max() if "lead_time_days" in inv.columns else None
    review = inv["review_period_days"].max() if "review_period_days" in inv.columns else None
    shelf = inv["shelf_life_days"].max() if "shelf_life_days" in inv.columns else None
    lead = int(lead if lead is not None else settings.lead_time_days)
    review = int(review if review is not None else settings.review_period_days)
    horizon = max(lead + review, lead + int(shelf or 0), 7)
    with console.status("Forecasting first (no --forecast given) ..."):
        model = Forecaster().fit(dataset)
        if dataset.future is not None:
            return model.predict(dataset.future)
        return model.predict(horizon=min(horizon, 366))
