"""Writes of the sales app: idempotent ingest of till lines with running intraday totals.

``transactions_ingest`` stores a batch in one database transaction: one statement inserts
the new lines (``INSERT ... ON CONFLICT (transaction_id) DO NOTHING RETURNING``; only the
lines it did not insert are then looked up, to tell a duplicate from a conflict; fed by
``unnest`` of arrays on PostgreSQL and by ``json_each`` of one JSON parameter on SQLite), and
one statement upserts the totals of each store, item and business day (the local calendar
day of the timestamp in ``TIME_ZONE``: ``shelfcast.data.transactions.local_day``). After the
commit, ``sales.ingested`` events go to the live groups (``events``).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import partial
from typing import Any

import polars as pl
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Sum
from django.utils import timezone

from shelfcast.data.transactions import local_day
from shelfcast.server.catalog.models import Item, Store
from shelfcast.server.live.dispatch import TouchedKey
from shelfcast.server.sales.events import sales_ingested_send
from shelfcast.server.sales.ingest import (
    ParsedLines,
    Rejection,
    TransactionErrorCode,
    transaction_lines_parse,
)
from shelfcast.server.sales.models import IntradayTotal, Transaction

__all__ = ["StoreDayTotal", "IngestResult", "transactions_ingest"]

Totals = dict[TouchedKey, tuple[float, int]]
"""(store, item, business day) -> (units, lines) of a batch's accepted lines."""


@dataclass(frozen=True)
class StoreDayTotal:
    """A store's running totals for one business day, after the batch."""

    store_id: str
    date: date
    lines: int
    units: float


@dataclass(frozen=True)
class IngestResult:
    accepted: int
    duplicate: int
    rejected: list[Rejection] = field(default_factory=list)
    store_days: list[StoreDayTotal] = field(default_factory=list)


def _known(stores: set[str], items: set[str]) -> tuple[set[str], set[str]]:
    """Which of these stores and items exist, in one statement (on PostgreSQL with the ids
    bound server-side: Django quoting a few hundred ids into the SQL cost more than the query)."""
    if connection.vendor == "postgresql":
        with _binary_cursor() as cursor:
            cursor.execute(
                f"SELECT true, store_id FROM {Store._meta.db_table} "
                "WHERE store_id = ANY(%b::text[]) "
                f"UNION ALL SELECT false, item_id FROM {Item._meta.db_table} "
                "WHERE item_id = ANY(%b::text[])", [list(stores), list(items)])
            rows = cursor.fetchall()
        return {v for is_store, v in rows if is_store}, {v for is_store, v in rows if not is_store}
    return (set(Store.objects.filter(store_id__in=stores).values_list("store_id", flat=True)),
            set(Item.objects.filter(item_id__in=items).values_list("item_id", flat=True)))


def _reject_unknown(parsed: ParsedLines) -> ParsedLines:
    stores, items = _known(set(parsed.store_id), set(parsed.item_id))
    keep = []
    for k in range(len(parsed)):
        if parsed.store_id[k] not in stores:
            parsed.rejected.append(Rejection(
                parsed.index[k], TransactionErrorCode.UNKNOWN_STORE,
                f"store_id {parsed.store_id[k]!r} is not a known store (load the stores first)"))
        elif parsed.item_id[k] not in items:
            parsed.rejected.append(Rejection(
                parsed.index[k], TransactionErrorCode.UNKNOWN_ITEM,
                f"item_id {parsed.item_id[k]!r} is not a known item (load the items first)"))
        else:
            keep.append(k)
    return parsed.keep(keep)


def _conflict(index: int, transaction_id: str, where: str) -> Rejection:
    return Rejection(index, TransactionErrorCode.CONFLICT,
                     f"transaction_id {transaction_id!r} was already {where} with a different "
                     "content; the line was not applied")


def _stored_content(ids: Sequence[str]) -> dict[str, tuple[Any, ...]]:
    rows = Transaction.objects.filter(transaction_id__in=list(ids)).values_list(
        "transaction_id", "timestamp", "store_id", "item_id", "quantity", "unit_price")
    return {row[0]: tuple(row[1:]) for row in rows}


