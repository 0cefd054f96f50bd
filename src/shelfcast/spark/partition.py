"""The partition column (store, region, category...) that splits the chain into models."""

from __future__ import annotations

import re

import polars as pl
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from shelfcast.data.schema import ITEM, STORE
from shelfcast.errors import ConfigurationError

__all__ = ["PART", "with_partition", "partition_folder"]

PART = "_part"


def with_partition(
    spark: SparkSession, df: DataFrame, partition_by: str, small: dict[str, pl.DataFrame]
) -> DataFrame:
    """``df`` with ``PART``: its own column, or the attribute joined from ``stores``/``items``."""
    if partition_by in df.columns:
        return df.withColumn(PART, F.col(partition_by).cast("string"))
    for table, key in (("stores", STORE), ("items", ITEM)):
        attrs = small.get(table)
        if attrs is not None and partition_by in attrs.columns:
            value = pl.col(partition_by).cast(pl.String).fill_null("unknown")
            lookup = attrs.select(pl.col(key).cast(pl.String), value.alias(PART))
            # A dimension table: broadcast to every executor, no shuffle of the sales.
            right = spark.createDataFrame(lookup.to_arrow())
            joined = df.withColumn("_key", F.col(key).cast("string")).join(
                F.broadcast(right.withColumnRenamed(key, "_key")), on="_key", how="left")
            return joined.drop("_key").fillna({PART: "unknown"})
    raise ConfigurationError(
        f"spark.partition_by {partition_by!r} is neither a column of sales nor of the stores "
        "or items table",
        details={"setting": "SHELFCAST_SPARK_PARTITION_BY", "value": partition_by},
    )


def partition_folder(partition_by: str, value: str) -> str:
    """A folder name for one partition's models, Hive style: ``store_id=S1``."""
    return f"{partition_by}={re.sub(r'[^A-Za-z0-9._-]', '_', value)}"
