"""Writes of the live app: recompute the live state of the keys an ingest touched, and raise or
update projected-stockout alerts. Returns the events to push; ``dispatch`` sends them.

An alert is raised once per store and item (an active ``projected_stockout`` alert) and
updated afterwards: a batch that leaves its projected date where it was changes its stock
figure quietly; one that moves the date pushes ``alert.raised`` again with ``"state":
"updated"``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
from django.conf import settings
from django.db import transaction

from shelfcast.data.schema import quantile_column
from shelfcast.replenish.projection import project_stockout
from shelfcast.server.forecasts.models import PublishedForecast
from shelfcast.server.live.selectors import LiveState, OnHand, live_on_hand, live_states
from shelfcast.server.orders.models import Alert, AlertKind
from shelfcast.server.sales.selectors import live_day_get

__all__ = ["live_refresh", "stockout_alerts_update", "forecast_updated_event", "alert_event"]

Key = tuple[str, str]


def forecast_updated_event(state: LiveState) -> dict[str, Any]:
    return {"type": "forecast.updated", "store_id": state.store_id, "item_id": state.item_id,
            "date": state.date.isoformat(), "units": state.units,
            "nowcast_today": state.nowcast_today, "forecast_tomorrow": state.forecast_tomorrow,
            "quantiles": state.quantiles}


def alert_event(alert: Alert, state: str) -> dict[str, Any]:
    return {"type": "alert.raised", "state": state, "id": alert.pk, "store_id": alert.store_id,
            "item_id": alert.item_id, "kind": alert.kind,
            "projected_stockout_date": (alert.projected_stockout_date.isoformat()
                                        if alert.projected_stockout_date else None),
            "on_hand": alert.on_hand, "message": alert.message}


def _quantile_name(level: float, available: Iterable[str]) -> str | None:
    """The smallest published quantile at or above the service level (else the largest)."""
    names = sorted(available, key=lambda n: float(n[1:]))
    if not names:
        return None
    wanted = quantile_column(level)
    for name in names:
        if float(name[1:]) >= float(wanted[1:]):
            return name
    return names[-1]


def _window(snap: Any, day: date) -> tuple[int, date]:
    """Days of demand to cover before the next delivery can arrive, and that arrival day."""
    if snap.next_arrival_date is not None and snap.next_arrival_date > day:
        arrival = snap.next_arrival_date
    else:
        lead = snap.lead_time_days if snap.lead_time_days is not None \
            else settings.SHELFCAST.lead_time_days
        arrival = day + timedelta(days=max(int(lead), 1))
    return max((arrival - day).days - 1, 0), arrival


def _later_quantiles(keys: set[Key], day: date, last: date) -> dict[tuple[str, str, date], dict]:
    if last <= day + timedelta(days=1):
        return {}
    rows = PublishedForecast.objects.filter(
        store_id__in={s for s, _ in keys}, item_id__in={i for _, i in keys},
        date__gt=day + timedelta(days=1), date__lte=last).values_list(
            "store_id", "item_id", "date", "quantiles")
    return {(s, i, d): q for s, i, d, q in rows if (s, i) in keys}


def stockout_alerts_update(states: list[LiveState], day: date) -> list[dict[str, Any]]:
    """Project each state's stockout (``replenish.projection``) and raise or update alerts."""
    stock = live_on_hand(keys={(s.store_id, s.item_id) for s in states}, day=day)
    states = [s for s in states if (s.store_id, s.item_id) in stock]
    if not states:
        return []
    windows = {(s.store_id, s.item_id): _window(stock[(s.store_id, s.item_id)].snapshot, day)
               for s in states}
    width = max(k for k, _ in windows.values())
    later = _later_quantiles(set(windows), day, day + timedelta(days=width))
    demand = np.full((len(states), max(width, 1)), np.nan)
    for row, state in enumerate(states):
        key = (state.store_id, state.item_id)
        snap = stock[key].snapshot
        level = snap.service_level or settings.SHELFCAST.service_level
        for j in range(windows[key][0]):
            q = state.quantiles if j == 0 else later.get((*key, day + timedelta(days=j + 1)),
                                                          state.quantiles)
            name = _quantile_name(level, q or {})
            demand[row, j] = np.nan if name is None else q[name]
    on_hand = np.array([stock[(s.store_id, s.item_id)].units for s in states])
    remaining = np.array([max(s.nowcast_today - s.units, 0.0) for s in states])
    dates = project_stockout(on_hand, remaining, demand[:, :width], today=day)
    at_risk = [(s, stock[(s.store_id, s.item_id)], d.astype(date), rest)
               for s, d, rest in zip(states, dates, remaining, strict=True) if not np.isnat(d)]
    return _alerts_save(at_risk, windows)


def _message(state: LiveState, on_hand: float, rest: float, when: date, arrival: date) -> str:
    return (f"Item {state.item_id} at store {state.store_id}: {on_hand:.0f} units on hand and "
            f"about {rest:.0f} more expected to sell today; projected to run out on "
            f"{when.isoformat()}, before the next delivery can arrive ({arrival.isoformat()}).")


@transaction.atomic
def _alerts_save(at_risk: list[tuple[LiveState, OnHand, date, float]],
                 windows: dict[Key, tuple[int, date]]) -> list[dict[str, Any]]:
    if not at_risk:
        return []
    keys = {(s.store_id, s.item_id) for s, *_ in at_risk}
    active: dict[Key, Alert] = {}
    for alert in (Alert.objects.select_for_update()
                  .filter(kind=AlertKind.PROJECTED_STOCKOUT, is_active=True,
                          store_id__in={s for s, _ in keys}, item_id__in={i for _, i in keys})
                  .order_by("created_at")):
        active[(alert.store_id, alert.item_id)] = alert
    events = []
    for state, stock, when, rest in at_risk:
        key = (state.store_id, state.item_id)
        message = _message(state, stock.units, rest, when, windows[key][1])
        alert = active.get(key)
        if alert is None:
            alert = Alert.objects.create(store_id=key[0], item_id=key[1],
                                         kind=AlertKind.PROJECTED_STOCKOUT,
                                         projected_stockout_date=when, on_hand=stock.units,
                                         message=message)
            events.append(alert_event(alert, "new"))
            continue
        moved = alert.projected_stockout_date != when
        if moved or alert.on_hand != stock.units:
            alert.projected_stockout_date, alert.on_hand, alert.message = when, stock.units, message
            alert.save(update_fields=["projected_stockout_date", "on_hand", "message"])
        if moved:
            events.append(alert_event(alert, "updated"))
    return events


def live_refresh(*, keys: Iterable[tuple[str, str, date]], clock: datetime | None = None
                 ) -> list[dict[str, Any]]:
    """Recompute the touched (store, item, business day)s; the events to push.

    Every touched day gets its ``forecast.updated``; alerts are projected for today (the
    business clock) only. ``clock`` is the latest event time the caller saw, when it knows.
    """
    by_day: dict[date, set[Key]] = defaultdict(set)
    for store, item, day in keys:
        by_day[day].add((store, item))
    today = live_day_get()
    events: list[dict[str, Any]] = []
    for day in sorted(by_day):
        states = live_states(keys=by_day[day], day=day, clock=clock if day == today else None)
        events.extend(forecast_updated_event(s) for s in states)
        if day == today:
            events.extend(stockout_alerts_update(states, day))
    return events
