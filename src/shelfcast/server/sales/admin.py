from django.contrib import admin
from django.http import HttpRequest

from shelfcast.server.sales.models import DailySales, IntradayTotal, ItemDaySales, StoreDaySales, Transaction


@admin.register(DailySales)
class DailySalesAdmin(admin.ModelAdmin):
    list_display = ["date", "store", "item", "sales", "price", "promo", "open", "stockout"]
    list_filter = ["store"]
    search_fields = ["item__item_id"]
    date_hierarchy = "date"
    raw_id_fields = ["store", "item"]


@admin.register(Transaction)
class TransactionAdmin(admin.ModelAdmin):
    list_display = ["transaction_id", "timestamp", "business_day", "store", "item", "quantity",
                    "unit_price"]
    list_filter = ["store", "business_day"]
    search_fields = ["transaction_id"]
    raw_id_fields = ["store", "item"]


@admin.register(IntradayTotal)
class IntradayTotalAdmin(admin.ModelAdmin):
    list_display = ["business_day", "store", "item", "units", "lines", "updated_at"]
    list_filter = ["store", "business_day"]
    raw_id_fields = ["store", "item"]


class _RollupAdmin(admin.ModelAdmin):
    """Roll-ups are rebuilt from the daily sales (``rollups.sales_rollups_refresh``): shown,
    never edited by hand, or they would disagree with the rows they sum."""

    list_display = ["date", "sales", "revenue"]
    date_hierarchy = "date"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(StoreDaySales)
class StoreDaySalesAdmin(_RollupAdmin):
    list_display = ["date", "store", "sales", "revenue"]
    list_filter = ["store"]


@admin.register(ItemDaySales)
class ItemDaySalesAdmin(_RollupAdmin):
    list_display = ["date", "item", "sales", "revenue"]
    search_fields = ["item__item_id"]
