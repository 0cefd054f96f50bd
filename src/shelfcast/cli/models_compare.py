"""``shelfcast models compare A B``: two registered versions side by side (their metadata:
data range, parameters, features, backtest metrics), from ``shelfcast.ops.tracking``."""

from __future__ import annotations

import typer
from rich.table import Table

from shelfcast.cli._common import console, handle_errors
from shelfcast.errors import ModelNotFoundError

__all__ = ["models_compare_command"]


@handle_errors
def models_compare_command(
    a: str = typer.Argument(..., metavar="A", help="A version of `shelfcast models list`."),
    b: str = typer.Argument(..., metavar="B", help="Another version, compared with A."),
    show_all: bool = typer.Option(False, "--all", help="Also the fields that did not change."),
) -> None:
    """Compare two model versions: what each was trained on and how, and how well each
    backtested; the change column is B - A for numbers.

    Example:

        shelfcast models compare 20261116T050000Z-a1b2c3 20261123T050000Z-d4e5f6
    """
    import shelfcast.server as server

    server.setup()
    server.migrate()
    from shelfcast.ops.tracking import compare_metadata
    from shelfcast.server.forecasts.selectors import model_version_list

    found = {row.version: row.metadata or {} for row in model_version_list()
             if row.version in (a, b)}
    missing = [v for v in (a, b) if v not in found]
    if missing:
        raise ModelNotFoundError(
            f"no registered model version {missing[0]!r} (see `shelfcast models list`)",
            details={"missing": missing})
    table = Table("field", "A", "B", "change")
    for row in compare_metadata(found[a], found[b]):
        if show_all or row["change"] not in ("", 0) or row["field"].startswith("backtest."):
            table.add_row(row["field"], _cell(row["a"]), _cell(row["b"]), _cell(row["change"]))
    console.print(f"A = {a}\nB = {b}", highlight=False)
    console.print(table)


def _cell(value: object) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)