def _business_days(timestamps: list[datetime], time_zone: str) -> list[date]:
    if not timestamps:
        return []
    # From epoch microseconds: Polars takes integers far faster than datetime objects.
    micros = pl.Series("ts", [_epoch_us(t) for t in timestamps], dtype=pl.Int64)
    return micros.cast(pl.Datetime("us", "UTC")).to_frame().select(
        local_day(pl.col("ts"), time_zone))["ts"].to_list()


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _epoch_us(t: datetime) -> int:
    return (t - _EPOCH) // timedelta(microseconds=1)


def _binary_cursor() -> Any:
    """A psycopg cursor with server-side binding on Django's connection (same transaction).

    Django's cursors bind parameters on the client: each element of a 1,000-element array
    is quoted into the SQL text in Python, which cost more than the statement itself. With
    server-side binding and ``%b`` the arrays travel in binary, dumped by psycopg's C code."""
    import psycopg

    connection.ensure_connection()
    return psycopg.Cursor(connection.connection)


def _insert_lines(parsed: ParsedLines, days: list[date], received_at: datetime) -> set[str]:
    """Insert the lines whose ``transaction_id`` is not stored yet; the ids inserted."""
    table = Transaction._meta.db_table
    columns = "transaction_id, timestamp, business_day, store_id, item_id, quantity, " \
              "unit_price, received_at"
    if connection.vendor == "postgresql":
        with _binary_cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} ({columns}) "
                "SELECT t.*, %b FROM unnest(%b::text[], %b::timestamptz[], %b::date[], "
                "%b::text[], %b::text[], %b::float8[], %b::float8[]) AS t "
                "ON CONFLICT (transaction_id) DO NOTHING RETURNING transaction_id",
                [received_at, parsed.transaction_id, parsed.timestamp, days, parsed.store_id,
                 parsed.item_id, parsed.quantity, parsed.unit_price],
            )
            return {row[0] for row in cursor.fetchall()}
    with connection.cursor() as cursor:
        # SQLite (and any other backend): the rows as one JSON parameter.
        adapt = connection.ops.adapt_datetimefield_value
        rows = json.dumps([
            [parsed.transaction_id[k], adapt(parsed.timestamp[k]), days[k].isoformat(),
             parsed.store_id[k], parsed.item_id[k], parsed.quantity[k], parsed.unit_price[k]]
            for k in range(len(parsed))
        ])
        cursor.execute(
            f"INSERT INTO {table} ({columns}) "
            "SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), "
            "json_extract(value, '$[2]'), json_extract(value, '$[3]'), "
            "json_extract(value, '$[4]'), json_extract(value, '$[5]'), "
            "json_extract(value, '$[6]'), %s FROM json_each(%s) WHERE true "
            "ON CONFLICT (transaction_id) DO NOTHING RETURNING transaction_id",
            [adapt(received_at), rows],
        )
        return {row[0] for row in cursor.fetchall()}


def _totals(lines: ParsedLines, days: list[date], rows: list[int]) -> Totals:
    """``units`` and ``lines`` of ``rows`` per (store, item, business day), in key order: one
    lock order for concurrent batches. (A dict: a DataFrame's set-up cost more, at 1,000 lines.)"""
    totals: dict[TouchedKey, list[float]] = {}
    for k in rows:
        key = (lines.store_id[k], lines.item_id[k], days[k])
        entry = totals.get(key)
        if entry is None:
            totals[key] = [lines.quantity[k], 1]
        else:
            entry[0] += lines.quantity[k]
            entry[1] += 1
    return {key: (units, int(n)) for key, (units, n) in sorted(totals.items())}


