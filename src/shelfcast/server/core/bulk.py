"""Bulk upserts of a Polars frame into a model's table, with no model instance per row (the
ORM's ``bulk_create`` builds one per row): on PostgreSQL, ``COPY`` into a temporary stage
then one ``INSERT ... SELECT ... ON CONFLICT``; on SQLite, ``executemany`` of the upsert."""

from __future__ import annotations

import polars as pl
from django.db import connection
from django.db.models import Model

__all__ = ["frame_upsert"]

CHUNK_ROWS = 20_000


def frame_upsert(*, model: type[Model], frame: pl.DataFrame, unique: list[str]) -> int:
    """Insert the rows of ``frame`` (columns named as the table's columns), replacing the
    other columns of a row whose ``unique`` columns already exist. Returns the rows sent."""
    if frame.is_empty():
        return 0
    table = connection.ops.quote_name(model._meta.db_table)
    columns = frame.columns
    quoted = [connection.ops.quote_name(c) for c in columns]
    updates = [f"{q} = excluded.{q}" for c, q in zip(columns, quoted, strict=True)
               if c not in unique]
    action = f"DO UPDATE SET {', '.join(updates)}" if updates else "DO NOTHING"
    sql = (f"INSERT INTO {table} ({', '.join(quoted)}) VALUES ({', '.join(['%s'] * len(columns))}) "
           f"ON CONFLICT ({', '.join(connection.ops.quote_name(c) for c in unique)}) {action}")
    if connection.vendor == "postgresql":
        return _upsert_postgresql(table, quoted, unique, action, frame)
    with connection.cursor() as cursor:
        for start in range(0, frame.height, CHUNK_ROWS):
            cursor.executemany(sql, frame.slice(start, CHUNK_ROWS).rows())
    return frame.height


def _upsert_postgresql(table: str, quoted: list[str], unique: list[str], action: str,
                       frame: pl.DataFrame) -> int:
    stage = connection.ops.quote_name("shelfcast_stage")
    cols = ", ".join(quoted)
    conflict = ", ".join(connection.ops.quote_name(c) for c in unique)
    with connection.cursor() as cursor:
        raw = cursor.cursor  # psycopg's own cursor, for COPY
        raw.execute(f"DROP TABLE IF EXISTS {stage}")
        raw.execute(f"CREATE TEMP TABLE {stage} AS SELECT {cols} FROM {table} WITH NO DATA")
        with raw.copy(f"COPY {stage} ({cols}) FROM STDIN") as copy:
            for row in frame.iter_rows():
                copy.write_row(row)
        raw.execute(f"INSERT INTO {table} ({cols}) SELECT {cols} FROM {stage} "
                    f"ON CONFLICT ({conflict}) {action}")
        raw.execute(f"DROP TABLE {stage}")
    return frame.height
