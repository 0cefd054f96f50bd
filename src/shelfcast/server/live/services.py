"""Writes of the live app: a round of the live worker recomputes the keys an ingest touched
and raises or updates projected-stockout alerts. Returns the events to push; ``dispatch``
sends them.

A round costs O(touched keys), in a fixed number of statements: today's running totals of
its keys (one query), the per-day inputs (morning and later published forecasts, snapshots:
``inputs``, cached between rounds, read once per key), the live model's tomorrow for all keys
in one vectorised call, the nowcast and the stockout projection as arrays, and the alerts in
bulk (``alerts``). Today's states are the ones ``selectors.live_states`` reads for
``/api/live/`` (the same formulas, from cached inputs; a test holds them equal). A late line
for an earlier day is recomputed through ``selectors.live_states`` itself (rare: no cache).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from datetime import date, datetime, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from django.conf import settings

from shelfcast.data.schema import quantile_column
from shelfcast.live.clock import minute_of_day
from shelfcast.live.nowcast import DEFAULT_PRIOR_STRENGTH, nowcast_array
from shelfcast.replenish.projection import project_stockout
from shelfcast.server.forecasts.serving import live_model
from shelfcast.server.live.alerts import AtRisk, alert_event, alerts_save
from shelfcast.server.live.inputs import KeyInputs, day_inputs
from shelfcast.server.live.profiles import profile_for
from shelfcast.server.live.selectors import LiveState, live_clock_get, live_states
from shelfcast.server.sales.models import IntradayTotal
from shelfcast.server.sales.selectors import live_day_get

__all__ = ["live_refresh", "today_states", "forecast_updated_event", "alert_event"]

Key = tuple[str, str]


def forecast_updated_event(state: LiveState) -> dict[str, Any]:
    return {"type": "forecast.updated", "store_id": state.store_id, "item_id": state.item_id,
            "date": state.date.isoformat(), "units": state.units,
            "nowcast_today": state.nowcast_today, "forecast_tomorrow": state.forecast_tomorrow,
            "quantiles": state.quantiles}


@lru_cache(maxsize=256)
def _quantile_name(level: float, available: tuple[str, ...]) -> str | None:
    """The smallest published quantile at or above the service level (else the largest)."""
    names = sorted(available, key=lambda n: float(n[1:]))
    if not names:
        return None
    wanted = float(quantile_column(level)[1:])
    for name in names:
        if float(name[1:]) >= wanted:
            return name
    return names[-1]


def _quantile(quantiles: dict[str, float] | None, level: float) -> float:
    name = _quantile_name(level, tuple(quantiles)) if quantiles else None
    return np.nan if name is None else quantiles[name]  # type: ignore[index]


def _units_today(keys: list[Key], day: date) -> dict[Key, float]:
    rows = IntradayTotal.objects.filter(
        business_day=day, store_id__in={s for s, _ in keys}, item_id__in={i for _, i in keys}
    ).values_list("store_id", "item_id", "units")
    return {(s, i): u for s, i, u in rows}


def _minute(day: date, clock: datetime | None) -> float:
    """How far ``day`` has got by ``clock`` (as ``selectors.live_states`` reads it)."""
    clock = clock or live_clock_get(day=day)
    if clock is None:
        return 0.0
    if clock.astimezone(ZoneInfo(settings.TIME_ZONE)).date() > day:
        return 24 * 60.0  # the clock has moved past this day: it is complete
    return minute_of_day(clock, settings.TIME_ZONE)


def today_states(keys: list[Key], day: date, clock: datetime | None,
                 inputs: dict[Key, KeyInputs], sold: dict[Key, float]) -> list[LiveState]:
    """The live states of ``keys`` (sorted) on ``day``, vectorised over the keys."""
    minute = _minute(day, clock)
    profile = profile_for(day)
    done = {s: profile.fraction_done(s, day, minute) for s in {s for s, _ in keys}}
    share = np.array([done[s] for s, _ in keys])
    units = np.array([sold.get(k, 0.0) for k in keys])
    morning = np.array([np.nan if inputs[k].morning is None else inputs[k].morning
                        for k in keys])
    strength = getattr(settings, "SHELFCAST_LIVE_PRIOR_STRENGTH", DEFAULT_PRIOR_STRENGTH)
    now = nowcast_array(units, share, morning, prior_strength=strength)
    tomorrow: dict[Key, tuple[float, dict[str, float]]] = {}
    model = live_model()
    if model is not None and model.first_day == day:
        provisional = dict(zip(keys, now.tolist(), strict=True))
        for p in model.predict_tomorrow(keys, provisional):
            tomorrow[(p.store_id, p.item_id)] = (p.forecast, p.quantiles)
    return [
        LiveState(store_id=k[0], item_id=k[1], date=day, units=u, share_done=p,
                  nowcast_today=n, forecast_tomorrow=t[0] if t else None,
                  quantiles=t[1] if t else None)
        for k, u, p, n in zip(keys, units.tolist(), share.tolist(), now.tolist(), strict=True)
        for t in (tomorrow.get(k) or inputs[k].tomorrow,)
    ]


def _message(item: str, store: str, on_hand: float, rest: float, when: date, arrival: date
             ) -> str:
    return (f"Item {item} at store {store}: {on_hand:.0f} units on hand and "
            f"about {rest:.0f} more expected to sell today; projected to run out on "
            f"{when.isoformat()}, before the next delivery can arrive ({arrival.isoformat()}).")


def stockout_alerts_update(states: list[LiveState], day: date, inputs: dict[Key, KeyInputs]
                           ) -> list[dict[str, Any]]:
    """Project each state's stockout (``replenish.projection``) and raise or update alerts.

    Live on-hand: the latest snapshot minus what was ingested for the business days after
    its ``as_of`` (returns add back); demand: each following day's quantile at the SKU's
    service level until the next delivery can arrive."""
    states = [s for s in states if inputs[(s.store_id, s.item_id)].stock is not None]
    if not states:
        return []
    stocks = [inputs[(s.store_id, s.item_id)] for s in states]
    width = max(k.stock.cover_days for k in stocks)  # type: ignore[union-attr]
    demand = np.full((len(states), max(width, 1)), np.nan)
    on_hand = np.empty(len(states))
    default_level = settings.SHELFCAST.service_level
    for row, (state, entry) in enumerate(zip(states, stocks, strict=True)):
        stock = entry.stock
        assert stock is not None
        today = state.units if stock.as_of < day else 0.0  # a count at today's close has it
        on_hand[row] = stock.on_hand - entry.sold_before - today
        level = stock.service_level or default_level
        for j in range(stock.cover_days):
            q = state.quantiles if j == 0 else entry.later.get(day + timedelta(days=j + 1),
                                                                 state.quantiles)
            demand[row, j] = _quantile(q, level)
    remaining = np.maximum(np.array([s.nowcast_today - s.units for s in states]), 0.0)
    dates = project_stockout(on_hand, remaining, demand[:, :width], today=day)
    at_risk = [
        AtRisk(s.store_id, s.item_id, d, float(h),
               _message(s.item_id, s.store_id, float(h), float(r), d, e.stock.arrival))
        for s, e, h, r, d in zip(states, stocks, on_hand, remaining,
                                 dates.astype(object).tolist(), strict=True)
        if d is not None]
    return alerts_save(at_risk)


Emit = Callable[[list[dict[str, Any]]], None]


def _today_refresh(keys: set[Key], day: date, clock: datetime | None, emit: Emit) -> None:
    ordered = sorted(keys)
    inputs = day_inputs(day).get(ordered)
    states = today_states(ordered, day, clock, inputs, _units_today(ordered, day))
    emit([forecast_updated_event(s) for s in states])  # before the alerts: they can wait
    emit(stockout_alerts_update(states, day, inputs))


def live_refresh(*, keys: Iterable[tuple[str, str, date]], clock: datetime | None = None,
                 today: date | None = None, emit: Emit | None = None) -> list[dict[str, Any]]:
    """Recompute the touched (store, item, business day)s; the events to push.

    Every touched day gets its ``forecast.updated``; alerts are projected for today (the
    business clock; read from the database when not given) only. ``clock`` is the latest
    event time the caller saw, when it knows. With ``emit``, the events go to it as soon as
    they are ready (the forecasts before the alerts are written) and none are returned.
    """
    by_day: dict[date, set[Key]] = defaultdict(set)
    for store, item, day in keys:
        by_day[day].add((store, item))
    today = today or live_day_get()
    collected: list[dict[str, Any]] = []
    emit = emit or collected.extend
    for day in sorted(by_day):
        if day == today:
            _today_refresh(by_day[day], day, clock, emit)
        else:  # a late line for an earlier day (or lines of a later one): no cache
            if today is not None and day < today:
                day_inputs(today).key_forget(by_day[day])  # their sales since the snapshot moved
            emit([forecast_updated_event(s) for s in live_states(keys=by_day[day], day=day)])
    return collected
