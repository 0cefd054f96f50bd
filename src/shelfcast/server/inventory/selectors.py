"""Reads of the inventory app."""

from __future__ import annotations

from django.db.models import QuerySet

from shelfcast.data.schema import INVENTORY_COLUMNS
from shelfcast.server.api.filters import ReadFilters
from shelfcast.server.inventory.models import InventorySnapshot

__all__ = ["inventory_list"]


def inventory_list(*, filters: ReadFilters) -> tuple[QuerySet, dict[str, str]]:
    """Inventory snapshots (dicts with DATA_FORMAT.md's ``inventory`` columns); the dates
    filter ``as_of``."""
    qs = InventorySnapshot.objects.all()
    if filters.store_id:
        qs = qs.filter(store_id__in=filters.store_id)
    if filters.item_id:
        qs = qs.filter(item_id__in=filters.item_id)
    if filters.category:
        qs = qs.filter(item__category__in=filters.category)
    if filters.date_from:
        qs = qs.filter(as_of__gte=filters.date_from)
    if filters.date_to:
        qs = qs.filter(as_of__lte=filters.date_to)
    rows = qs.order_by("store_id", "item_id", "as_of").values(*INVENTORY_COLUMNS)
    return rows, {c: c for c in INVENTORY_COLUMNS}
