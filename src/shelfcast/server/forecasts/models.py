"""Model versions (the registry of ``shelfcast.forecast.artifact`` versions), published
forecasts and the log of ``/api/predict/`` calls."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from shelfcast.server.catalog.models import Item, Store

__all__ = ["ModelVersion", "PublishedForecast", "PredictionLog"]


class ModelVersion(models.Model):
    version = models.CharField(max_length=64, unique=True)
    path = models.CharField(max_length=500, help_text="The artifact folder DIR/<version>/")
    is_live = models.BooleanField(default=False, help_text="The version that answers predictions")
    metrics = models.JSONField(default=dict, blank=True)
    metadata = models.JSONField(default=dict, blank=True, help_text="The artifact's metadata.json")
    created_at = models.DateTimeField(auto_now_add=True)
    promoted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["is_live"], condition=Q(is_live=True),
                                    name="one_live_model_version"),
        ]

    def __str__(self) -> str:
        return f"{self.version}{' (live)' if self.is_live else ''}"


class PublishedForecast(models.Model):
    """A row of a forecast file as published: point forecast and quantiles (``{"q10": ...}``)."""

    store = models.ForeignKey(Store, on_delete=models.CASCADE, db_column="store_id")
    item = models.ForeignKey(Item, on_delete=models.CASCADE, db_column="item_id")
    date = models.DateField()
    forecast = models.FloatField()
    quantiles = models.JSONField(default=dict)
    model_version = models.ForeignKey(ModelVersion, on_delete=models.SET_NULL, null=True,
                                      blank=True, related_name="forecasts")
    published_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["store", "item", "date"], name="published_forecast_key"),
        ]
        # A day's forecasts by store and item, with the forecast in the index: the live
        # nowcast reads a whole day's (100,000 rows on a chain) from the index alone, not from
        # rows spread over the table (on PostgreSQL 15: 13 ms against 155). Key columns, not
        # INCLUDE, so SQLite has the same index. Date ranges use it as the old date index.
        indexes = [models.Index(fields=["date", "store", "item", "forecast"],
                                name="published_forecast_day")]

    def __str__(self) -> str:
        return f"{self.store_id}/{self.item_id} {self.date}: {self.forecast}"


class PredictionLog(models.Model):
    """One prediction answered by ``POST /api/predict/``: what was asked and what was said."""

    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    token = models.ForeignKey("accounts.ApiToken", on_delete=models.SET_NULL, null=True,
                              blank=True)
    model_version = models.CharField(max_length=64)
    store_id = models.CharField(max_length=64)
    item_id = models.CharField(max_length=64)
    date = models.DateField()
    inputs = models.JSONField(default=dict, blank=True, help_text="price, promo... as sent")
    forecast = models.FloatField()
    quantiles = models.JSONField(default=dict)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.created_at:%Y-%m-%d %H:%M} {self.store_id}/{self.item_id} {self.date}"
