"""The core's validation rules on Spark: each bucket of whole series checked by
``shelfcast.data.validate.validate_tables`` itself, so the rules and their wording are the
core's. Spark has no stable row order, so a bad row is named by its key values
(``store_id / item_id / date``) instead of a row number.

Per bucket, rules that look at one series (duplicates, a stale series, spikes) see the whole
series. A rule that compares with the table's last date (a stale series) compares with its
bucket's last date; the two rules across tables that need the whole chain (a ``future`` row
of a series without sales, a ``future`` date not after the sales) run as Spark joins below.
"""

from __future__ import annotations

import polars as pl
from pyspark.sql import DataFrame
from pyspark.sql import functions as F
from pyspark.sql.types import ArrayType, LongType, StringType, StructField, StructType

from shelfcast.data.issues import count_rows, keys_text
from shelfcast.data.report import MAX_EXAMPLES, Issue, ValidationReport
from shelfcast.data.schema import DATE, ITEM, KEYS, SERIES, STORE
from shelfcast.data.validate import validate_tables
from shelfcast.spark.arrow import BUCKET, bucket_column, per_group
from shelfcast.spark.read import SparkDataset

__all__ = ["validate_spark", "table_issues", "ISSUE_SCHEMA"]

TABLE_KEYS = {"sales": KEYS, "future": KEYS, "inventory": SERIES}
_ROWS = "{rows}"

ISSUE_SCHEMA = StructType([
    StructField("level", StringType()), StructField("code", StringType()),
    StructField("file", StringType()), StructField("column", StringType()),
    StructField("message", StringType()), StructField("expected", StringType()),
    StructField("count", LongType()), StructField("keyed", LongType()),
    StructField("keys", ArrayType(StringType())), StructField("values", ArrayType(StringType())),
])


def _bucket_issues(table: str, file: str):  # type: ignore[no-untyped-def]
    keys = [k for k in (STORE, ITEM, DATE) if k in TABLE_KEYS[table]]

    def check(frame: pl.DataFrame) -> pl.DataFrame:
        frame = frame.drop(BUCKET)
        # A fixed order inside the bucket, so row positions map back to key values.
        present = [k for k in keys if k in frame.columns]
        if present:
            frame = frame.sort([pl.col(k).cast(pl.String) for k in present], nulls_last=True)
        _, report = validate_tables({table: frame}, files={table: file}, cross_checks=False)
        rows = []
        for issue in report.issues:
            positions = [r - 1 for r in issue.rows if 0 < r <= frame.height]
            quoted = keys_text(frame[positions], present).to_list() if positions and present else []
            message = issue.message
            if issue.rows and count_rows(issue.count) in message:
                message = message.replace(count_rows(issue.count), _ROWS, 1)
            rows.append({
                "level": issue.level, "code": issue.code, "file": issue.file,
                "column": issue.column, "message": message, "expected": issue.expected,
                "count": issue.count, "keyed": 1 if quoted else 0, "keys": quoted,
                "values": [str(v) for v in issue.values],
            })
        return pl.DataFrame(rows, schema={
            "level": pl.String, "code": pl.String, "file": pl.String, "column": pl.String,
            "message": pl.String, "expected": pl.String, "count": pl.Int64, "keyed": pl.Int64,
            "keys": pl.List(pl.String), "values": pl.List(pl.String),
        })

    return check


def table_issues(df: DataFrame, table: str, file: str, buckets: int) -> DataFrame:
    """One row per issue kind of ``table`` over all buckets (a small frame: safe to collect)."""
    bucketed = df.withColumn(BUCKET, bucket_column(buckets))
    raw = per_group(bucketed, [BUCKET], _bucket_issues(table, file), ISSUE_SCHEMA)
    return raw.groupBy("level", "code", "file", "column", "expected").agg(
        # Rows add up across buckets; a table-wide issue (a missing column) is the same in each.
        F.when(F.max("keyed") > 0, F.sum("count")).otherwise(F.max("count")).alias("count"),
        F.first("message").alias("message"),
        F.slice(F.flatten(F.collect_list("keys")), 1, MAX_EXAMPLES).alias("keys"),
        F.slice(F.flatten(F.collect_list("values")), 1, MAX_EXAMPLES).alias("values"),
    )


def _issue(row: dict, key_names: str) -> Issue:  # type: ignore[type-arg]
    message = row["message"].replace(_ROWS, count_rows(int(row["count"])))
    if row["keys"]:
        more = ", ..." if row["count"] > len(row["keys"]) else ""
        message += f" ({key_names} {', '.join(row['keys'])}{more}"
        if row["values"]:
            label = "values" if len(row["values"]) > 1 else "value"
            message += f"; {label} {', '.join(row['values'])}"
        message += ")"
    return Issue(row["level"], row["code"], row["file"], message, column=row["column"],
                 count=int(row["count"]), values=tuple(row["values"]), expected=row["expected"])


def validate_spark(data: SparkDataset, *, buckets: int = 64) -> ValidationReport:
    """Every issue of the Spark dataset's tables, with the small tables' issues already read."""
    report = ValidationReport(issues=list(data.report.issues), notes=list(data.report.notes))
    for table in ("sales", "future", "inventory"):
        df = getattr(data, table)
        if df is None:
            continue
        names = " / ".join(k for k in (STORE, ITEM, DATE) if k in TABLE_KEYS[table])
        for row in table_issues(df, table, data.files[table], buckets).collect():
            report.add(_issue(row.asDict(), f"keys {names}"))
    if data.future is not None:
        _future_against_sales(data, report)
    return report


def _future_against_sales(data: SparkDataset, report: ValidationReport) -> None:
    """The core's two row rules of ``future`` against ``sales`` that need the whole chain."""
    sales_file, file = data.files["sales"], data.files["future"]
    as_text = [F.col(k).cast("string").alias(k) for k in SERIES]
    known = data.sales.select(*as_text).distinct()
    fut = data.future.select(*as_text, F.to_date(F.col(DATE).cast("string")).alias(DATE))
    stray = fut.join(known, on=list(SERIES), how="left_anti")
    n, keys = _count_and_examples(stray, [STORE, ITEM])
    if n:
        report.add(Issue(
            "error", "unknown_series", file,
            f"a store_id / item_id that {sales_file} does not have (no history to forecast "
            f"from) in {count_rows(n)} (keys store_id / item_id {', '.join(keys)})",
            count=n, values=tuple(keys),
            expected=f"a store_id / item_id that appears in {sales_file}",
        ))
    last = data.sales.select(F.max(F.to_date(F.col(DATE).cast("string")))).first()[0]
    if last is None:
        return
    n, keys = _count_and_examples(fut.filter(F.col(DATE) <= F.lit(last)), [STORE, ITEM, DATE])
    if n:
        report.add(Issue(
            "error", "future_not_after_sales", file,
            f"dates on or before the last date of {sales_file} ({last.isoformat()}) in "
            f"{count_rows(n)} (keys store_id / item_id / date {', '.join(keys)})",
            column=DATE, count=n, values=tuple(keys), expected=f"dates after {last.isoformat()}",
        ))


def _count_and_examples(df: DataFrame, keys: list[str]) -> tuple[int, list[str]]:
    """How many rows, and the key values of the first few in key order (never the whole)."""
    n = df.count()
    if not n:
        return 0, []
    text = F.concat_ws(" / ", *[F.col(k).cast("string") for k in keys]).alias("k")
    return n, [r["k"] for r in df.select(text).orderBy("k").limit(MAX_EXAMPLES).collect()]
