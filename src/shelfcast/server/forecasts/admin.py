from django.contrib import admin

from shelfcast.server.forecasts.models import ModelVersion, PredictionLog, PublishedForecast


@admin.register(ModelVersion)
class ModelVersionAdmin(admin.ModelAdmin):
    list_display = ["version", "is_live", "created_at", "promoted_at", "path"]
    list_filter = ["is_live"]


@admin.register(PublishedForecast)
class PublishedForecastAdmin(admin.ModelAdmin):
    list_display = ["date", "store", "item", "forecast", "model_version", "published_at"]
    list_filter = ["store"]
    date_hierarchy = "date"
    raw_id_fields = ["store", "item"]


@admin.register(PredictionLog)
class PredictionLogAdmin(admin.ModelAdmin):
    list_display = ["created_at", "token", "model_version", "store_id", "item_id", "date",
                    "forecast"]
    list_filter = ["model_version"]
