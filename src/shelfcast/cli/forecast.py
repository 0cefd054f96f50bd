"""``shelfcast forecast DATA_DIR --out FILE``: the forecast file, with quantiles."""

from __future__ import annotations

from pathlib import Path

import typer

from shelfcast.cli._common import console, handle_errors, settings_from_env

__all__ = ["register", "forecast"]


def register(app: typer.Typer) -> None:
    app.command("forecast")(forecast)


@handle_errors
def forecast(
    data_dir: Path = typer.Argument(..., help="The dataset folder (sales, and future if any)."),
    out: Path = typer.Option(..., "--out", help="Forecast file: .csv, .parquet, .xlsx or .json."),
    horizon: int | None = typer.Option(
        None, "--horizon", min=1, max=366,
        help="Days to forecast (default 28); with a `future` table, keep its first N days.",
    ),
    model_dir: Path | None = typer.Option(
        None, "--model-dir", help="Use a saved model from here (the newest version) instead of training.",
    ),
    model_version: str | None = typer.Option(
        None, "--model-version", help="With --model-dir: this version rather than the newest.",
    ),
    engine: str = typer.Option(
        "local", "--engine",
        help="local (this machine) or spark (the spark extra; docs/spark.md).",
    ),
) -> None:
    """Forecast every series: the mean (`forecast`) and the quantiles q10 ... q99.

    The rows are those of the folder's `future` table when it has one (its first N days with
    --horizon), else N days (default 28) after the last sales day for every series that sold
    in the last 8 weeks. Without --model-dir a model is trained on all of `sales` first.

    Examples:

        shelfcast forecast data/chain --out forecast.csv
        shelfcast forecast data/chain --out forecast.parquet --horizon 7
        shelfcast forecast data/chain --out f.xlsx --model-dir var/models
    """
    from shelfcast.data.load import load_dataset
    from shelfcast.data.tables import file_format, write_table
    from shelfcast.errors import ShelfcastError
    from shelfcast.forecast import Forecaster
    from shelfcast.forecast.artifact import load_model

    if engine == "spark":
        from shelfcast.cli.spark_engine import forecast_on_spark

        return forecast_on_spark(data_dir, out, horizon, model_dir, model_version)
    if engine != "local":
        raise ShelfcastError(f"--engine {engine!r}: expected local or spark")
    file_format(out)  # a bad file name fails before any work
    if model_version is not None and model_dir is None:
        raise ShelfcastError("--model-version needs --model-dir")
    settings = settings_from_env()
    with console.status(f"Reading {data_dir} ..."):
        dataset = load_dataset(data_dir, settings=settings)
    if model_dir is not None:
        with console.status(f"Loading the model from {model_dir} ..."):
            loaded = load_model(model_dir, model_version)
        model = loaded.model
        console.print(f"Model version [bold]{loaded.version}[/] (data to {model.last_date_})")
        if dataset.last_date > model.last_date_:
            # Newer sales than the model knew: roll its state forward, no refit.
            model.update(dataset.sales)
    else:
        with console.status(
            f"Training on {dataset.sales.height:,} sales rows up to {dataset.last_date} ..."
        ):
            model = Forecaster(country=settings.country).fit(dataset)
    for note in model.notes_:
        console.print(f"[yellow]note[/] {note}")
    with console.status("Forecasting ..."):
        frame = model.predict(dataset.future, horizon=horizon)
    write_table(frame, out)
    days = frame["date"].n_unique() if frame.height else 0
    console.print(
        f"Wrote {frame.height:,} rows ({days} days, "
        f"{frame.select('store_id', 'item_id').unique().height:,} series) to [bold]{out}[/]"
    )
