"""Projected-stockout alerts of a live round, written in bulk.

An alert is raised once per store and item (an active ``projected_stockout`` alert) and
updated afterwards: a round that leaves its projected date where it was changes its stock
figure quietly; one that moves the date pushes ``alert.raised`` again with ``"state":
"updated"``. A round costs three statements whatever its size: the active alerts of its keys
(locked; on PostgreSQL an advisory lock first serialises the rounds of several server
processes), one ``INSERT`` of the new ones, one ``UPDATE`` of the changed ones (fed by
``unnest`` of arrays on PostgreSQL, by ``json_each`` of one JSON parameter on SQLite).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import connection, transaction

from shelfcast.server.orders.models import Alert, AlertKind

__all__ = ["AtRisk", "alert_event", "alerts_save"]

Key = tuple[str, str]
ALERTS_LOCK = 0x5C_A1E7  # the advisory lock of live alert writes (PostgreSQL)


@dataclass(frozen=True)
class AtRisk:
    store_id: str
    item_id: str
    projected_stockout_date: date
    on_hand: float
    message: str


def alert_event(alert: Alert, state: str) -> dict[str, Any]:
    return _event(alert.pk, alert.store_id, alert.item_id, alert.projected_stockout_date,
                  alert.on_hand, alert.message, state)


def _event(pk: int, store: str, item: str, when: date | None, on_hand: float, message: str,
           state: str) -> dict[str, Any]:
    return {"type": "alert.raised", "state": state, "id": pk, "store_id": store,
            "item_id": item, "kind": AlertKind.PROJECTED_STOCKOUT.value,
            "projected_stockout_date": when.isoformat() if when else None,
            "on_hand": on_hand, "message": message}


def _update(changed: list[tuple[int, AtRisk]]) -> None:
    if not changed:
        return
    table = connection.ops.quote_name(Alert._meta.db_table)
    ids = [pk for pk, _ in changed]
    days = [r.projected_stockout_date.isoformat() for _, r in changed]
    stock = [float(r.on_hand) for _, r in changed]
    messages = [r.message for _, r in changed]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"UPDATE {table} AS a SET projected_stockout_date = v.d, on_hand = v.h, "
                f"message = v.m FROM unnest(%s::bigint[], %s::date[], %s::float8[], %s::text[]) "
                f"AS v(id, d, h, m) WHERE a.id = v.id", [ids, days, stock, messages])
        else:
            cursor.execute(
                f"UPDATE {table} SET projected_stockout_date = v.d, on_hand = v.h, message = v.m "
                f"FROM (SELECT json_extract(value, '$[0]') AS id, "
                f"json_extract(value, '$[1]') AS d, json_extract(value, '$[2]') AS h, "
                f"json_extract(value, '$[3]') AS m "
                f"FROM json_each(%s)) AS v WHERE {table}.id = v.id",
                [json.dumps([list(r) for r in zip(ids, days, stock, messages, strict=True)])])


@transaction.atomic
def alerts_save(at_risk: list[AtRisk]) -> list[dict[str, Any]]:
    """Raise or update the alerts of ``at_risk``; the ``alert.raised`` events to push."""
    if not at_risk:
        return []
    keys = {(r.store_id, r.item_id) for r in at_risk}
    if connection.vendor == "postgresql":
        # Server processes (--workers) may round the same key at once: one writes alerts at
        # a time, so a new alert is not raised twice (held until this transaction ends).
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [ALERTS_LOCK])
    # Tuples, not model instances: a round reads an alert per key at risk.
    active: dict[Key, tuple[int, date | None, float]] = {}
    for pk, store, item, when, on_hand in (
            Alert.objects.select_for_update()
            .filter(kind=AlertKind.PROJECTED_STOCKOUT, is_active=True,
                    store_id__in={s for s, _ in keys}, item_id__in={i for _, i in keys})
            .order_by("created_at")
            .values_list("pk", "store_id", "item_id", "projected_stockout_date", "on_hand")):
        active[(store, item)] = (pk, when, on_hand)  # the newest wins
    new: list[Alert] = []
    changed: list[tuple[int, AtRisk]] = []
    events: list[dict[str, Any]] = []
    for risk in at_risk:
        found = active.get((risk.store_id, risk.item_id))
        if found is None:
            new.append(Alert(store_id=risk.store_id, item_id=risk.item_id,
                             kind=AlertKind.PROJECTED_STOCKOUT,
                             projected_stockout_date=risk.projected_stockout_date,
                             on_hand=risk.on_hand, message=risk.message))
            continue
        pk, when, on_hand = found
        if when != risk.projected_stockout_date:
            events.append(_event(pk, risk.store_id, risk.item_id, risk.projected_stockout_date,
                                 risk.on_hand, risk.message, "updated"))
        elif on_hand == risk.on_hand:
            continue
        changed.append((pk, risk))
    created = Alert.objects.bulk_create(new) if new else []
    _update(changed)
    return [alert_event(a, "new") for a in created] + events