def _upsert_totals(totals: Totals, updated_at: datetime) -> None:
    """Add each (store, item, day)'s ``units`` and ``lines`` to the running totals."""
    if not totals:
        return
    table = IntradayTotal._meta.db_table
    update = (f"ON CONFLICT (store_id, item_id, business_day) DO UPDATE SET "
              f"units = {table}.units + excluded.units, lines = {table}.lines + excluded.lines, "
              "updated_at = excluded.updated_at")
    columns = "store_id, item_id, business_day, units, lines, updated_at"
    if connection.vendor == "postgresql":
        with _binary_cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} ({columns}) "
                "SELECT t.*, %b FROM unnest(%b::text[], %b::text[], %b::date[], %b::float8[], "
                f"%b::int[]) AS t {update}",
                [updated_at, [k[0] for k in totals], [k[1] for k in totals],
                 [k[2] for k in totals], [v[0] for v in totals.values()],
                 [v[1] for v in totals.values()]],
            )
        return
    with connection.cursor() as cursor:
        # SQLite (and any other backend): the rows as one JSON parameter.
        rows = json.dumps([[store, item, day.isoformat(), units, n]
                           for (store, item, day), (units, n) in totals.items()])
        cursor.execute(
            f"INSERT INTO {table} ({columns}) "
            "SELECT json_extract(value, '$[0]'), json_extract(value, '$[1]'), "
            "json_extract(value, '$[2]'), json_extract(value, '$[3]'), "
            f"json_extract(value, '$[4]'), %s FROM json_each(%s) WHERE true {update}",
            [connection.ops.adapt_datetimefield_value(updated_at), rows],
        )


def _store_days(pairs: set[tuple[str, date]]) -> list[StoreDayTotal]:
    if not pairs:
        return []
    rows = (IntradayTotal.objects
            .filter(store_id__in={s for s, _ in pairs}, business_day__in={d for _, d in pairs})
            .values("store_id", "business_day")
            .annotate(total_lines=Sum("lines"), total_units=Sum("units"))
            .order_by("store_id", "business_day"))
    return [StoreDayTotal(r["store_id"], r["business_day"], int(r["total_lines"]),
                          float(r["total_units"]))
            for r in rows if (r["store_id"], r["business_day"]) in pairs]


@transaction.atomic
def transactions_ingest(*, lines: list[Any]) -> IngestResult:
    """Store a batch of till lines idempotently; see the module docstring.

    A line whose ``transaction_id`` is already stored (or earlier in the batch) with the
    same content is a duplicate, with a different content a ``conflict``; neither is applied.
    Malformed lines and unknown stores/items are rejected; the others are accepted.
    """
    parsed = transaction_lines_parse(lines)
    parsed = _reject_unknown(parsed)

    # Within the batch: the first line of each transaction_id stands for it.
    first: dict[str, int] = {}
    later: list[int] = []
    for k, tid in enumerate(parsed.transaction_id):
        if tid in first:
            later.append(k)
        else:
            first[tid] = k
    new = parsed.keep(sorted(first.values()))
    duplicate = 0
    outcome: dict[str, str] = {}  # transaction_id -> "accepted" | "duplicate" | "conflict"

    # Insert first, look up only what was not inserted: a batch of new lines (the usual case)
    # costs one statement, and a line stored concurrently by another request is judged the same
    # way as one stored long ago.
    days = _business_days(new.timestamp, settings.TIME_ZONE)
    now = timezone.now()
    inserted = _insert_lines(new, days, now) if len(new) else set()
    present = [k for k, tid in enumerate(new.transaction_id) if tid not in inserted]
    if present:
        stored = _stored_content([new.transaction_id[k] for k in present])
        for k in present:
            tid = new.transaction_id[k]
            if stored.get(tid) == new.content(k):
                outcome[tid] = "duplicate"
                duplicate += 1
            else:
                outcome[tid] = "conflict"
                parsed.rejected.append(_conflict(new.index[k], tid, "stored"))
    accepted_rows = [k for k, tid in enumerate(new.transaction_id) if tid in inserted]
    for k in accepted_rows:
        outcome[new.transaction_id[k]] = "accepted"

    for k in later:
        tid = parsed.transaction_id[k]
        same = parsed.content(k) == parsed.content(first[tid])
        if same and outcome.get(tid) in ("accepted", "duplicate"):
            duplicate += 1
        elif same:
            parsed.rejected.append(_conflict(parsed.index[k], tid, "stored"))
        else:
            parsed.rejected.append(_conflict(parsed.index[k], tid, "sent earlier in this batch"))

    totals = _totals(new, days, accepted_rows)
    _upsert_totals(totals, now)
    store_days = _store_days({(store, day) for store, _, day in totals})
    if store_days:
        transaction.on_commit(partial(sales_ingested_send, store_days=store_days,
                                      keys=list(totals), latest=max(new.timestamp, default=None)))
    parsed.rejected.sort(key=lambda r: r.index)
    return IngestResult(accepted=len(accepted_rows), duplicate=duplicate,
                        rejected=parsed.rejected, store_days=store_days)
