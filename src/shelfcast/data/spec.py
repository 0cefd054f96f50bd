"""What each table of the dataset folder holds: its required and known columns, and their kinds.

DATA_FORMAT.md in code. The reader uses it to type CSV columns on the fast path; the
validation rules (``shelfcast.data.validate``) coerce every column to its kind.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from shelfcast.data.schema import (
    DATE,
    EVENT,
    ITEM,
    OPEN,
    PRICE,
    PROMO,
    QUANTITY,
    SALES,
    STOCKOUT,
    STORE,
    TIMESTAMP,
    TRANSACTION_ID,
    UNIT_PRICE,
)

__all__ = ["Kind", "Extra", "TableSpec", "SPECS", "EXPECTED"]

Kind = Literal["date", "string", "number", "integer", "flag", "timestamp"]
"""``flag`` is a number that must be 0 or 1; ``integer`` a whole number (typed ``pl.Int64``)."""

Extra = Literal["number", "auto"]
"""What other columns are: ``number`` (covariates: non-numeric ones are dropped with a
warning) or ``auto`` (attributes: numbers when every value is one, else strings)."""

EXPECTED: dict[Kind, str] = {
    "date": "a date as YYYY-MM-DD (or an ISO date-time at midnight)",
    "string": "text",
    "number": "a number",
    "integer": "a whole number",
    "flag": "0 or 1",
    "timestamp": "an ISO 8601 date-time with a time zone, e.g. 2024-03-01T09:15:00+01:00",
}


@dataclass(frozen=True)
class TableSpec:
    name: str
    required: tuple[str, ...]
    columns: dict[str, Kind] = field(default_factory=dict)
    """Every known column (required ones included) and its kind."""
    extra: Extra = "auto"

    def kind(self, column: str) -> Kind | None:
        return self.columns.get(column)


_COVARIATES: dict[str, Kind] = {PRICE: "number", PROMO: "number", OPEN: "flag"}

SPECS: dict[str, TableSpec] = {
    spec.name: spec
    for spec in (
        TableSpec(
            "sales", (DATE, STORE, ITEM, SALES),
            {DATE: "date", STORE: "string", ITEM: "string", SALES: "number",
             **_COVARIATES, STOCKOUT: "flag"},
            extra="number",
        ),
        TableSpec(
            "future", (DATE, STORE, ITEM),
            # sales/stockout are typed so that their presence is reported, not mis-typed.
            {DATE: "date", STORE: "string", ITEM: "string", **_COVARIATES,
             SALES: "number", STOCKOUT: "flag"},
            extra="number",
        ),
        TableSpec("events", (DATE, EVENT), {DATE: "date", EVENT: "string", STORE: "string"}),
        TableSpec("stores", (STORE,), {STORE: "string"}),
        TableSpec(
            "items", (ITEM,),
            {ITEM: "string", "pack_size": "integer", "unit_cost": "number",
             "shelf_life_days": "number"},
        ),
        TableSpec("weather", (DATE, STORE), {DATE: "date", STORE: "string"}, extra="number"),
        TableSpec(
            "inventory", (STORE, ITEM, "on_hand"),
            {STORE: "string", ITEM: "string", "as_of": "date", "on_hand": "number",
             "on_order": "number", "next_arrival_date": "date", "lead_time_days": "integer",
             "review_period_days": "integer", "service_level": "number", "pack_size": "integer",
             "min_order": "number", "max_stock": "number", "unit_cost": "number",
             "shelf_life_days": "number"},
        ),
        TableSpec(
            "transactions", (TRANSACTION_ID, TIMESTAMP, STORE, ITEM, QUANTITY),
            {TRANSACTION_ID: "string", TIMESTAMP: "timestamp", STORE: "string", ITEM: "string",
             QUANTITY: "number", UNIT_PRICE: "number"},
        ),
    )
}
