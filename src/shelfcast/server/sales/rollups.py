"""Writes of the sales roll-ups (``StoreDaySales``, ``ItemDaySales``): rebuilt from the daily
sales for a range of days, in SQL (one ``INSERT ... SELECT ... GROUP BY`` per table), so that
loading 4 M rows adds seconds, not a pass in Python. The two writers of daily sales call it
for the days they wrote: ``dataset_load`` (a load or an upload) and the live day close
(``live/close.py``)."""

from __future__ import annotations

from datetime import date

from django.db import connection, transaction

from shelfcast.server.sales.models import DailySales, ItemDaySales, StoreDaySales

__all__ = ["ROLLUP_KEYS", "rollup_sql", "sales_rollups_refresh"]

ROLLUP_KEYS = {StoreDaySales: "store_id", ItemDaySales: "item_id"}
"""Each roll-up table and the key it sums over (besides the day)."""


def rollup_sql(*, target: str, source: str, key: str, where: str = "") -> str:
    """The ``INSERT ... SELECT`` that fills ``target`` from the daily sales table ``source``
    (quoted table names); ``where`` narrows the source rows (e.g. to a date range)."""
    q = connection.ops.quote_name
    return (f"INSERT INTO {target} ({q(key)}, {q('date')}, {q('sales')}, {q('revenue')}) "
            f"SELECT {q(key)}, {q('date')}, SUM({q('sales')}), SUM({q('sales')} * {q('price')}) "
            f"FROM {source} {where} GROUP BY {q(key)}, {q('date')}")


@transaction.atomic
def sales_rollups_refresh(*, date_from: date, date_to: date) -> None:
    """Rebuild the roll-ups of the days ``date_from``..``date_to`` (inclusive) from
    ``DailySales``: days without sales any more lose their roll-up rows too."""
    if date_to < date_from:
        raise ValueError(f"sales_rollups_refresh: date_to {date_to} is before date_from "
                         f"{date_from}; expected a range of days")
    q = connection.ops.quote_name
    source = q(DailySales._meta.db_table)
    days = [date_from.isoformat(), date_to.isoformat()]
    with connection.cursor() as cursor:
        for model, key in ROLLUP_KEYS.items():
            target = q(model._meta.db_table)
            cursor.execute(f"DELETE FROM {target} WHERE {q('date')} BETWEEN %s AND %s", days)
            cursor.execute(rollup_sql(target=target, source=source, key=key,
                                      where=f"WHERE {q('date')} BETWEEN %s AND %s"), days)
