"""Tables for the Spark engine: Parquet/CSV paths, Spark tables, or SQL over JDBC.

The big tables (``sales``, ``future``, ``inventory``) stay Spark frames, typed later by the
core's own coercion on the executors (CSV columns arrive as text, as the core reads them).
The small ones (``stores``, ``items``, ``events``, ``weather``) are read and validated by the
core on the driver: they are dimension tables, sized by stores and items, not by days.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
from pyspark.sql import DataFrame, SparkSession

from shelfcast.data.load import find_tables
from shelfcast.data.read import read_raw
from shelfcast.data.report import ValidationReport
from shelfcast.data.tables import file_format
from shelfcast.data.validate import validate_tables
from shelfcast.errors import DatasetNotFoundError, DataValidationError, ShelfcastError
from shelfcast.spark.settings import SparkSettings

__all__ = ["SparkDataset", "read_table", "read_jdbc", "read_dataset", "BIG_TABLES", "JDBC_DRIVERS"]

BIG_TABLES = ("sales", "future", "inventory")
SMALL_TABLES = ("events", "stores", "items", "weather")

JDBC_DRIVERS = {
    "jdbc:postgresql:": "org.postgresql.Driver",
    "jdbc:jtds:": "net.sourceforge.jtds.jdbc.Driver",
}
"""Driver class by URL prefix: Debian's libpostgresql-jdbc-java and libjtds-java (SQL Server)."""


@dataclass
class SparkDataset:
    """The dataset folder for Spark: big tables as Spark frames, small ones typed in Polars."""

    sales: DataFrame
    future: DataFrame | None = None
    inventory: DataFrame | None = None
    small: dict[str, pl.DataFrame] = field(default_factory=dict)
    files: dict[str, str] = field(default_factory=dict)
    report: ValidationReport = field(default_factory=ValidationReport)


def read_table(spark: SparkSession, source: str | Path) -> DataFrame:
    """A table from a Parquet file or folder, a CSV file (text columns), or a Spark table name."""
    path = Path(source)
    if path.exists():
        # A folder is Spark's output: part files in the format its name says (else Parquet).
        is_csv_dir = path.is_dir() and path.name.endswith((".csv", ".csv.gz"))
        fmt = "csv" if is_csv_dir else "parquet" if path.is_dir() else file_format(path)
        if fmt == "parquet":
            return spark.read.parquet(str(path))
        if fmt in ("csv", "csv.gz"):
            # Text, as the core reads CSV: its coercion types each column and names bad values.
            return spark.read.option("header", True).option("inferSchema", False).csv(str(path))
        frame, issues = read_raw(path)
        if frame is None:
            raise DataValidationError(
                "; ".join(str(i) for i in issues) or f"{path.name}: cannot be read",
                details={"file": path.name},
            )
        return spark.createDataFrame(frame.to_arrow())
    if spark.catalog.tableExists(str(source)):
        return spark.table(str(source))
    raise DatasetNotFoundError(
        f"{source}: neither a file or folder nor a Spark table",
        details={"source": str(source)},
    )


def read_jdbc(
    spark: SparkSession, url: str, query: str, *, user: str | None = None,
    password: str | None = None, fetch_size: int = 10_000,
) -> DataFrame:
    """The rows of ``query`` on the database at the JDBC ``url`` (read by the executors)."""
    driver = next((d for prefix, d in JDBC_DRIVERS.items() if url.startswith(prefix)), None)
    if driver is None:
        raise ShelfcastError(
            f"JDBC URL {url.split('?')[0]!r}: expected jdbc:postgresql://... or "
            "jdbc:jtds:sqlserver://... (the drivers installed from Debian)",
            details={"url_prefix": url.split("//")[0]},
        )
    reader = (spark.read.format("jdbc").option("url", url).option("query", query)
              .option("driver", driver).option("fetchsize", fetch_size))
    if user:
        reader = reader.option("user", user)
    if password:
        reader = reader.option("password", password)
    return reader.load()


def read_dataset(
    spark: SparkSession, folder: str | Path, settings: SparkSettings | None = None
) -> SparkDataset:
    """The dataset folder at ``folder``; ``sales`` from the JDBC query when one is set."""
    settings = settings or SparkSettings()
    tables, report = find_tables(folder)
    _add_spark_folders(Path(folder), tables, report)
    if settings.jdbc_url and settings.jdbc_query:
        sales = read_jdbc(spark, settings.jdbc_url, settings.jdbc_query,
                          user=settings.jdbc_user, password=settings.jdbc_password)
        files = {"sales": "sales (JDBC query)"}
        report.issues = [i for i in report.issues if i.code != "missing_table"]
    elif "sales" in tables:
        sales = read_table(spark, tables["sales"])
        files = {"sales": tables["sales"].name}
    else:
        missing = [i for i in report.errors if i.code == "missing_table"]
        message = missing[0].message if missing else f"{folder}: no sales table"
        raise DatasetNotFoundError(message, details={"path": str(folder)})
    data = SparkDataset(sales=sales, files=files, report=report)
    for name in ("future", "inventory"):
        if name in tables:
            setattr(data, name, read_table(spark, tables[name]))
            data.files[name] = tables[name].name
    for name in SMALL_TABLES:
        if name not in tables:
            continue
        frame, issues = read_raw(tables[name], table=name)
        report.issues.extend(issues)
        if frame is None:
            continue
        typed, checked = validate_tables({name: frame}, files={name: tables[name].name},
                                         cross_checks=False)
        report.extend(checked)
        if name in typed:
            data.small[name] = typed[name]
            data.files[name] = tables[name].name
    return data


def _add_spark_folders(folder: Path, tables: dict[str, Path], report: ValidationReport) -> None:
    """Tables written by Spark: a folder of part files, ``sales.parquet/`` or ``sales/``."""
    if not folder.is_dir():
        return
    for table in BIG_TABLES:  # the small tables stay files the core reads
        if table in tables:
            continue
        for name in (f"{table}.parquet", f"{table}.csv", table):
            if (folder / name).is_dir():
                tables[table] = folder / name
                break
    report.issues = [i for i in report.issues
                     if not (i.code == "missing_table" and i.file in tables)]
