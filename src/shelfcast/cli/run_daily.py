"""``shelfcast run-daily [--date D] [--data DIR] [--step NAME]``: the daily batch run."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import typer

from shelfcast.cli._common import console, handle_errors, settings_from_env
from shelfcast.errors import ShelfcastError

__all__ = ["register", "run_daily"]


def register(app: typer.Typer) -> None:
    app.command("run-daily")(run_daily)


def _parse_date(value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ShelfcastError(f"--date {value!r} is not a date (expected YYYY-MM-DD)") from None


def _data_dir(option: Path | None, home: Path) -> Path:
    from shelfcast.ops.settings import OpsSettings

    folder = option or OpsSettings.from_env().data_dir or home / "sample"
    if not folder.is_dir():
        raise ShelfcastError(
            f"no dataset folder at {folder}: pass --data DIR, set SHELFCAST_DATA_DIR, or run "
            f"`shelfcast demo` once to generate the sample chain into {home / 'sample'}",
            details={"data_dir": str(folder)})
    return folder


@handle_errors
def run_daily(
    run_date: str | None = typer.Option(
        None, "--date", metavar="YYYY-MM-DD",
        help="The business date to run for (default: the day after the last day of sales).",
    ),
    data: Path | None = typer.Option(
        None, "--data", metavar="DATA_DIR",
        help="The dataset folder (default: SHELFCAST_DATA_DIR, else the workspace's sample/).",
    ),
    step: list[str] | None = typer.Option(
        None, "--step",
        help="Run only this step (repeatable): ingest, validate, train, forecast, replenish, "
             "publish, monitor. The steps before it must be done.",
    ),
) -> None:
    """Run the daily batch: ingest, validate, train when due, forecast, replenish, publish to
    the database, monitor (score the last forecasts against what sold, measure drift).

    Each step writes into SHELFCAST_HOME/runs/<date>/ and is recorded in its state.json: a
    second run of the same date does nothing new, and a run that failed or was killed resumes
    at the step it stopped in. Retraining is due every SHELFCAST_RETRAIN_EVERY_DAYS (7) days,
    or when accuracy fell SHELFCAST_DEGRADATION_RATIO (25 %) below the model's backtest.

    Examples:

        shelfcast run-daily
        shelfcast run-daily --date 2026-03-02 --data data/chain
        shelfcast run-daily --date 2026-03-02 --step train
    """
    from shelfcast.ops.daily import DailyRun
    from shelfcast.ops.settings import OpsSettings
    from shelfcast.ops.state import STEPS

    unknown = [s for s in step or [] if s not in STEPS]
    if unknown:  # before the database is touched
        raise ShelfcastError(f"unknown step(s) {unknown}; the steps are {', '.join(STEPS)}")
    settings = settings_from_env()
    ops = OpsSettings.from_env()
    folder = _data_dir(data, settings.home)
    when = _parse_date(run_date) or _default_date(folder, settings)
    sink = _database_sink(settings.home / "models")

    def show(name: str, status: str) -> None:
        if status == "skip":
            console.print(f"  {name:<10} already done", style="dim", highlight=False)
        elif status == "start":
            console.print(f"  {name:<10} ...", highlight=False)

    console.print(f"Daily run for [bold]{when}[/] on {folder}")
    run = DailyRun(run_date=when, home=settings.home, data_dir=folder, settings=settings,
                   ops=ops, sink=sink, on_step=show)
    state = run.run(step or None)
    _print_summary(state.steps, run.folder)


def _default_date(folder: Path, settings: Any) -> date:
    """The business clock without transactions: the day after the last day of sales."""
    from shelfcast.data.load import load_dataset

    return load_dataset(folder, settings=settings).last_date + timedelta(days=1)


def _database_sink(model_dir: Path) -> Any:
    import shelfcast.server as server

    server.setup()
    server.migrate()
    from shelfcast.server.monitoring.sink import DatabaseSink

    return DatabaseSink(model_dir)


_SHOWN = {
    "ingest": ("sales_rows", "last_date"), "validate": ("warnings", "note"),
    "train": ("trained", "reason", "model_version", "backtest_wape"),
    "forecast": ("rows", "first_date", "last_date", "units"),
    "replenish": ("order_lines", "units", "alerts", "skipped"),
    "publish": ("forecasts", "orders", "alerts", "skipped"),
    "monitor": ("scored_days", "window_wape", "window_coverage_q90", "max_psi", "alerts",
                "alert_kinds"),
}


def _print_summary(steps: dict[str, dict[str, Any]], folder: Path) -> None:
    from rich.table import Table

    table = Table(title="Daily run", title_justify="left")
    for column in ("step", "status", "result", "seconds"):
        table.add_column(column)
    for name, keys in _SHOWN.items():
        entry = steps.get(name, {})
        summary = entry.get("summary", {})
        shown = ", ".join(f"{k} {_fmt(summary[k])}" for k in keys if summary.get(k) is not None)
        table.add_row(name, entry.get("status", "-"), shown, _fmt(summary.get("seconds", "")))
    console.print(table)
    console.print(f"Outputs in {folder}", highlight=False)


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:.3f}"
    if isinstance(value, list):
        return "/".join(map(str, value)) or "none"
    return str(value)
