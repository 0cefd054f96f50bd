"""The business clock (INTERFACES.md): which day "today" is for the live state.

Event time, not wall time: today is the latest business day seen in ingested transactions, so
a replay of 2011 lives in 2011; without transactions, the day after the last day of sales.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

__all__ = ["business_today", "tomorrow", "minute_of_day"]


def business_today(*, latest_transaction_day: date | None, last_sales_day: date | None,
                   override: date | None = None) -> date | None:
    """Today for the live state; None when there is neither a transaction nor a sale."""
    if override is not None:
        return override
    if latest_transaction_day is not None:
        return latest_transaction_day
    return None if last_sales_day is None else last_sales_day + timedelta(days=1)


def tomorrow(today: date) -> date:
    return today + timedelta(days=1)


def minute_of_day(moment: datetime, time_zone: str) -> float:
    """Minutes since local midnight of an aware ``moment`` in ``time_zone`` (seconds kept)."""
    if moment.tzinfo is None:
        raise ValueError(f"minute_of_day needs a time-zone-aware timestamp, got {moment!r}")
    local = moment.astimezone(ZoneInfo(time_zone))
    return local.hour * 60 + local.minute + local.second / 60 + local.microsecond / 60e6
