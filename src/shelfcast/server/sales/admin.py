from django.contrib import admin

from shelfcast.server.sales.models import DailySales, IntradayTotal, Transaction


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
