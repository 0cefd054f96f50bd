"""``shelfcast demo``: the whole system on the embedded defaults, from nothing.

It generates the sample chain into the workspace (once), validates it, summarises it,
forecasts the next weeks, loads it into the database, and starts the API and the
dashboard as separate processes, with the simulator streaming the chain's transactions
into the API, until Ctrl-C. ``--smoke`` does the same on a tiny
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
DEMO_SPEED = 300  # the tills' pace: a trading day of the sample in about three minutes
SMOKE_LINES = 300


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
            _check_published(system)
            _check_stream(system, folder)
            console.print("[green]smoke: every part answered[/]")
            return
        system.start_simulator(folder, "--speed", str(DEMO_SPEED))
        console.print(
            f"\n[bold]shelfcast is up[/]\n"
            f"  API        {system.api_url}/api/  (docs: {system.api_url}/api/docs/)\n"
            f"  dashboard  {system.dashboard_url}/\n"
            f"  token      {token}  (role admin; send it as 'Authorization: Token <key>')\n"
            f"  tills      the sample's transactions stream in at {DEMO_SPEED}x speed "
            f"(GET /api/live/)\n"
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


def _check_published(system: System, timeout: float = 300.0) -> None:
    """The smoke check of publishing and the worker: the load published forecasts and orders,
    and a run job (POST /api/runs/) is done by the worker, its results downloadable."""
    import time

    import httpx

    forecasts = system.get("/api/forecasts/?page_size=1")
    orders = system.get("/api/orders/?page_size=1")
    if forecasts.status_code != 200 or not forecasts.json().get("count"):
        raise ShelfcastError(f"smoke: no published forecasts: GET /api/forecasts/ answered "
                             f"{forecasts.status_code}: {forecasts.text[:300]}")
    if orders.status_code != 200:
        raise ShelfcastError(f"smoke: GET /api/orders/ answered {orders.status_code}: "
                             f"{orders.text[:300]}")
    accepted = httpx.post(f"{system.api_url}/api/runs/", timeout=30.0,
                          headers={"Authorization": f"Token {system.token}"})
    if accepted.status_code != 202:
        raise ShelfcastError(f"smoke: POST /api/runs/ answered {accepted.status_code}: "
                             f"{accepted.text[:300]}")
    url = accepted.json()["url"]
    deadline = time.monotonic() + timeout
    job = system.get(url).json()
    while job.get("status") in ("queued", "running") and time.monotonic() < deadline:
        time.sleep(1.0)
        job = system.get(url).json()
    if job.get("status") != "succeeded" or not job.get("results"):
        raise ShelfcastError(f"smoke: the run job ended {job.get('status')!r}: "
                             f"{job.get('error')}; see {system.log_dir / 'worker.log'}")
    download = system.get(job["results"][0]["url"])
    if download.status_code != 200 or not download.text.strip():
        raise ShelfcastError(f"smoke: the run's result answered {download.status_code}")
    console.print(f"smoke: {forecasts.json()['count']} forecasts published; the worker ran "
                  f"a run job ({', '.join(r['name'] for r in job['results'])})")


def _check_stream(system: System, folder: Path) -> None:
    """The smoke check of the tills: the simulator sends a few hundred lines and the API
    counts each of them in its business day's totals."""
    from shelfcast.data.transactions import local_day
    from shelfcast.simulator.source import lines_from_folder

    system.start_simulator(folder, "--limit", str(SMOKE_LINES), "--batch", "100")
    code = system.wait_for("simulator", timeout=120)
    if code != 0:
        raise ShelfcastError(f"smoke: the simulator exited {code}; see "
                             f"{system.log_dir / 'simulator.log'}")
    zone = settings_from_env().time_zone
    sent = (lines_from_folder(folder).head(SMOKE_LINES)
            .group_by(local_day(pl.col("timestamp"), zone).alias("day")).len())
    for day, lines in sent.iter_rows():
        answer = system.get(f"/api/live/?date={day}")
        counted = sum(s["lines"] for s in answer.json().get("stores", [])) \
            if answer.status_code == 200 else None
        if counted != lines:
            raise ShelfcastError(f"smoke: the simulator sent {lines} lines of {day}, "
                                 f"GET /api/live/ counts {counted}: {answer.text[:300]}")
    console.print(f"smoke: the simulator sent {SMOKE_LINES} lines, the API counted them")


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
