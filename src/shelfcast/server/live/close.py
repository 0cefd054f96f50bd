"""The day close: when the business clock passes a day's end, the completed day goes through
the live model's ``Forecaster.update`` and tomorrow's morning forecast comes from the model.

The business clock (INTERFACES.md) moves to a new day when the first line of that day is
ingested. Every earlier day that has running totals (``IntradayTotal``) but no daily sales yet
is then closed, oldest first:

1. its totals become its daily sales (``DailySales``: ``sales`` = the units ingested, returns
   subtracted, never below 0; a store and item without lines that day is a day without
   sales, as ``Forecaster.update`` reads a missing day). Rows already there (a day loaded by
   an upload) are kept: ``INSERT ... ON CONFLICT DO NOTHING``, so two server processes can
   close the same day;
2. the live model is asked to look again (``live_model_invalidate``): it loads the newer daily
   sales through ``Forecaster.update`` (``forecasts.serving``: the state rolled forward, no
   refit), so its "today" is the new business day and ``predict_tomorrow`` answers again;
3. the rolled model's forecast for the new day is published (``forecast_publish``) as that
   day's morning forecast: the nowcast's prior comes from the model that saw yesterday.

Without a live model nothing is closed (there is nothing to roll forward); the days are
closed by the first round after a model goes live.
"""

from __future__ import annotations

import logging
import threading
from datetime import date

import polars as pl
from django.db import connection, transaction
from django.db.models import Max

from shelfcast.data.schema import DATE, FORECAST, ITEM, STORE
from shelfcast.server.forecasts.publishing import forecast_publish
from shelfcast.server.forecasts.serving import (
    LiveModel, PredictRequest, live_model, live_model_invalidate,
)
from shelfcast.server.sales.models import DailySales, IntradayTotal
from shelfcast.server.sales.rollups import sales_rollups_refresh

__all__ = ["days_close", "day_close_if_due", "day_close_forget"]

logger = logging.getLogger("shelfcast.server")

_lock = threading.Lock()
_checked_for: date | None = None  # the business day whose earlier days were last closed


def _day_store(day: date) -> int:
    """The completed day's totals as its daily sales; existing rows are kept."""
    rows = list(IntradayTotal.objects.filter(business_day=day).values_list(
        "store_id", "item_id", "units"))
    if not rows:
        return 0
    table = connection.ops.quote_name(DailySales._meta.db_table)
    sql = (f"INSERT INTO {table} (store_id, item_id, date, sales) VALUES (%s, %s, %s, %s) "
           f"ON CONFLICT (store_id, item_id, date) DO NOTHING")
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(sql, [(s, i, day, max(float(u), 0.0)) for s, i, u in rows])
        sales_rollups_refresh(date_from=day, date_to=day)  # the dashboard's sums see the day
    return len(rows)


def _morning_publish(model: LiveModel, day: date) -> int:
    """The rolled model's forecast for ``day`` (its first day), published."""
    requests = [PredictRequest(s, i, day) for s, i in model.online.series]
    predictions = model.predict(requests, tomorrow=day, contributions=False)
    if not predictions:
        return 0
    frame = pl.DataFrame(
        [{DATE: p.date, STORE: p.store_id, ITEM: p.item_id, FORECAST: p.forecast, **p.quantiles}
         for p in predictions])
    return forecast_publish(forecast=frame, model_version=model.version)


def days_close(*, today: date) -> list[date]:
    """Close every day before ``today`` with running totals and no daily sales; the days
    closed."""
    model = live_model()
    if model is None:
        return []
    last_sales = DailySales.objects.aggregate(day=Max("date"))["day"]
    open_days = IntradayTotal.objects.filter(business_day__lt=today)
    if last_sales is not None:
        open_days = open_days.filter(business_day__gt=last_sales)
    days = sorted(set(open_days.values_list("business_day", flat=True)))
    if not days:
        return []
    for day in days:
        stored = _day_store(day)
        logger.info("closed business day %s: %d daily sales rows", day, stored)
    live_model_invalidate()
    model = live_model()  # rolled forward over the days just stored (Forecaster.update)
    if model is not None and model.first_day == today:
        _morning_publish(model, today)
    else:
        logger.warning("after closing %s the live model's first day is %s, not %s: no "
                       "morning forecast published", days[-1],
                       None if model is None else model.first_day, today)
    return days


def day_close_if_due(today: date | None) -> list[date]:
    """``days_close`` once per business day (the first round that sees it)."""
    global _checked_for
    if today is None:
        return []
    with _lock:
        if _checked_for == today or live_model() is None:  # no model: look again next round
            return []
        try:
            closed = days_close(today=today)
        except Exception:  # the live events must go on; the next new day tries again
            logger.exception("could not close the business days before %s", today)
            closed = []
        _checked_for = today
        return closed


def day_close_forget() -> None:
    """Look again on the next round (tests; another database)."""
    global _checked_for
    with _lock:
        _checked_for = None
