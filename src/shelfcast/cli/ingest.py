"""``shelfcast ingest``: a user's files or database into the dataset folder, with its report."""

from __future__ import annotations

from pathlib import Path

import typer

from shelfcast.cli._common import console, handle_errors, settings_from_env
from shelfcast.errors import MappingError

__all__ = ["register", "ingest_command"]


def register(app: typer.Typer) -> None:
    app.command("ingest")(ingest_command)


@handle_errors
def ingest_command(
    paths: list[Path] = typer.Argument(
        ...,
        metavar="[SRC]... OUT_DIR",
        help="Source files (or folders holding them), then the dataset folder to write.",
    ),
    mapping: Path = typer.Option(
        ..., "--map", "-m", help="The import mapping (YAML or TOML): what each table is made of."
    ),
    sql: str | None = typer.Option(
        None,
        "--sql",
        help="A SQLAlchemy database URL to read from, e.g. "
        "postgresql+psycopg://user@host/db or mssql+pyodbc://user:pw@dsn.",
    ),
    query: str | None = typer.Option(
        None,
        "--query",
        "-q",
        help="The SQL query that yields the sales source's rows (with --sql).",
    ),
    time_zone: str | None = typer.Option(
        None,
        "--time-zone",
        help="The chain's time zone when the mapping gives none (default: "
        "TIME_ZONE / SHELFCAST_TIME_ZONE, else UTC).",
    ),
    batch_size: int = typer.Option(
        100_000, "--batch-size", min=1, help="Rows fetched from the database at a time."
    ),
    force: bool = typer.Option(
        False, "--force", help="Replace the tables of a dataset already in OUT_DIR."
    ),
) -> None:
    """Build a dataset folder from your own files or database, as a mapping says.

    Prints the import report (rows read, rows dropped by reason, rows written) and writes
    it as import_report.json beside the tables.

    Example:

        shelfcast ingest --map examples/myanmar.yaml supermarket_sales.csv data/myanmar

        shelfcast ingest --map sales.yaml --sql postgresql+psycopg://me@db/shop \\
            --query "SELECT * FROM till_lines WHERE ts >= '2024-01-01'" data/shop
    """
    from shelfcast.data.ingest import ingest

    *sources, out_dir = paths
    if not sources and sql is None:
        raise MappingError("give the source files before OUT_DIR, or --sql URL (and --query)")
    settings = settings_from_env(time_zone=time_zone)
    report = ingest(
        mapping,
        sources,
        out_dir,
        sql=sql,
        query=query,
        settings=settings,
        batch_size=batch_size,
        overwrite=force,
    )
    for line in report.lines():
        console.print(line, highlight=False, soft_wrap=True)
    console.print(f"Dataset folder: [bold]{out_dir}[/] (report: {out_dir / 'import_report.json'})")
