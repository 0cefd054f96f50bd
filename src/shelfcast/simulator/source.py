"""The lines to replay, as the contract's ``transactions`` and in timestamp order.

Three ways in: a dataset folder's ``transactions`` table, a file already in that layout,
or any file through an import mapping (``kind: transactions``) — the same mapping
``shelfcast ingest`` uses, so a replay sends exactly the lines an import would keep, with
the same transaction ids.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from shelfcast.data.ingest import tx_columns
from shelfcast.data.load import find_tables
from shelfcast.data.mapped import (
    REASON,
    ROW,
    W_ITEM,
    W_PRICE,
    W_QTY,
    W_STORE,
    W_TS,
    check_columns,
    check_number,
    check_time,
    number,
    with_reason,
    with_time,
)
from shelfcast.data.mapping import ImportMapping, load_mapping
from shelfcast.data.read import read_table
from shelfcast.data.schema import TIMESTAMP, TRANSACTION_COLUMNS, TRANSACTION_ID
from shelfcast.data.sources import read_chunks, resolve_sources
from shelfcast.errors import MappingError, ShelfcastError

__all__ = ["lines_from_folder", "lines_from_file", "lines_from_mapping", "in_replay_order"]


def in_replay_order(lines: pl.DataFrame) -> pl.DataFrame:
    """Contract columns only, oldest first (ties by id, so every replay has one order)."""
    return lines.select([c for c in TRANSACTION_COLUMNS if c in lines.columns]).sort(
        TIMESTAMP, TRANSACTION_ID
    )


def lines_from_folder(folder: str | Path) -> pl.DataFrame:
    """The dataset folder's ``transactions`` table."""
    tables, _ = find_tables(folder)
    if "transactions" not in tables:
        raise ShelfcastError(
            f"{folder}: no transactions table (transactions.csv, .parquet ...) to replay; "
            "`shelfcast generate` writes one, or give --file",
            details={"path": str(folder), "tables": sorted(tables)},
        )
    return lines_from_file(tables["transactions"])


def lines_from_file(path: str | Path) -> pl.DataFrame:
    """A file in the contract's transactions layout, read and checked as the contract says."""
    if not Path(path).is_file():
        raise ShelfcastError(f"{path}: no such file", details={"path": str(path)})
    return in_replay_order(read_table(path, table="transactions"))


def lines_from_mapping(path: str | Path, mapping: ImportMapping | str | Path,
                       *, time_zone: str = "UTC") -> pl.DataFrame:
    """Any file, read as an import mapping's ``sales`` says (kind ``transactions``): its
    drop rules applied, times placed in the mapping's zone, ids from its
    ``transactions.transaction_id`` (the source row number when it names none)."""
    if not isinstance(mapping, ImportMapping):
        mapping = load_mapping(mapping)
    spec = mapping.sales
    if spec.kind != "transactions" or spec.timestamp is None:
        raise MappingError(
            f"{mapping.origin}: sales must be of kind 'transactions' with a timestamp to be "
            "replayed (a daily table has no till lines)",
            details={"key": "sales.kind", "kind": spec.kind},
        )
    ref = resolve_sources(mapping, [path])[spec.source]
    tz = mapping.time_zone or time_zone
    needed = {"sales.timestamp": spec.timestamp.columns, "sales.store": spec.store.columns,
              "sales.item": spec.item.columns, "sales.quantity": (spec.quantity,),
              "sales.drop": tuple(c.column for r in spec.drop for c in r.where)}
    key = spec.transactions.transaction_id if spec.transactions else None
    if key is not None:
        needed["sales.transactions.transaction_id"] = key.columns
    if spec.unit_price:
        needed["sales.unit_price"] = (spec.unit_price,)
    kept, offset = [], 0
    for chunk in read_chunks(ref):
        check_columns(chunk, needed, ref.label)
        df = chunk.with_row_index(ROW, offset=offset + 1)
        offset += chunk.height
        df = with_time(df, spec.timestamp, tz, as_datetime=True)
        derived = [spec.store.expr(W_STORE), spec.item.expr(W_ITEM),
                   number(spec.quantity).alias(W_QTY)]  # type: ignore[arg-type]
        if spec.unit_price:
            derived.append(number(spec.unit_price).alias(W_PRICE))
        df = df.with_columns(derived)
        # Lines an import would not keep are not sent either: a line without a time,
        # store, item or quantity is no till line.
        missing = [("missing", pl.col(c).is_null()) for c in (W_TS, W_STORE, W_ITEM, W_QTY)]
        if spec.returns == "drop":
            missing.append(("return", pl.col(W_QTY) < 0))
        df = with_reason(df, spec.drop, missing)
        check_time(df, spec.timestamp, ref.label)
        check_number(df, spec.quantity, W_QTY, ref.label)  # type: ignore[arg-type]
        if spec.unit_price:
            check_number(df, spec.unit_price, W_PRICE, ref.label)
        ok = df.filter(pl.col(REASON).is_null())
        line_id = key.expr(TRANSACTION_ID) if key else pl.format("L{}", pl.col(ROW)).alias(
            TRANSACTION_ID)
        kept.append(ok.with_columns(line_id).select(TRANSACTION_ID, *tx_columns(ok)))
    lines = pl.concat(kept, how="vertical_relaxed")
    # A repeated id gets -2, -3 ... in source order, as `shelfcast ingest` numbers them.
    n = pl.int_range(pl.len()).over(TRANSACTION_ID) + 1
    unique = pl.when(n == 1).then(pl.col(TRANSACTION_ID)).otherwise(
        pl.format("{}-{}", pl.col(TRANSACTION_ID), n))
    return in_replay_order(lines.with_columns(unique.alias(TRANSACTION_ID)))
