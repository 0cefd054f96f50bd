"""Reads of the orders app: order proposals and alerts, with the files' columns."""

from __future__ import annotations

from django.db.models import QuerySet

from shelfcast.server.api.filters import ReadFilters
from shelfcast.server.orders.models import Alert, OrderProposal

__all__ = ["ORDER_COLUMNS", "ALERT_COLUMNS", "order_proposal_list", "alert_list"]

ORDER_COLUMNS = ("store_id", "item_id", "order_date", "quantity", "packs", "arrival_date",
                 "projected_on_hand_at_arrival", "days_of_cover", "service_level", "reason")
ALERT_COLUMNS = ("store_id", "item_id", "kind", "projected_stockout_date", "on_hand", "message",
                 "created_at")




def order_proposal_list(*, filters: ReadFilters) -> tuple[QuerySet, dict[str, str]]:
    """Order proposals; the dates filter ``order_date``."""
    qs = filters.apply(OrderProposal.objects.all(), date_field="order_date")
    rows = qs.order_by("order_date", "store_id", "item_id").values(*ORDER_COLUMNS)
    return rows, {c: c for c in ORDER_COLUMNS}


def alert_list(*, filters: ReadFilters, include_resolved: bool = False
               ) -> tuple[QuerySet, dict[str, str]]:
    """Alerts, newest first (active ones unless ``include_resolved``); the dates filter the
    day the alert was raised."""
    qs = filters.apply(Alert.objects.all(), date_field="created_at__date")
    if not include_resolved:
        qs = qs.filter(is_active=True)
    rows = qs.order_by("-created_at", "store_id", "item_id").values(*ALERT_COLUMNS)
    return rows, {c: c for c in ALERT_COLUMNS}
