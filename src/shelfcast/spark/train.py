"""Per-partition training: one Forecaster per partition, fitted in parallel on the executors.

Each task gets the whole of one partition (every series of a store, region or category),
fits the core's Forecaster on it, saves it as a model version under
``model_dir/<partition_by>=<value>/`` (``shelfcast.forecast.artifact``: loadable by
``--model-dir``) and forecasts its rows with the calibrated quantiles of that model.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import polars as pl
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql.types import DateType, DoubleType, StringType, StructField, StructType

from shelfcast.config import Settings
from shelfcast.data.dataset import Dataset
from shelfcast.data.schema import DATE, FORECAST, ITEM, STORE, quantile_column
from shelfcast.data.validate import validate_tables
from shelfcast.forecast.artifact import save_model
from shelfcast.forecast.forecaster import Forecaster
from shelfcast.spark.arrow import arrow_out, empty_table, to_polars
from shelfcast.spark.partition import PART, partition_folder, with_partition
from shelfcast.spark.read import SparkDataset

__all__ = ["forecast_schema", "fit_forecast_partition", "forecast_per_partition"]


def forecast_schema(quantiles: tuple[float, ...]) -> StructType:
    """The forecast file layout (DATA_FORMAT.md) as a Spark schema."""
    return StructType(
        [StructField(DATE, DateType()), StructField(STORE, StringType()),
         StructField(ITEM, StringType()), StructField(FORECAST, DoubleType())]
        + [StructField(quantile_column(q), DoubleType()) for q in quantiles]
    )


def fit_forecast_partition(
    sales: pl.DataFrame, future: pl.DataFrame | None, small: dict[str, pl.DataFrame], *,
    files: dict[str, str], params: dict[str, Any], horizon: int | None,
) -> tuple[Forecaster, pl.DataFrame]:
    """Type one partition's rows with the core, fit a Forecaster, forecast: the local path."""
    frames = {"sales": sales.drop(PART, strict=False)}
    if future is not None and future.height:
        frames["future"] = future.drop(PART, strict=False)
    typed, report = validate_tables(frames, files=files)
    report.raise_for_errors()
    dataset = Dataset(sales=typed["sales"], future=typed.get("future"), **small)
    model = Forecaster(**params).fit(dataset)
    return model, model.predict(dataset.future, horizon=horizon)


def forecast_per_partition(
    spark: SparkSession, data: SparkDataset, *, settings: Settings, partition_by: str,
    horizon: int | None = None, model_dir: str | Path | None = None, version: str | None = None,
    params: dict[str, Any] | None = None,
) -> DataFrame:
    """Forecast frame of every partition (a Spark frame: written by the caller, not collected)."""
    # One thread per model: Spark runs as many models at once as it has cores.
    params = {"country": settings.country, "quantiles": settings.quantiles, "n_jobs": 1,
              **(params or {})}
    schema = forecast_schema(tuple(params["quantiles"]))
    small = {k: v for k, v in data.small.items() if k in ("events", "stores", "items", "weather")}
    files = dict(data.files)
    folder = str(model_dir) if model_dir is not None else None

    def fit(sales: pl.DataFrame, future: pl.DataFrame | None) -> pl.DataFrame:
        model, frame = fit_forecast_partition(sales, future, small, files=files, params=params,
                                              horizon=horizon)
        if folder is not None:
            part = str(sales[PART][0])
            save_model(model, Path(folder) / partition_folder(partition_by, part), version=version,
                       metadata={"spark": {"partition_by": partition_by, "partition": part}})
        return frame

    sales = with_partition(spark, data.sales, partition_by, data.small)
    if data.future is None:
        return sales.groupBy(PART).applyInArrow(
            lambda t: arrow_out(fit(to_polars(t), None), schema), schema)
    future = with_partition(spark, data.future, partition_by, data.small)
    return sales.groupBy(PART).cogroup(future.groupBy(PART)).applyInArrow(
        lambda s, f: arrow_out(fit(to_polars(s), to_polars(f)), schema) if s.num_rows
        else empty_table(schema), schema)
