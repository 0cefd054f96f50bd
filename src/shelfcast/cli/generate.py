"""``shelfcast generate OUT_DIR``: write a synthetic chain as a complete dataset folder."""

from __future__ import annotations

from enum import Enum
from pathlib import Path

import polars as pl
import typer
from rich.table import Table

from shelfcast.cli._common import console, handle_errors
from shelfcast.data.schema import DATE, TIMESTAMP

__all__ = ["register", "generate", "FileFormat"]


class FileFormat(str, Enum):
    parquet = "parquet"
    csv = "csv"


def register(app: typer.Typer) -> None:
    app.command("generate")(generate)


@handle_errors
def generate(
    out_dir: Path = typer.Argument(..., help="Folder to write the tables into (made if absent)."),
    stores: int = typer.Option(10, "--stores", min=1, help="Number of stores."),
    items: int = typer.Option(500, "--items", min=1, help="Number of items (in every store)."),
    days: int = typer.Option(1095, "--days", min=1, help="Days of sales history."),
    seed: int = typer.Option(0, "--seed", min=0, help="Random seed: same seed, same chain."),
    fmt: FileFormat = typer.Option(FileFormat.parquet, "--format", help="File format."),
    future_days: int = typer.Option(
        28, "--future-days", min=0, help="Days of `future` (and weather) after the history."
    ),
    transactions_days: int = typer.Option(
        28, "--transactions-days", min=0, help="Days of till lines at the end (0: none)."
    ),
) -> None:
    """Generate a synthetic supermarket chain: every table of the dataset folder.

    Writes sales, future, events, stores, items, weather, inventory and transactions.

    Model and ground truth: docs/synthetic-chain.md.

    Example:

        shelfcast generate data/chain --stores 5 --items 100 --days 730 --seed 1
    """
    from shelfcast.data.generate import generate_chain, write_chain

    with console.status(f"Simulating {stores} stores x {items} items over {days} days ..."):
        tables = generate_chain(
            stores=stores, items=items, days=days, seed=seed, future_days=future_days,
            transactions_days=transactions_days,
        )
        folder = write_chain(tables, out_dir, fmt=fmt.value)
    console.print(_summary(tables, fmt.value))
    console.print(f"Wrote {len(tables)} tables to [bold]{folder}[/]")


def _summary(tables: dict[str, pl.DataFrame], fmt: str) -> Table:
    table = Table("table", "rows", "from", "to", title="Synthetic chain")
    for name, df in tables.items():
        col = DATE if DATE in df.columns else TIMESTAMP if TIMESTAMP in df.columns else None
        if col is not None and df.height:
            lo, hi = df[col].min(), df[col].max()
            if col == TIMESTAMP:
                lo, hi = lo.date(), hi.date()  # type: ignore[union-attr]
            span = (str(lo), str(hi))
        else:
            span = ("", "")
        table.add_row(f"{name}.{fmt}", f"{df.height:,}", *span)
    return table
