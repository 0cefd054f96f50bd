"""Writes of the catalog app: stores and items."""

from __future__ import annotations

import math
from typing import Any

import polars as pl
from django.db import transaction

from shelfcast.data.schema import ITEM, STORE
from shelfcast.server.catalog.models import Item, Store

__all__ = ["stores_upsert", "items_upsert"]


def _clean(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


def _attributes(frame: pl.DataFrame | None, key: str, skip: tuple[str, ...] = ()
                ) -> dict[str, dict[str, Any]]:
    if frame is None or frame.is_empty():
        return {}
    others = [c for c in frame.columns if c != key and c not in skip]
    return {row[key]: {c: _clean(row[c]) for c in others if row[c] is not None}
            for row in frame.iter_rows(named=True)}


@transaction.atomic
def stores_upsert(*, ids: set[str], stores: pl.DataFrame | None = None) -> int:
    """Create or update the stores of ``stores`` with their attributes, and create the other
    ``ids`` (named only in sales or inventory) if new, leaving a stored store's attributes as
    they are: a sales-only upload must not wipe what an earlier stores table said."""
    attributes = _attributes(stores, STORE)
    described = sorted(attributes)
    Store.objects.bulk_create(
        [Store(store_id=s, attributes=attributes[s]) for s in described],
        update_conflicts=True, unique_fields=["store_id"], update_fields=["attributes"],
        batch_size=2000,
    )
    Store.objects.bulk_create([Store(store_id=s) for s in sorted(ids - set(described))],
                              ignore_conflicts=True, batch_size=2000)
    return len(ids | set(described))


@transaction.atomic
def items_upsert(*, ids: set[str], items: pl.DataFrame | None = None) -> int:
    """Create or update the items of ``items`` (category and attributes), and create the other
    ``ids`` if new, leaving a stored item's category and attributes as they are."""
    attributes = _attributes(items, ITEM, skip=("category",))
    categories: dict[str, str] = {}
    if items is not None and "category" in items.columns:
        categories = {i: (c or "") for i, c in items.select(ITEM, pl.col("category")
                                                            .cast(pl.String)).iter_rows()}
    described = sorted(set(attributes) | set(categories))
    Item.objects.bulk_create(
        [Item(item_id=i, category=categories.get(i, "")[:100], attributes=attributes.get(i, {}))
         for i in described],
        update_conflicts=True, unique_fields=["item_id"], update_fields=["category", "attributes"],
        batch_size=2000,
    )
    Item.objects.bulk_create([Item(item_id=i) for i in sorted(ids - set(described))],
                             ignore_conflicts=True, batch_size=2000)
    return len(ids | set(described))
