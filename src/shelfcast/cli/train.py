"""``shelfcast train DATA_DIR --model-dir DIR``: a new model version, with its metadata."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from shelfcast.cli._common import console, handle_errors, settings_from_env

__all__ = ["register", "train"]


def register(app: typer.Typer) -> None:
    app.command("train")(train)


@handle_errors
def train(
    data_dir: Path = typer.Argument(..., help="The dataset folder to learn from."),
    model_dir: Path = typer.Option(..., "--model-dir", help="Where versions are kept (made if absent)."),
    backtest_days: int = typer.Option(
        28, "--backtest-days", min=0,
        help="Score a model trained without the last N days on them, into the metadata (0: skip).",
    ),
) -> None:
    """Train the forecaster on every day of `sales` and save it as a new version.

    Prints the version, e.g. 20261123T190102Z-a1b2c3; the model lands in MODEL_DIR/<version>/
    with metadata.json (data range, features, parameters, quantiles, backtest metrics).
    The backtest is one window: a model fitted up to N days before the end, scored on them.

    Examples:

        shelfcast train data/chain --model-dir var/models
        shelfcast forecast data/chain --out f.csv --model-dir var/models
    """
    from shelfcast.data.load import load_dataset
    from shelfcast.forecast import Forecaster
    from shelfcast.forecast.artifact import save_model

    settings = settings_from_env()
    with console.status(f"Reading {data_dir} ..."):
        dataset = load_dataset(data_dir, settings=settings)
    extra: dict[str, Any] = {"data": {"source": str(data_dir), "rows": dataset.sales.height}}
    if backtest_days:
        with console.status(f"Backtest: training without the last {backtest_days} days ..."):
            extra.update(_backtest(dataset, settings.country, backtest_days))
    else:
        extra["backtest_note"] = "skipped (--backtest-days 0)"
    with console.status(f"Training on {dataset.sales.height:,} sales rows ..."):
        model = Forecaster(country=settings.country).fit(dataset)
    for note in model.notes_:
        console.print(f"[yellow]note[/] {note}")
    folder = save_model(model, model_dir, metadata=extra)
    metrics = extra.get("backtest") or {}
    if metrics:
        shown = ", ".join(f"{k} {v:.3f}" for k, v in metrics.items() if isinstance(v, float))
        console.print(f"Backtest (last {backtest_days} days): {shown}", highlight=False)
    elif extra.get("backtest_note"):
        console.print(f"[yellow]note[/] backtest: {extra['backtest_note']}")
    console.print(f"Saved model version [bold]{folder.name}[/] in {model_dir}")
    typer.echo(folder.name)


def _backtest(dataset: Any, country: str | None, days: int) -> dict[str, Any]:
    """One window: fit without the last ``days`` days, score them (shelfcast.forecast.backtest)."""
    from shelfcast.errors import ShelfcastError
    from shelfcast.forecast import Forecaster

    try:
        from shelfcast.forecast.backtest import backtest
        from shelfcast.forecast.metrics import evaluate
    except ImportError:  # pragma: no cover - the evaluation modules are part of the package
        return {"backtest_note": "shelfcast.forecast.backtest is not available"}
    try:
        results = backtest(
            dataset, {"shelfcast": lambda: Forecaster(country=country)},
            windows=1, horizon=days, step=days,
        )
    except ShelfcastError as exc:
        return {"backtest_note": f"not run: {exc.message}"}
    table = evaluate(results)
    row = table.row(0, named=True)
    wanted = ("rmsse", "wape", "wape_q50", "mae", "bias", "pinball", "cov_q90", "cov_80")
    metrics = {k: float(row[k]) for k in wanted if row.get(k) is not None}
    metrics["horizon_days"] = days
    return {"backtest": metrics}
