"""Run by test_driver_memory.py in its own process: validation and features (``features``)
or the global model's training, saving and forecast (``global``) of a chain larger than the
driver's memory, with the driver allowed to receive at most 1 MB of results (16 MB for
``global``: the booster and the held-out sample for the quantiles come back to it).

Usage: python low_memory_job.py WORK_DIR SERIES DAYS [features|global]; prints
``rows=<n> columns=<m>`` (the features, or the forecast).
"""

from __future__ import annotations

import sys
from datetime import date, timedelta
from pathlib import Path

from pyspark.sql import functions as F

from shelfcast.config import Settings
from shelfcast.forecast.artifact import new_version
from shelfcast.spark.features import covariates_of, feature_spec, spark_features
from shelfcast.spark.global_model import predict_global, save_global, train_global
from shelfcast.spark.read import read_dataset
from shelfcast.spark.session import spark_session
from shelfcast.spark.settings import SparkSettings
from shelfcast.spark.validate import validate_spark


SMALL_MODEL = {"n_estimators": 40, "early_stopping_rounds": 10, "max_horizon": 28,
               "max_rows": 400_000}
"""Few trees and a sample of target days: the test is about where the data go, not accuracy."""


def main(work: Path, series: int, days: int, mode: str = "features") -> None:
    settings = SparkSettings(
        master="local[2]", driver_memory="512m", shuffle_partitions=8, buckets=16,
        # Any collect of the data (even of one bucket's features) would exceed this and fail.
        extra_conf=(("spark.driver.maxResultSize", "16m" if mode == "global" else "1m"),),
    )
    spark = spark_session(settings)
    start = date(2023, 1, 1)
    last = start + timedelta(days=days - 1)
    chain = work / "chain"
    # The chain is generated on the executors too: the driver never holds it.
    ids = spark.range(series).select(
        F.format_string("S%02d", F.col("id") % 20).alias("store_id"),
        F.format_string("I%05d", F.col("id")).alias("item_id"),
    )
    day = spark.range(days).select(F.date_add(F.lit(start), F.col("id").cast("int")).alias("date"))
    noise = F.abs(F.xxhash64("store_id", "item_id", "date")) % 7
    sales = ids.crossJoin(day).select(
        "date", "store_id", "item_id", noise.cast("double").alias("sales"),
        (F.lit(2.0) + (F.abs(F.xxhash64("item_id")) % 5)).cast("double").alias("price"),
    )
    sales.write.mode("overwrite").parquet(str(chain / "sales.parquet"))

    data = read_dataset(spark, chain, settings)
    report = validate_spark(data, buckets=settings.buckets)
    report.raise_for_errors()
    if mode == "global":
        run_global(spark, data, work, settings.buckets)
        spark.stop()
        return
    stores = [r[0] for r in data.sales.select("store_id").distinct().collect()]
    items = [r[0] for r in data.sales.select("item_id").distinct().collect()]
    spec = feature_spec(data.small, covariates=covariates_of(data.sales.columns), country=None,
                        stores=stores, items=items, first=start, last=last)
    features = spark_features(data.sales, spec, end=last, buckets=settings.buckets)
    features.write.mode("overwrite").parquet(str(work / "features.parquet"))
    written = spark.read.parquet(str(work / "features.parquet"))
    print(f"rows={written.count()} columns={len(written.columns)}")
    spark.stop()


def run_global(spark, data, work: Path, buckets: int) -> None:  # type: ignore[no-untyped-def]
    model, summary = train_global(spark, data, settings=Settings(), buckets=buckets,
                                  params=SMALL_MODEL)
    save_global(spark, model, data, model_dir=work / "models", version=new_version(),
                buckets=buckets, n_series=summary.n_series)
    forecast = predict_global(spark, model, data, horizon=28, buckets=buckets)
    forecast.write.mode("overwrite").parquet(str(work / "forecast.parquet"))
    written = spark.read.parquet(str(work / "forecast.parquet"))
    print(f"rows={written.count()} columns={len(written.columns)} train_rows={model.n_train_rows_}")


if __name__ == "__main__":
    main(Path(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), *sys.argv[4:5])
