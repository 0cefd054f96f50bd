"""``--engine spark`` of ``shelfcast forecast`` and ``shelfcast replenish``: the same
arguments and outputs as the local commands, the work done by ``shelfcast.spark``.

Spark settings come from the environment (``SHELFCAST_SPARK_*``, docs/spark.md); outputs
are folders of Parquet or CSV part files, which Spark, Polars and pandas read as one table.
"""

from __future__ import annotations

from pathlib import Path

from shelfcast.cli._common import console, settings_from_env
from shelfcast.errors import ConfigurationError, ShelfcastError
from shelfcast.replenish.policies import Policy

__all__ = ["forecast_on_spark", "replenish_on_spark"]


def _spark_modules():  # type: ignore[no-untyped-def]
    try:
        from shelfcast.spark import jobs
        from shelfcast.spark.settings import SparkSettings
    except ImportError as exc:
        raise ConfigurationError(
            "--engine spark needs PySpark: pip install 'shelfcast[spark]' (make install does)",
            details={"missing": "pyspark"},
        ) from exc
    return jobs, SparkSettings


def forecast_on_spark(
    data_dir: Path, out: Path, horizon: int | None, model_dir: Path | None,
    model_version: str | None,
) -> None:
    if model_version is not None:
        raise ShelfcastError(
            "--model-version with --engine spark: Spark trains a new version (per partition, "
            "or one with SHELFCAST_SPARK_TRAINING=global); "
            "forecast from a saved model with --engine local"
        )
    jobs, SparkSettings = _spark_modules()
    spark_settings = SparkSettings.from_env()
    jobs.check_spark_out("--out", out)
    with console.status(f"Forecasting {data_dir} on Spark ({spark_settings.master}) ..."):
        written = jobs.forecast_job(
            data_dir, out, settings=settings_from_env(), spark_settings=spark_settings,
            horizon=horizon, model_dir=model_dir,
        )
    console.print(
        f"Wrote {written.rows:,} rows ({written.series:,} series) to [bold]{out}[/]"
        + (f"; {_models(spark_settings.training, spark_settings.partition_by)} in {model_dir}"
           if model_dir else "")
    )


def _models(training: str, partition_by: str) -> str:
    return "the global model" if training == "global" else f"models per {partition_by}"


def replenish_on_spark(
    data_dir: Path, out: Path, forecast: Path | None, alerts: Path | None, policy: Policy,
    service_level: float | None,
) -> None:
    jobs, SparkSettings = _spark_modules()
    spark_settings = SparkSettings.from_env()
    jobs.check_spark_out("--out", out)
    jobs.check_spark_out("--alerts", alerts)
    with console.status(f"Replenishing {data_dir} on Spark ({spark_settings.master}) ..."):
        orders, written_alerts, made = jobs.replenish_job(
            data_dir, out, settings=settings_from_env(service_level=service_level),
            spark_settings=spark_settings, forecast=forecast, alerts=alerts, policy=policy,
        )
    if made is not None:
        console.print(f"forecast first: {made.rows:,} rows -> {made.path}")
    console.print(
        f"{orders.rows:,} order line(s) -> {out}"
        + (f"; {written_alerts.rows:,} alert(s) -> {alerts}" if written_alerts else "")
    )
