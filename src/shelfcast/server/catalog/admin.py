from django.contrib import admin

from shelfcast.server.catalog.models import Item, Store


@admin.register(Store)
class StoreAdmin(admin.ModelAdmin):
    list_display = ["store_id", "attributes"]
    search_fields = ["store_id"]


@admin.register(Item)
class ItemAdmin(admin.ModelAdmin):
    list_display = ["item_id", "category", "attributes"]
    list_filter = ["category"]
    search_fields = ["item_id", "category"]
