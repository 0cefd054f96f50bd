"""Stores and items (DATA_FORMAT.md ``stores``, ``items``): an id plus free attributes."""

from __future__ import annotations

from django.db import models

__all__ = ["Store", "Item"]


class Store(models.Model):
    store_id = models.CharField(max_length=64, primary_key=True)
    attributes = models.JSONField(default=dict, blank=True,
                                  help_text="Any other columns of stores (region, type, size...)")

    class Meta:
        ordering = ["store_id"]

    def __str__(self) -> str:
        return self.store_id


class Item(models.Model):
    item_id = models.CharField(max_length=64, primary_key=True)
    category = models.CharField(max_length=100, blank=True, default="", db_index=True)
    attributes = models.JSONField(default=dict, blank=True,
                                  help_text="Any other columns of items (department, brand...)")

    class Meta:
        ordering = ["item_id"]

    def __str__(self) -> str:
        return self.item_id
