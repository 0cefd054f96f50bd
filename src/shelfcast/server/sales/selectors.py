"""Reads of the sales app: daily sales (or by week/month, by store/category/item), the top
sellers, and today's running totals.

Sums per store read the ``StoreDaySales`` roll-up and sums per item or category over all
stores read ``ItemDaySales`` (thousands of rows where the daily sales hold millions); a
selection the roll-ups cannot answer (per store within some items or categories, per item
or category within some stores) sums the daily sales, narrowed by their indexes."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from typing import Any

from django.db.models import Count, DateField, F, FloatField, Max, QuerySet, Sum
from django.db.models.functions import TruncMonth, TruncWeek

from shelfcast.server.api.filters import ReadFilters
from shelfcast.server.sales.models import (
    DailySales,
    IntradayTotal,
    ItemDaySales,
    StoreDaySales,
)

__all__ = [
    "DAILY_COLUMNS", "sales_list", "sales_top_list", "live_day_get", "live_store_totals",
    "live_item_totals", "with_store_nowcasts", "LIVE_ITEM_ORDERS",
]

DAILY_COLUMNS = ("date", "store_id", "item_id", "sales", "price", "promo", "open", "stockout")
GROUP_COLUMNS = {"store": "store_id", "item": "item_id", "category": "category"}


def _summed_source(filters: ReadFilters, group: str) -> tuple[QuerySet, Any]:
    """The filtered rows to sum per ``group`` (a roll-up when one holds the answer) and the
    revenue expression over them."""
    if group == "store" and not filters.item_id and not filters.category:
        return filters.apply(StoreDaySales.objects.all()), F("revenue")
    if group in ("item", "category") and not filters.store_id:
        return filters.apply(ItemDaySales.objects.all()), F("revenue")
    return (filters.apply(DailySales.objects.all()),
            F("sales") * F("price"))


def sales_list(*, filters: ReadFilters, by: str = "day", group: str | None = None
               ) -> tuple[QuerySet, dict[str, str]]:
    """Daily sales rows, or their sums per week (Monday) / month (its first day) and per
    store, category or item (``group``; default per store and item). Returns the rows (dicts)
    and their columns (output name -> key in the row)."""
    if group is None:
        qs = filters.apply(DailySales.objects.all())
    else:
        qs, _ = _summed_source(filters, group)
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
    """The best sellers over the filtered days: total sales and revenue (sales x price over
    the days with a price; null when none has one) per item (or store, category), largest
    first."""
    key = GROUP_COLUMNS[group]
    qs, revenue = _summed_source(filters, group)
    if group == "category":
        qs = qs.annotate(category=F("item__category"))
    rows = (qs.values(key)
            .annotate(total=Sum("sales"), total_revenue=Sum(revenue, output_field=FloatField()))
            .order_by("-total", key))
    return rows, {key: key, "sales": "total", "revenue": "total_revenue"}


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


LIVE_ITEM_ORDERS = {"store_item": ("store_id", "item_id"),
                    "units": ("-units", "store_id", "item_id")}


def live_item_totals(*, day: date, filters: ReadFilters, order: str = "store_item") -> QuerySet:
    """Per store and item: what was ingested for ``day`` (``units``, ``lines``), by store
    and item or (``order="units"``) most units first."""
    if order not in LIVE_ITEM_ORDERS:
        raise ValueError(f"live_item_totals: unknown order {order!r}; expected one of "
                         f"{sorted(LIVE_ITEM_ORDERS)}")
    qs = filters.apply(IntradayTotal.objects.filter(business_day=day),
                   date_field="business_day")
    return qs.order_by(*LIVE_ITEM_ORDERS[order]).values("store_id", "item_id", "units", "lines")


def with_store_nowcasts(stores: list[dict[str, Any]], nowcasts: Iterable[Any]
                        ) -> list[dict[str, Any]]:
    """``live_store_totals``' rows with each store's ``nowcast_today`` and ``forecast_today``
    (from ``live_store_nowcasts``); a store with a forecast but no line yet gets a row of 0."""
    by_store = {n.store_id: n for n in nowcasts}
    rows = {r["store_id"]: dict(r) for r in stores}
    for store_id in by_store.keys() - rows.keys():
        rows[store_id] = {"store_id": store_id, "lines": 0, "units": 0.0}
    for store_id, row in rows.items():
        known = by_store.get(store_id)
        row["nowcast_today"] = known.nowcast_today if known else row["units"]
        row["forecast_today"] = known.forecast_today if known else None
    return [rows[s] for s in sorted(rows)]
