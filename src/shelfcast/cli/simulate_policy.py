"""``shelfcast simulate-policy``: replay the last days of history under replenishment policies."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from shelfcast.cli._common import console, handle_errors, settings_from_env
from shelfcast.data.tables import file_format, write_table
from shelfcast.errors import ShelfcastError
from shelfcast.replenish.policies import Policy

__all__ = ["register", "simulate_policy_command", "Source"]

SHOWN = (
    ("cycle_service_level", "cycle SL", "{:.3f}"),
    ("fill_rate", "fill rate", "{:.3f}"),
    ("stockout_days", "stockout days", "{:,}"),
    ("avg_inventory_units", "avg inventory", "{:,.0f}"),
    ("days_of_cover", "days of cover", "{:.1f}"),
    ("waste_units", "waste", "{:,.0f}"),
    ("total_cost", "total cost", "{:,.0f}"),
)


class Source(str, Enum):
    shelfcast = "shelfcast"
    textbook = "textbook"


def register(app: typer.Typer) -> None:
    app.command("simulate-policy")(simulate_policy_command)


@handle_errors
def simulate_policy_command(
    data_dir: Annotated[Path, typer.Argument(help="The dataset folder (with an inventory table).")],
    days: Annotated[int, typer.Option(min=7, max=730, help="Days of history to replay.")] = 90,
    service_level: Annotated[
        list[float] | None,
        typer.Option(min=0.5, max=0.9999,
                     help="Target(s); repeat for a sweep. Default: the inventory table's."),
    ] = None,
    policy: Annotated[
        list[Policy] | None, typer.Option(case_sensitive=False, help="RS, sQ, sS; repeatable.")
    ] = None,
    source: Annotated[
        list[Source] | None,
        typer.Option(help="Forecast source(s): shelfcast, textbook (default both)."),
    ] = None,
    refit_every: Annotated[
        int, typer.Option(min=1, help="Days between refits of the shelfcast model.")
    ] = 7,
    warmup: Annotated[int, typer.Option(min=0, help="First days not scored.")] = 14,
    out: Annotated[
        Path | None, typer.Option(help="Write the report (.csv/.parquet/.xlsx/.json).")
    ] = None,
) -> None:
    """Replay the last DAYS days: forecast, order, receive after the lead time, sell, waste.

    Demand is the recorded sales; what stock cannot meet is lost. The report gives, per
    forecast source, policy and service level: cycle service level, fill rate, stockout days,
    average inventory (units and days of cover), waste and total cost (holding + lost margin +
    waste). "textbook" is the method of BENCHMARKS.md (mean of the last 4 same weekdays,
    normal safety stock); "shelfcast" refits the Forecaster every REFIT_EVERY days and
    rolls it forward with update() in between.

    Example:

        shelfcast simulate-policy data/ --days 90 --service-level 0.95 --out report.csv
        shelfcast simulate-policy data/ --service-level 0.9 --service-level 0.99 --source textbook
    """
    from shelfcast.data.load import load_dataset
    from shelfcast.replenish.simulate import (
        ModelSource,
        TextbookSource,
        setup_from_dataset,
        simulate_sweep,
    )

    if out is not None and file_format(out) not in ("csv", "parquet", "xlsx", "json"):
        raise ShelfcastError(f"--out {out}: write .csv, .parquet, .xlsx or .json")
    settings = settings_from_env()
    dataset = load_dataset(data_dir, settings=settings)
    setup = setup_from_dataset(dataset, days=days, settings=settings)
    sources = []
    for s in source or [Source.textbook, Source.shelfcast]:
        if s is Source.textbook:
            sources.append(TextbookSource(setup))
        else:
            from shelfcast.forecast.forecaster import Forecaster

            sources.append(ModelSource(setup, dataset, Forecaster, refit_every=refit_every,
                                       progress=lambda msg: console.print(msg, style="dim")))
    with console.status(f"Replaying {days} days for {setup.rules.n:,} SKUs ..."):
        report = simulate_sweep(
            setup, sources, service_levels=service_level or [None],
            policies=policy or [Policy.RS], warmup=min(warmup, days - 1),
        )
    table = Table("source", "policy", "target SL", *[title for _, title, _ in SHOWN])
    for row in report.iter_rows(named=True):
        level = row["target_service_level"]
        table.add_row(row["source"], row["policy"], "inventory" if level is None else f"{level:g}",
                      *[fmt.format(row[col]) for col, _, fmt in SHOWN])
    console.print(table)
    if out is not None:
        write_table(report, out)
        console.print(f"report -> {out}")
