"""Inventory snapshots (DATA_FORMAT.md ``inventory``): the stock a count found at ``as_of``."""

from __future__ import annotations

from django.db import models

from shelfcast.server.catalog.models import Item, Store

__all__ = ["InventorySnapshot"]


class InventorySnapshot(models.Model):
    store = models.ForeignKey(Store, on_delete=models.CASCADE, db_column="store_id")
    item = models.ForeignKey(Item, on_delete=models.CASCADE, db_column="item_id")
    as_of = models.DateField()
    on_hand = models.FloatField()
    on_order = models.FloatField(null=True, blank=True)
    next_arrival_date = models.DateField(null=True, blank=True)
    lead_time_days = models.IntegerField(null=True, blank=True)
    review_period_days = models.IntegerField(null=True, blank=True)
    service_level = models.FloatField(null=True, blank=True)
    pack_size = models.IntegerField(null=True, blank=True)
    min_order = models.FloatField(null=True, blank=True)
    max_stock = models.FloatField(null=True, blank=True)
    unit_cost = models.FloatField(null=True, blank=True)
    shelf_life_days = models.FloatField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["store", "item", "as_of"], name="inventory_key"),
        ]

    def __str__(self) -> str:
        return f"{self.store_id}/{self.item_id} at {self.as_of}: {self.on_hand}"
