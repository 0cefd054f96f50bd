"""Parsing and checking a batch of till lines, column by column (no serializer per line).

``transaction_lines_parse`` turns the JSON lines of ``POST /api/transactions/`` into typed
columns of the lines that are well-formed, and a rejection (index, code, message) for each
line that is not. It touches no database: the unknown-store/item and conflict checks, which
need it, are in ``services``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

__all__ = [
    "TransactionErrorCode", "Rejection", "ParsedLines", "transaction_lines_parse",
    "MAX_ID_LENGTH", "MAX_KEY_LENGTH",
]

MAX_ID_LENGTH = 128
MAX_KEY_LENGTH = 64
_MISSING = object()


class TransactionErrorCode(StrEnum):
    """Why a line was rejected (``rejected[].error``)."""

    INVALID_LINE = "invalid_line"
    MISSING_FIELD = "missing_field"
    INVALID_TYPE = "invalid_type"
    INVALID_VALUE = "invalid_value"
    INVALID_TIMESTAMP = "invalid_timestamp"
    UNKNOWN_STORE = "unknown_store"
    UNKNOWN_ITEM = "unknown_item"
    CONFLICT = "conflict"


@dataclass(frozen=True)
class Rejection:
    index: int
    error: str
    message: str


@dataclass
class ParsedLines:
    """The well-formed lines as columns (``index`` is the position in the batch)."""

    index: list[int] = field(default_factory=list)
    transaction_id: list[str] = field(default_factory=list)
    timestamp: list[datetime] = field(default_factory=list)  # aware, UTC
    store_id: list[str] = field(default_factory=list)
    item_id: list[str] = field(default_factory=list)
    quantity: list[float] = field(default_factory=list)
    unit_price: list[float | None] = field(default_factory=list)
    rejected: list[Rejection] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.index)

    def content(self, k: int) -> tuple[Any, ...]:
        """What a line says, to compare two lines with the same ``transaction_id``."""
        return (self.timestamp[k], self.store_id[k], self.item_id[k], self.quantity[k],
                self.unit_price[k])

    def keep(self, positions: list[int]) -> ParsedLines:
        """Only the lines at ``positions`` (of these columns); rejections carried over."""
        return ParsedLines(
            index=[self.index[k] for k in positions],
            transaction_id=[self.transaction_id[k] for k in positions],
            timestamp=[self.timestamp[k] for k in positions],
            store_id=[self.store_id[k] for k in positions],
            item_id=[self.item_id[k] for k in positions],
            quantity=[self.quantity[k] for k in positions],
            unit_price=[self.unit_price[k] for k in positions],
            rejected=self.rejected,
        )


def _is_number(v: Any) -> bool:
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def _finite(v: Any) -> bool:
    try:
        return math.isfinite(float(v))
    except OverflowError:
        return False


def _text_problem(v: Any, name: str, max_length: int) -> tuple[str, str] | None:
    if v is _MISSING or v is None:
        return TransactionErrorCode.MISSING_FIELD, f"'{name}' is missing"
    if not isinstance(v, str):
        return (TransactionErrorCode.INVALID_TYPE,
                f"'{name}' must be a string, got {type(v).__name__} {v!r:.40}")
    if not v.strip():
        return TransactionErrorCode.INVALID_VALUE, f"'{name}' is empty"
    if len(v) > max_length:
        return (TransactionErrorCode.INVALID_VALUE,
                f"'{name}' is {len(v)} characters long; at most {max_length} are allowed")
    if "\x00" in v:
        return TransactionErrorCode.INVALID_VALUE, f"'{name}' contains a NUL character"
    try:
        v.encode("utf-8")
    except UnicodeEncodeError:
        return TransactionErrorCode.INVALID_VALUE, f"'{name}' is not valid Unicode text"
    return None


def _timestamp(v: Any) -> datetime | tuple[str, str]:
    if v is _MISSING or v is None:
        return TransactionErrorCode.MISSING_FIELD, "'timestamp' is missing"
    if not isinstance(v, str):
        return (TransactionErrorCode.INVALID_TYPE,
                f"'timestamp' must be an ISO 8601 string, got {type(v).__name__} {v!r:.40}")
    try:
        ts = datetime.fromisoformat(v)
    except ValueError:
        return (TransactionErrorCode.INVALID_TIMESTAMP,
                f"'timestamp' {v!r:.60} is not an ISO 8601 date and time "
                "(expected e.g. 2024-03-01T09:15:00+01:00)")
    if ts.tzinfo is None or ts.utcoffset() is None:
        return (TransactionErrorCode.INVALID_TIMESTAMP,
                f"'timestamp' {v!r:.60} has no time zone (add Z or an offset such as +01:00)")
    try:
        return ts.astimezone(UTC)
    except (OverflowError, ValueError):
        return TransactionErrorCode.INVALID_TIMESTAMP, f"'timestamp' {v!r:.60} is out of range"


def transaction_lines_parse(lines: list[Any]) -> ParsedLines:
    """Check every line of a batch, column by column; keep the well-formed ones."""
    n = len(lines)
    problem: list[tuple[str, str] | None] = [None] * n
    objects = [line if isinstance(line, dict) else None for line in lines]
    for i, obj in enumerate(objects):
        if obj is None:
            problem[i] = (TransactionErrorCode.INVALID_LINE,
                          f"line {i} is a {type(lines[i]).__name__}, not an object")

    def column(name: str) -> list[Any]:
        return [obj.get(name, _MISSING) if obj is not None else _MISSING for obj in objects]

    def flag(i: int, found: tuple[str, str] | None) -> None:
        if found is not None and problem[i] is None:
            problem[i] = found

    ids = column("transaction_id")
    for i, v in enumerate(ids):
        flag(i, _text_problem(v, "transaction_id", MAX_ID_LENGTH))
    stores = column("store_id")
    for i, v in enumerate(stores):
        flag(i, _text_problem(v, "store_id", MAX_KEY_LENGTH))
    items = column("item_id")
    for i, v in enumerate(items):
        flag(i, _text_problem(v, "item_id", MAX_KEY_LENGTH))
    stamps = [_timestamp(v) for v in column("timestamp")]
    for i, ts in enumerate(stamps):
        if isinstance(ts, tuple):
            flag(i, ts)
    quantities = column("quantity")
    for i, v in enumerate(quantities):
        if v is _MISSING or v is None:
            flag(i, (TransactionErrorCode.MISSING_FIELD, "'quantity' is missing"))
        elif not _is_number(v):
            flag(i, (TransactionErrorCode.INVALID_TYPE,
                     f"'quantity' must be a number, got {type(v).__name__} {v!r:.40}"))
        elif not _finite(v):
            flag(i, (TransactionErrorCode.INVALID_VALUE, "'quantity' must be a finite number"))
    prices = column("unit_price")
    for i, v in enumerate(prices):
        if v is _MISSING or v is None:
            continue
        if not _is_number(v):
            flag(i, (TransactionErrorCode.INVALID_TYPE,
                     f"'unit_price' must be a number or null, got {type(v).__name__} {v!r:.40}"))
        elif not _finite(v) or v < 0:
            flag(i, (TransactionErrorCode.INVALID_VALUE,
                     f"'unit_price' must be a finite number >= 0, got {v!r:.40}"))

    parsed = ParsedLines()
    for i in range(n):
        if problem[i] is not None:
            code, message = problem[i]  # type: ignore[misc]
            parsed.rejected.append(Rejection(i, str(code), message))
            continue
        parsed.index.append(i)
        parsed.transaction_id.append(ids[i])
        parsed.timestamp.append(stamps[i])  # type: ignore[arg-type]
        parsed.store_id.append(stores[i])
        parsed.item_id.append(items[i])
        parsed.quantity.append(float(quantities[i]))
        price = prices[i]
        parsed.unit_price.append(None if price is _MISSING or price is None else float(price))
    return parsed
