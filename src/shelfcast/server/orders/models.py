"""Order proposals and alerts (INTERFACES.md, "Orders and alerts files")."""

from __future__ import annotations

from django.db import models

from shelfcast.server.catalog.models import Item, Store

__all__ = ["OrderProposal", "AlertKind", "Alert"]


class OrderProposal(models.Model):
    store = models.ForeignKey(Store, on_delete=models.CASCADE, db_column="store_id")
    item = models.ForeignKey(Item, on_delete=models.CASCADE, db_column="item_id")
    order_date = models.DateField()
    quantity = models.FloatField(help_text="Units, a multiple of pack_size")
    packs = models.IntegerField()
    arrival_date = models.DateField()
    projected_on_hand_at_arrival = models.FloatField()
    days_of_cover = models.FloatField(null=True, blank=True)
    service_level = models.FloatField()
    reason = models.TextField(blank=True, default="")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["store", "item", "order_date"], name="order_key"),
        ]
        indexes = [models.Index(fields=["order_date"], name="order_date")]

    def __str__(self) -> str:
        return f"{self.store_id}/{self.item_id} {self.order_date}: {self.quantity}"


class AlertKind(models.TextChoices):
    LOW_STOCK = "low_stock"
    PROJECTED_STOCKOUT = "projected_stockout"
    EXCESS_STOCK = "excess_stock"


class Alert(models.Model):
    store = models.ForeignKey(Store, on_delete=models.CASCADE, db_column="store_id")
    item = models.ForeignKey(Item, on_delete=models.CASCADE, db_column="item_id")
    kind = models.CharField(max_length=32, choices=AlertKind.choices)
    projected_stockout_date = models.DateField(null=True, blank=True)
    on_hand = models.FloatField()
    message = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.kind} {self.store_id}/{self.item_id}"
