"""The intraday profile the server nowcasts with, learned from the stored till lines.

Learned, by the hour, from the ``PROFILE_DAYS`` business days before today (today's own lines are what is
being nowcast), once per process and again when today changes or after ``MAX_AGE`` seconds.
Learning reads weeks of till lines (0.13 s on 100 stores' single day, more with history), so a
request never waits for a relearn: past ``MAX_AGE`` the profile held is answered while a
thread learns the new one, and ``shelfcast serve`` learns today's at start (``warm_up``).
"""

from __future__ import annotations

import logging
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

logger = logging.getLogger(__name__)

PROFILE_DAYS = 56
MAX_AGE = 600.0

_lock = threading.Lock()
_cached: dict[date, tuple[float, IntradayProfile]] = {}
_relearning: set[date] = set()
_generation = 0  # profile_forget() drops what a relearn under way would keep


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


def _keep(today: date, profile: IntradayProfile, generation: int) -> None:
    with _lock:
        if generation != _generation:  # forgotten while it was learned
            return
        if _cached and max(_cached) > today:  # a relearn that finished after the day moved on
            return
        _cached.clear()  # one day is live at a time
        _cached[today] = (time.monotonic(), profile)


def _relearn(today: date, generation: int) -> None:
    from django.db import connection

    try:
        _keep(today, _learn(today), generation)
    except Exception:  # the profile held stays in use; the next call past MAX_AGE tries again
        logger.exception("could not relearn the intraday profile for %s", today)
    finally:
        with _lock:
            _relearning.discard(today)
        connection.close()  # this thread's own connection


def profile_for(today: date) -> IntradayProfile:
    """The profile to nowcast ``today`` with (cached per process; learned on the first call
    for ``today``, relearned in the background once older than ``MAX_AGE``)."""
    with _lock:
        hit = _cached.get(today)
        if hit is not None:
            if time.monotonic() - hit[0] >= MAX_AGE and today not in _relearning:
                _relearning.add(today)
                threading.Thread(target=_relearn, args=(today, _generation), daemon=True,
                                 name="intraday-profile").start()
            return hit[1]
        generation = _generation
    profile = _learn(today)
    _keep(today, profile, generation)
    return profile


def profile_forget() -> None:
    """Learn again on the next call (tests; after history was loaded)."""
    global _generation
    with _lock:
        _cached.clear()
        _generation += 1
