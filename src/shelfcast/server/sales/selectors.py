"""Reads of the sales app: daily sales (or by week/month, by store/category/item), the top
sellers, and today's running totals."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db.models import Count, DateField, F, Max, QuerySet, Sum
from django.db.models.functions import TruncMonth, TruncWeek

from shelfcast.server.api.filters import ReadFilters
from shelfcast.server.sales.models import DailySales, IntradayTotal

__all__ = [
    "DAILY_COLUMNS", "sales_list", "sales_top_list", "live_day_get", "live_store_totals",
    "live_item_totals",
]

DAILY_COLUMNS = ("date", "store_id", "item_id", "sales", "price", "promo", "open", "stockout")
GROUP_COLUMNS = {"store": "store_id", "item": "item_id", "category": "category"}


def sales_list(*, filters: ReadFilters, by: str = "day", group: str | None = None
               ) -> tuple[QuerySet, dict[str, str]]:
    """Daily sales rows, or their sums per week (Monday) / month (its first day) and per
    store, category or item (``group``; default per store and item). Returns the rows (dicts)
    and their columns (output name -> key in the row)."""
    qs = filters.apply(DailySales.objects.all())
    keys = ("store_id", "item_id") if group is None else (GROUP_COLUMNS[group],)
    if by == "day" and group is None:
        return (qs.order_by("store_id", "item_id", "date").values(*DAILY_COLUMNS),
                {c: c for c in DAILY_COLUMNS})
    if by == "week":
        period = TruncWeek("date", output_field=DateField())
    elif by == "month":
        period = TruncMonth("date", output_field=DateField())
    else:
        period = F("date")
    annotations: dict[str, Any] = {"period": period}
    if group == "category":
        annotations["category"] = F("item__category")
    rows = (qs.annotate(**annotations).values("period", *keys)
            .annotate(total=Sum("sales")).order_by(*keys, "period")
            .values(*keys, "period", "total"))
    return rows, {"date": "period", **{k: k for k in keys}, "sales": "total"}


def sales_top_list(*, filters: ReadFilters, group: str = "item") -> tuple[QuerySet, dict[str, str]]:
    """The best sellers over the filtered days: total sales per item (or store, category),
    largest first."""
    key = GROUP_COLUMNS[group]
    qs = filters.apply(DailySales.objects.all())
    if group == "category":
        qs = qs.annotate(category=F("item__category"))
    rows = qs.values(key).annotate(total=Sum("sales")).order_by("-total", key)
    return rows, {key: key, "sales": "total"}


def live_day_get(*, on: date | None = None) -> date | None:
    """The business day of the live state (INTERFACES.md, "The business clock"): the date
    asked, else the latest day seen in ingested transactions, else the day after the last
    day of sales; None when there is nothing at all."""
    if on is not None:
        return on
    latest = IntradayTotal.objects.aggregate(day=Max("business_day"))["day"]
    if latest is not None:
        return latest
    last_sales = DailySales.objects.aggregate(day=Max("date"))["day"]
    return None if last_sales is None else last_sales + timedelta(days=1)


def live_store_totals(*, day: date, filters: ReadFilters) -> list[dict[str, Any]]:
    qs = filters.apply(IntradayTotal.objects.filter(business_day=day),
                   date_field="business_day")
    return [{"store_id": r["store_id"], "lines": int(r["total_lines"]),
             "units": float(r["total_units"])}
            for r in qs.values("store_id").annotate(total_lines=Sum("lines"),
                                                    total_units=Sum("units"),
                                                    n=Count("id")).order_by("store_id")]


def live_item_totals(*, day: date, filters: ReadFilters) -> QuerySet:
    """Per store and item: what was ingested for ``day`` (``units``, ``lines``)."""
    qs = filters.apply(IntradayTotal.objects.filter(business_day=day),
                   date_field="business_day")
    return qs.order_by("store_id", "item_id").values("store_id", "item_id", "units", "lines")
