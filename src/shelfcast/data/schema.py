"""The frame contract: the column names of DATA_FORMAT.md as named constants.

Every public function that takes a frame expects these names (as mlforecast's
``id_col``/``time_col``/``target_col`` do for theirs). Types inside the core, once a
table has been read and validated:

- ``date``: ``pl.Date``; ``timestamp``: ``pl.Datetime("us", "UTC")``
- ``store_id``, ``item_id``: ``pl.String``
- every number: ``pl.Float64`` (``open``/``stockout``/``promo`` included), integer
  settings of ``inventory`` (lead time, review period, pack size): ``pl.Int64``
"""

from __future__ import annotations

__all__ = [
    "DATE", "STORE", "ITEM", "SALES", "PRICE", "PROMO", "OPEN", "STOCKOUT",
    "EVENT", "TIMESTAMP", "TRANSACTION_ID", "QUANTITY", "UNIT_PRICE",
    "FORECAST", "KEYS", "SERIES", "TABLES", "REQUIRED_TABLES", "SALES_RESERVED",
    "NOT_KNOWN_IN_ADVANCE", "quantile_column", "INVENTORY_COLUMNS", "TRANSACTION_COLUMNS",
]

DATE = "date"
STORE = "store_id"
ITEM = "item_id"
SALES = "sales"
PRICE = "price"
PROMO = "promo"
OPEN = "open"
STOCKOUT = "stockout"
EVENT = "event"
TIMESTAMP = "timestamp"
TRANSACTION_ID = "transaction_id"
QUANTITY = "quantity"
UNIT_PRICE = "unit_price"
FORECAST = "forecast"

SERIES: tuple[str, str] = (STORE, ITEM)
"""A series is one store and one item."""
KEYS: tuple[str, str, str] = (DATE, STORE, ITEM)
"""A row of ``sales`` or ``future`` is one series on one day."""

TABLES: tuple[str, ...] = (
    "sales", "future", "events", "stores", "items", "weather", "inventory", "transactions",
)
REQUIRED_TABLES: tuple[str, ...] = ("sales",)

SALES_RESERVED: frozenset[str] = frozenset({DATE, STORE, ITEM, SALES, STOCKOUT})
"""Columns of ``sales`` that are not covariates known in advance."""
NOT_KNOWN_IN_ADVANCE: frozenset[str] = frozenset({SALES, STOCKOUT})
"""Columns that must never appear in ``future``."""

INVENTORY_COLUMNS: tuple[str, ...] = (
    STORE, ITEM, "as_of", "on_hand", "on_order", "next_arrival_date", "lead_time_days",
    "review_period_days", "service_level", "pack_size", "min_order", "max_stock",
    "unit_cost", "shelf_life_days",
)
TRANSACTION_COLUMNS: tuple[str, ...] = (
    TRANSACTION_ID, TIMESTAMP, STORE, ITEM, QUANTITY, UNIT_PRICE,
)


def quantile_column(q: float) -> str:
    """``0.9 -> "q90"``, ``0.995 -> "q99.5"``: ``q`` plus the percent, as the forecast file names it."""
    percent = round(q * 100, 6)
    return f"q{int(percent)}" if percent == int(percent) else f"q{percent:g}"
