"""Daily sales, till transactions and the running intraday totals per business day."""

from __future__ import annotations

from django.db import models

from shelfcast.server.catalog.models import Item, Store

__all__ = ["DailySales", "Transaction", "IntradayTotal", "StoreDaySales", "ItemDaySales"]


class DailySales(models.Model):
    """A row of DATA_FORMAT.md ``sales``: one store, item and day."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, db_column="store_id")
    item = models.ForeignKey(Item, on_delete=models.CASCADE, db_column="item_id")
    date = models.DateField()
    sales = models.FloatField()
    price = models.FloatField(null=True, blank=True)
    promo = models.FloatField(null=True, blank=True)
    open = models.FloatField(null=True, blank=True)
    stockout = models.FloatField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "daily sales"
        constraints = [
            models.UniqueConstraint(fields=["store", "item", "date"], name="daily_sales_key"),
        ]
        indexes = [models.Index(fields=["date"], name="daily_sales_date")]

    def __str__(self) -> str:
        return f"{self.store_id}/{self.item_id} {self.date}: {self.sales}"


class Transaction(models.Model):
    """A till line (DATA_FORMAT.md ``transactions``), stored once per ``transaction_id``."""

    transaction_id = models.CharField(max_length=128, unique=True)
    timestamp = models.DateTimeField()
    business_day = models.DateField(help_text="Local calendar day of the timestamp (TIME_ZONE)")
    store = models.ForeignKey(Store, on_delete=models.CASCADE, db_column="store_id")
    item = models.ForeignKey(Item, on_delete=models.CASCADE, db_column="item_id")
    quantity = models.FloatField()
    unit_price = models.FloatField(null=True, blank=True)
    received_at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["business_day", "store"], name="transaction_day_store")]

    def __str__(self) -> str:
        return self.transaction_id


class IntradayTotal(models.Model):
    """What was ingested for one store, item and business day so far: ``units`` (returns
    subtracted) and ``lines``; upserted in the same database transaction as the lines."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, db_column="store_id")
    item = models.ForeignKey(Item, on_delete=models.CASCADE, db_column="item_id")
    business_day = models.DateField()
    units = models.FloatField(default=0.0)
    lines = models.IntegerField(default=0)
    updated_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["store", "item", "business_day"],
                                    name="intraday_total_key"),
        ]
        indexes = [models.Index(fields=["business_day", "store"], name="intraday_day_store")]

    def __str__(self) -> str:
        return f"{self.store_id}/{self.item_id} {self.business_day}: {self.units}"


class _DayRollup(models.Model):
    """A day's summed ``sales`` and ``revenue`` (sales x price over the rows with a price,
    null when none has one) for one key: the store or the item of a subclass."""

    date = models.DateField()
    sales = models.FloatField()
    revenue = models.FloatField(null=True, blank=True)

    class Meta:
        abstract = True


class StoreDaySales(_DayRollup):
    """Roll-up of ``DailySales`` per store and day. Kept by ``rollups.sales_rollups_refresh``
    whenever daily sales are loaded or a business day is closed, so a chain-wide trend reads
    thousands of rows, not millions."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, db_column="store_id")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["store", "date"], name="store_day_sales_key"),
        ]
        indexes = [models.Index(fields=["date"], name="store_day_sales_date")]

    def __str__(self) -> str:
        return f"{self.store_id} {self.date}: {self.sales}"


class ItemDaySales(_DayRollup):
    """Roll-up of ``DailySales`` per item and day over all stores (as ``StoreDaySales``). The
    category is joined from the item when read, so a changed category needs no rebuild."""

    item = models.ForeignKey(Item, on_delete=models.CASCADE, db_column="item_id")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["item", "date"], name="item_day_sales_key"),
        ]
        indexes = [models.Index(fields=["date"], name="item_day_sales_date")]

    def __str__(self) -> str:
        return f"{self.item_id} {self.date}: {self.sales}"
