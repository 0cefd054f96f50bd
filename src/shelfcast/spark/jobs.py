"""``shelfcast forecast --engine spark`` and ``replenish --engine spark``, end to end.

Read (files, Spark tables or JDBC), validate with the core's rules, then forecast per
partition and propose orders; outputs are written by the executors as Parquet (or CSV)
folders in the layouts of DATA_FORMAT.md and INTERFACES.md. The driver only collects
summaries: issue lists, counts, a 200-row probe of the columns.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from shelfcast.config import Settings
from shelfcast.data.schema import DATE, FORECAST, ITEM, STORE, quantile_column
from shelfcast.errors import ShelfcastError
from shelfcast.forecast.artifact import new_version
from shelfcast.replenish.policies import Policy
from shelfcast.spark.failures import core_errors
from shelfcast.spark.global_model import forecast_global
from shelfcast.spark.read import SparkDataset, read_dataset, read_table
from shelfcast.spark.replenish import replenish_spark
from shelfcast.spark.session import spark_session
from shelfcast.spark.settings import SparkSettings
from shelfcast.spark.train import forecast_per_partition
from shelfcast.spark.validate import validate_spark

__all__ = ["Written", "check_spark_out", "forecast_job", "replenish_job", "last_sales_date"]

SPARK_FORMATS = ("parquet", "csv")


@dataclass(frozen=True)
class Written:
    path: Path
    rows: int
    series: int = 0


def check_spark_out(option: str, path: Path | None) -> None:
    """Spark writes folders of part files: Parquet, or CSV with a header."""
    if path is not None and _format(path) not in SPARK_FORMATS:
        raise ShelfcastError(
            f"{option} {path}: with --engine spark write .parquet or .csv (a folder of part "
            "files that Spark, Polars and pandas read as one table)",
            details={"option": option, "path": str(path)},
        )


def _format(path: Path) -> str:
    return "csv" if path.name.endswith((".csv", ".csv.gz")) else path.suffix.lstrip(".")


def _write(df: DataFrame, path: Path, spark: SparkSession, *, series: bool = False) -> Written:
    fmt = _format(path)
    writer = df.write.mode("overwrite")
    with core_errors():
        if fmt == "csv":
            writer.option("header", True).csv(str(path))
        else:
            writer.parquet(str(path))
        # Counted from what was written: the job is not run a second time.
        back = read_table(spark, path)
        rows = back.count()
        n_series = back.select(STORE, ITEM).distinct().count() if series and rows else 0
    return Written(path, rows, n_series)


def _prepare(spark: SparkSession, data_dir: Path, spark_settings: SparkSettings) -> SparkDataset:
    data = read_dataset(spark, data_dir, spark_settings)
    with core_errors():
        report = validate_spark(data, buckets=spark_settings.buckets)
    report.raise_for_errors()
    return data


def last_sales_date(data: SparkDataset) -> date:
    with core_errors():
        return data.sales.select(F.max(F.to_date(F.col(DATE).cast("string")))).first()[0]


def _forecast(spark: SparkSession, data: SparkDataset, *, settings: Settings,
              spark_settings: SparkSettings, horizon: int | None,
              model_dir: Path | None) -> DataFrame:
    version = new_version() if model_dir is not None else None
    params = {"max_rows": spark_settings.max_rows} if spark_settings.max_rows else None
    if spark_settings.training == "global":
        return forecast_global(
            spark, data, settings=settings, buckets=spark_settings.buckets, horizon=horizon,
            model_dir=model_dir, version=version, params=params,
        )
    return forecast_per_partition(
        spark, data, settings=settings, partition_by=spark_settings.partition_by,
        horizon=horizon, model_dir=model_dir, version=version, params=params,
    )


def forecast_job(
    data_dir: Path, out: Path, *, settings: Settings, spark_settings: SparkSettings,
    horizon: int | None = None, model_dir: Path | None = None,
) -> Written:
    """Validate, train (per partition or one global model), write the forecast to ``out``."""
    check_spark_out("--out", out)
    spark = spark_session(spark_settings)
    data = _prepare(spark, data_dir, spark_settings)
    forecast = _forecast(spark, data, settings=settings, spark_settings=spark_settings,
                         horizon=horizon, model_dir=model_dir)
    return _write(forecast, out, spark, series=True)


def _read_forecast(spark: SparkSession, path: Path, quantiles: tuple[float, ...]) -> DataFrame:
    if not path.exists():
        raise ShelfcastError(f"--forecast {path}: no such file or folder",
                             details={"file": str(path)})
    df = read_table(spark, path)
    missing = [c for c in (DATE, STORE, ITEM, FORECAST) if c not in df.columns]
    if missing:
        raise ShelfcastError(
            f"{path.name}: missing column(s) {missing}; a forecast has date, store_id, item_id, "
            "forecast and quantile columns q10 ... q99", details={"missing": missing},
        )
    qs = [quantile_column(q) for q in quantiles if quantile_column(q) in df.columns]
    return df.select(
        F.to_date(F.col(DATE).cast("string")).alias(DATE), F.col(STORE).cast("string"),
        F.col(ITEM).cast("string"), *[F.col(c).cast("double") for c in (FORECAST, *qs)],
    )


def replenish_job(
    data_dir: Path, out: Path, *, settings: Settings, spark_settings: SparkSettings,
    forecast: Path | None = None, alerts: Path | None = None, policy: Policy | str = Policy.RS,
) -> tuple[Written, Written | None, Written | None]:
    """Orders (and alerts) to Parquet/CSV; without ``forecast``, forecast first to
    ``<out>.forecast.parquet``. Returns (orders, alerts, forecast written)."""
    check_spark_out("--out", out)
    check_spark_out("--alerts", alerts)
    spark = spark_session(spark_settings)
    data = _prepare(spark, data_dir, spark_settings)
    if data.inventory is None:
        raise ShelfcastError(
            f"{data_dir}: no inventory table; replenishment starts from the stock on hand "
            "(add inventory.csv with store_id, item_id, on_hand; see DATA_FORMAT.md)",
            details={"folder": str(data_dir)},
        )
    made = None
    if forecast is None:
        forecast = out.with_name(out.name + ".forecast.parquet")
        fc = _forecast(spark, data, settings=settings, spark_settings=spark_settings,
                       horizon=None, model_dir=None)
        made = _write(fc, forecast, spark, series=True)
    fc = _read_forecast(spark, forecast, settings.quantiles)
    orders, alert_df = replenish_spark(
        spark, data, fc, settings=settings, partition_by=spark_settings.partition_by,
        as_of=last_sales_date(data), policy=policy,
    )
    written_orders = _write(orders, out, spark)
    written_alerts = _write(alert_df, alerts, spark) if alerts is not None else None
    return written_orders, written_alerts, made
