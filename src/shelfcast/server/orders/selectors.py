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


def _keys(qs: QuerySet, filters: ReadFilters) -> QuerySet:
    if filters.store_id:
        qs = qs.filter(store_id__in=filters.store_id)
    if filters.item_id:
        qs = qs.filter(item_id__in=filters.item_id)
    if filters.category:
        qs = qs.filter(item__category__in=filters.category)
    return qs


def order_proposal_list(*, filters: ReadFilters) -> tuple[QuerySet, dict[str, str]]:
    """Order proposals; the dates filter ``order_date``."""
    qs = _keys(OrderProposal.objects.all(), filters)
    if filters.date_from:
        qs = qs.filter(order_date__gte=filters.date_from)
    if filters.date_to:
        qs = qs.filter(order_date__lte=filters.date_to)
    rows = qs.order_by("order_date", "store_id", "item_id").values(*ORDER_COLUMNS)
    return rows, {c: c for c in ORDER_COLUMNS}


def alert_list(*, filters: ReadFilters, include_resolved: bool = False
               ) -> tuple[QuerySet, dict[str, str]]:
    """Alerts, newest first (active ones unless ``include_resolved``); the dates filter the
    day the alert was raised."""
    qs = _keys(Alert.objects.all(), filters)
    if not include_resolved:
        qs = qs.filter(is_active=True)
    if filters.date_from:
        qs = qs.filter(created_at__date__gte=filters.date_from)
    if filters.date_to:
        qs = qs.filter(created_at__date__lte=filters.date_to)
    rows = qs.order_by("-created_at", "store_id", "item_id").values(*ALERT_COLUMNS)
    return rows, {c: c for c in ALERT_COLUMNS}
