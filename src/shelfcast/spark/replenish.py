"""Order proposals and alerts on Spark: the core's ``propose`` over each partition's SKUs.

A forecast and the inventory of the same partition (store, region, category) meet in one
task (a cogroup), so every SKU is proposed exactly as ``shelfcast replenish`` proposes it.
The partition's sales and future rows travel with its forecast, as the local command passes them.
"""

from __future__ import annotations

from datetime import date

import polars as pl
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.types import StructType

from shelfcast.config import Settings
from shelfcast.data.schema import DATE, ITEM, STORE
from shelfcast.data.validate import validate_tables
from shelfcast.errors import ShelfcastError
from shelfcast.replenish.policies import Policy
from shelfcast.replenish.proposals import propose
from shelfcast.spark.arrow import arrow_out, empty_table, spark_schema, to_polars
from shelfcast.spark.partition import PART, with_partition
from shelfcast.spark.read import SparkDataset

__all__ = ["ORDERS", "ALERTS", "replenish_spark"]

SIDE = "_side"

ORDERS = pl.Schema({
    "store_id": pl.String, "item_id": pl.String, "order_date": pl.Date, "quantity": pl.Float64,
    "packs": pl.Int64, "arrival_date": pl.Date, "projected_on_hand_at_arrival": pl.Float64,
    "days_of_cover": pl.Float64, "service_level": pl.Float64, "reason": pl.String,
})
ALERTS = pl.Schema({
    "store_id": pl.String, "item_id": pl.String, "kind": pl.String,
    "projected_stockout_date": pl.Date, "on_hand": pl.Float64, "message": pl.String,
})


def replenish_spark(
    spark: SparkSession, data: SparkDataset, forecast: DataFrame, *, settings: Settings,
    partition_by: str, as_of: date, policy: Policy | str = Policy.RS,
) -> tuple[DataFrame, DataFrame]:
    """(orders, alerts) as Spark frames, in the layouts of INTERFACES.md."""
    if data.inventory is None:
        raise ShelfcastError("replenishment on Spark needs an inventory table")
    events = data.small.get("events")
    items = data.small.get("items")  # pack sizes, unit costs, shelf lives where inventory is silent
    files = dict(data.files)
    sales_cols = [c for c in data.sales.columns]
    future_cols = [c for c in data.future.columns] if data.future is not None else []
    fc_cols = list(forecast.columns)
    # One side of the cogroup carries the forecast, the partition's sales and its future rows
    # (tagged), so propose gets what the local command gives it: prices, recent level, promos.
    sides = [forecast.withColumn(SIDE, F.lit("forecast")), _tagged(data.sales, "sales")]
    if data.future is not None:
        sides.append(_tagged(data.future, "future"))
    left = sides[0]
    for other in sides[1:]:
        left = left.unionByName(other, allowMissingColumns=True)
    fc = with_partition(spark, left, partition_by, data.small)
    inv = with_partition(spark, data.inventory, partition_by, data.small)

    def proposals(mixed: pl.DataFrame, inv_part: pl.DataFrame):  # type: ignore[no-untyped-def]
        frames = {"inventory": inv_part.drop(PART),
                  "sales": mixed.filter(pl.col(SIDE) == "sales").select(sales_cols)}
        if future_cols:
            frames["future"] = mixed.filter(pl.col(SIDE) == "future").select(future_cols)
        typed, report = validate_tables(frames, files=files)
        report.raise_for_errors()
        fc_part = mixed.filter(pl.col(SIDE) == "forecast").select(fc_cols)
        return propose(fc_part, typed["inventory"], settings=settings, as_of=as_of,
                       sales=typed.get("sales"), future=typed.get("future"), events=events,
                       items=items, policy=policy)

    def side(kind: str, schema: StructType) -> DataFrame:
        def run(f, i):  # type: ignore[no-untyped-def]
            if i.num_rows == 0:
                return empty_table(schema)
            return arrow_out(getattr(proposals(to_polars(f), to_polars(i)), kind), schema)

        return fc.groupBy(PART).cogroup(inv.groupBy(PART)).applyInArrow(run, schema)

    return (side("orders", spark_schema(pl.DataFrame(schema=ORDERS))),
            side("alerts", spark_schema(pl.DataFrame(schema=ALERTS))))


def _tagged(df: DataFrame, side: str) -> DataFrame:
    """``df`` with dates as dates and measures as doubles, ready to share the forecast's frame."""
    cols = [F.to_date(F.col(DATE).cast("string")).alias(DATE),
            F.col(STORE).cast("string").alias(STORE), F.col(ITEM).cast("string").alias(ITEM)]
    cols += [F.col(c).cast("double").alias(c) for c in df.columns if c not in (DATE, STORE, ITEM)]
    return df.select(*cols).withColumn(SIDE, F.lit(side))
