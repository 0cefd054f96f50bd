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
    qs = filters.apply(InventorySnapshot.objects.all(), date_field="as_of")
    rows = qs.order_by("store_id", "item_id", "as_of").values(*INVENTORY_COLUMNS)
    return rows, {c: c for c in INVENTORY_COLUMNS}
