"""The intraday profile the server nowcasts with, learned from the stored till lines.

Learned, by the hour, from the ``PROFILE_DAYS`` business days before today (today's own lines are what is
being nowcast), once per process and again when today changes or after ``MAX_AGE`` seconds.
"""

from __future__ import annotations

import threading
import time
from datetime import UTC, date, timedelta
from zoneinfo import ZoneInfo

import polars as pl
from django.conf import settings
from django.db.models import Sum
from django.db.models.functions import TruncHour

from shelfcast.live.profile import IntradayProfile, intraday_profile
from shelfcast.server.sales.models import Transaction

__all__ = ["PROFILE_DAYS", "MAX_AGE", "profile_for", "profile_forget"]

PROFILE_DAYS = 56
MAX_AGE = 600.0

_lock = threading.Lock()
_cached: dict[date, tuple[float, IntradayProfile]] = {}


def _learn(today: date) -> IntradayProfile:
    # Summed per store and local hour in the database: months of lines are millions of rows,
    # their hourly sums a few thousand. The profile is then hourly, interpolated within.
    zone = ZoneInfo(settings.TIME_ZONE)
    rows = (Transaction.objects
            .filter(business_day__lt=today, business_day__gte=today - timedelta(days=PROFILE_DAYS),
                    quantity__gt=0)
            .annotate(hour=TruncHour("timestamp", tzinfo=zone))
            .values("store_id", "hour").annotate(units=Sum("quantity"))
            .values_list("hour", "store_id", "units"))
    frame = pl.DataFrame([(h.astimezone(UTC), s, u) for h, s, u in rows],
                         schema={"timestamp": pl.Datetime("us", "UTC"), "store_id": pl.String,
                                 "quantity": pl.Float64}, orient="row")
    return intraday_profile(frame, time_zone=settings.TIME_ZONE, resolution_minutes=60)


def profile_for(today: date) -> IntradayProfile:
    """The profile to nowcast ``today`` with (cached per process)."""
    with _lock:
        hit = _cached.get(today)
        if hit is not None and time.monotonic() - hit[0] < MAX_AGE:
            return hit[1]
    profile = _learn(today)
    with _lock:
        _cached.clear()  # one day is live at a time
        _cached[today] = (time.monotonic(), profile)
    return profile


def profile_forget() -> None:
    """Learn again on the next call (tests; after history was loaded)."""
    with _lock:
        _cached.clear()
