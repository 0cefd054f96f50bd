from django.contrib import admin

from shelfcast.server.orders.models import Alert, OrderProposal


@admin.register(OrderProposal)
class OrderProposalAdmin(admin.ModelAdmin):
    list_display = ["order_date", "store", "item", "quantity", "packs", "arrival_date",
                    "service_level"]
    list_filter = ["store", "order_date"]
    raw_id_fields = ["store", "item"]


@admin.register(Alert)
class AlertAdmin(admin.ModelAdmin):
    list_display = ["created_at", "kind", "store", "item", "on_hand", "projected_stockout_date",
                    "is_active"]
    list_filter = ["kind", "is_active", "store"]
    raw_id_fields = ["store", "item"]
