from django.contrib import admin

from shelfcast.server.inventory.models import InventorySnapshot


@admin.register(InventorySnapshot)
class InventorySnapshotAdmin(admin.ModelAdmin):
    list_display = ["as_of", "store", "item", "on_hand", "on_order", "pack_size"]
    list_filter = ["store", "as_of"]
    search_fields = ["item__item_id"]
    raw_id_fields = ["store", "item"]
