"""The per-day inputs of the live worker's rounds, held in memory between rounds.

A round recomputes the touched (store, item)s of today. What it needs besides today's running
totals does not move within the day: the forecasts published for today (the morning forecast),
tomorrow and the days up to the next possible delivery, and the latest inventory snapshot with
what was ingested between its ``as_of`` and today. Those are read once per key (one query per
table for the keys a round sees first) and kept until:

- the business day changes (everything is dropped);
- a late line lands on an earlier day of a key (that key's sales since its snapshot are read
  again: ``key_forget``);
- the published forecasts of today and tomorrow or the inventory snapshots change (a publish,
  an upload): looked at at most once every ``CHECK_INTERVAL`` seconds, by a signature of each
  (row count, latest ``published_at``; row count, sum of ``on_hand``, latest ``as_of``);
  ``live_inputs_forget`` drops everything at once (tests; after a load).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.conf import settings
from django.db.models import Count, Max, Sum

from shelfcast.server.forecasts.models import PublishedForecast
from shelfcast.server.inventory.models import InventorySnapshot
from shelfcast.server.sales.models import IntradayTotal

__all__ = ["CHECK_INTERVAL", "Stock", "KeyInputs", "day_inputs", "live_inputs_forget"]

Key = tuple[str, str]
CHECK_INTERVAL = 1.0


@dataclass(frozen=True)
class Stock:
    """The latest inventory snapshot of a key (counted at the close of ``as_of``)."""

    as_of: date
    on_hand: float
    service_level: float | None
    cover_days: int
    """Days after tomorrow whose demand must be covered before a delivery can arrive."""
    arrival: date


@dataclass
class KeyInputs:
    morning: float | None = None
    """The forecast published for today (the nowcast's prior)."""
    tomorrow: tuple[float, dict[str, float]] | None = None
    """The forecast published for tomorrow (when the live model cannot answer)."""
    later: dict[date, dict[str, float]] = field(default_factory=dict)
    """Published quantiles of the days after tomorrow, up to the stock's cover."""
    stock: Stock | None = None
    sold_before: float = 0.0
    """Units ingested for the business days after the snapshot's ``as_of``, before today."""


def _arrival(next_arrival: date | None, lead_days: int | None, day: date) -> tuple[int, date]:
    """Days of demand to cover before the next delivery can arrive, and that arrival day
    (``next_arrival_date`` when later than today, else today + lead time)."""
    if next_arrival is not None and next_arrival > day:
        arrival = next_arrival
    else:
        lead = lead_days if lead_days is not None else settings.SHELFCAST.lead_time_days
        arrival = day + timedelta(days=max(int(lead), 1))
    return max((arrival - day).days - 1, 0), arrival


def _in_keys(qs: Any, keys: set[Key]) -> Any:
    return qs.filter(store_id__in={s for s, _ in keys}, item_id__in={i for _, i in keys})


class DayInputs:
    """The inputs of one business day, per key, read on first use."""

    def __init__(self, day: date) -> None:
        self.day = day
        self.by_key: dict[Key, KeyInputs] = {}

    def get(self, keys: Iterable[Key]) -> dict[Key, KeyInputs]:
        keys = set(keys)
        missing = keys - self.by_key.keys()
        if missing:
            self._load(missing)
        return {k: self.by_key[k] for k in keys}

    def key_forget(self, keys: Iterable[Key]) -> None:
        for key in keys:
            self.by_key.pop(key, None)

    def _load(self, keys: set[Key]) -> None:
        day = self.day
        loaded = {k: KeyInputs() for k in keys}
        snaps: dict[Key, tuple] = {}
        for s, i, *rest in _in_keys(InventorySnapshot.objects.filter(as_of__lte=day), keys) \
                .order_by("as_of").values_list("store_id", "item_id", "as_of", "on_hand",
                                               "next_arrival_date", "lead_time_days",
                                               "service_level"):
            if (s, i) in keys:
                snaps[(s, i)] = tuple(rest)  # the latest wins
        for key, (as_of, on_hand, next_arrival, lead, level) in snaps.items():
            cover, arrival = _arrival(next_arrival, lead, day)
            loaded[key].stock = Stock(as_of, on_hand, level, cover, arrival)
        if snaps:
            earliest = min(v[0] for v in snaps.values())
            for s, i, d, u in _in_keys(IntradayTotal.objects.filter(
                    business_day__gt=earliest, business_day__lt=day), set(snaps)).values_list(
                        "store_id", "item_id", "business_day", "units"):
                stock = loaded[(s, i)].stock if (s, i) in loaded else None
                if stock is not None and d > stock.as_of:
                    loaded[(s, i)].sold_before += u
        last = day + timedelta(days=1 + max((v.stock.cover_days for v in loaded.values()
                                             if v.stock is not None), default=0))
        for s, i, d, forecast, quantiles in _in_keys(PublishedForecast.objects.filter(
                date__gte=day, date__lte=last), keys).values_list(
                    "store_id", "item_id", "date", "forecast", "quantiles"):
            entry = loaded.get((s, i))
            if entry is None:
                continue
            if d == day:
                entry.morning = forecast
            elif d == day + timedelta(days=1):
                entry.tomorrow = (forecast, quantiles)
            else:
                entry.later[d] = quantiles
        self.by_key.update(loaded)


def _signature(day: date) -> tuple:
    """Changes when forecasts are published for today or tomorrow (a publish replaces the
    days it covers, these among them; read through the date index) or when snapshots are
    loaded or edited."""
    published = PublishedForecast.objects.filter(
        date__gte=day, date__lte=day + timedelta(days=1)).aggregate(
            n=Count("id"), at=Max("published_at"))
    snapshots = InventorySnapshot.objects.aggregate(n=Count("id"), last=Max("id"),
                                                    units=Sum("on_hand"), as_of=Max("as_of"))
    return tuple(published.values()) + tuple(snapshots.values())


class _Cache:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.inputs: DayInputs | None = None
        self.signature: tuple | None = None
        self.checked_at = float("-inf")


_cache = _Cache()


def day_inputs(day: date) -> DayInputs:
    """The cached inputs of ``day`` (a new, empty set on a new day or after a change).
    Callers use them under ``_cache.lock`` through this function only from one thread at a
    time (the live worker; the request thread in inline mode)."""
    with _cache.lock:
        now = time.monotonic()
        if now - _cache.checked_at >= CHECK_INTERVAL:
            signature = (day, *_signature(day))
            if signature != _cache.signature:
                _cache.inputs = None
                _cache.signature = signature
            _cache.checked_at = now
        if _cache.inputs is None or _cache.inputs.day != day:
            _cache.inputs = DayInputs(day)
        return _cache.inputs


def live_inputs_forget() -> None:
    """Read everything again on the next round (tests; after a load)."""
    with _cache.lock:
        _cache.inputs = None
        _cache.signature = None
        _cache.checked_at = float("-inf")
