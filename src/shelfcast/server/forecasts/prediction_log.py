"""The prediction log, written in batches off the request path.

``prediction_log_add(...)`` only appends one call's answers, as columns, to an in-memory
buffer; a background thread writes the buffer when it holds ``FLUSH_ROWS`` rows or
``FLUSH_SECONDS`` after the last write, and once more when the process exits.
``prediction_log_flush()`` writes what is buffered now, in the calling thread (shutdown,
tests). A write is one ``COPY`` on PostgreSQL (one ``executemany`` elsewhere) of plain
tuples: no model instance per row, so a batch of 1,000 predictions costs the server little.

The log is a record, not a ledger: a batch that cannot be written (database down) is logged
as an error and dropped rather than held without bound, and requests never wait for it.
"""

from __future__ import annotations

import atexit
import json
import logging
import math
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from django.db import connection, connections
from django.utils import timezone

from shelfcast.server.forecasts.serving import PredictRequest

__all__ = ["FLUSH_ROWS", "FLUSH_SECONDS", "MAX_BUFFERED", "prediction_log_add", "prediction_log_flush",
           "prediction_log_background"]

FLUSH_ROWS = 2_000
FLUSH_SECONDS = 0.25
MAX_BUFFERED = 200_000
"""Rows held at most while the database does not keep up; beyond it, new rows are dropped."""
_COLUMNS = ("created_at", "token_id", "model_version", "store_id", "item_id", "date", "inputs",
            "forecast", "quantiles")

logger = logging.getLogger("shelfcast.server")


@dataclass(frozen=True)
class _Answered:
    """One call's predictions, as columns (turned into rows only by the writer)."""

    created_at: datetime
    token_id: int | None
    model_version: str
    requests: Sequence[PredictRequest]
    days: Sequence[date]
    forecasts: Sequence[float]
    quantiles: Sequence[Sequence[float]]
    quantile_names: Sequence[str]

    def rows(self) -> list[tuple[Any, ...]]:
        # The quantiles' JSON from a template: json.dumps of a dict per row was most of the
        # writer's time. JSON writes a finite float as repr() does; anything else goes through
        # json.dumps (which refuses nothing here: NaN is not expected, but stays readable).
        template = "{" + ", ".join(f"{json.dumps(n)}: %r" for n in self.quantile_names) + "}"
        names = self.quantile_names

        def quantiles_json(qs: Sequence[float]) -> str:
            if all(map(math.isfinite, qs)):
                return template % tuple(qs)
            return json.dumps(dict(zip(names, qs, strict=True)))

        return [
            (self.created_at, self.token_id, self.model_version, r.store_id, r.item_id, day,
             _inputs_json(r), forecast, quantiles_json(qs))
            for r, day, forecast, qs in zip(self.requests, self.days, self.forecasts,
                                            self.quantiles, strict=True)
        ]


_NO_WHAT_IF = {True: json.dumps({"date_given": True}), False: json.dumps({"date_given": False})}


def _inputs_json(r: PredictRequest) -> str:
    """What the request said beyond its store and item (what-ifs, whether it gave a date)."""
    if r.price is None and r.promo is None:
        return _NO_WHAT_IF[r.date is not None]
    return json.dumps({k: v for k, v in (("price", r.price), ("promo", r.promo),
                                         ("date_given", r.date is not None)) if v is not None})


def _write(rows: list[tuple[Any, ...]]) -> None:
    from shelfcast.server.forecasts.models import PredictionLog

    table = PredictionLog._meta.db_table
    columns = ", ".join(_COLUMNS)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            adapt = connection.ops.adapt_datetimefield_value
            cursor.executemany(
                f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(_COLUMNS))})",
                [(adapt(r[0]), *r[1:5], r[5].isoformat(), *r[6:]) for r in rows])


class _Writer:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.batches: list[_Answered] = []
        self.buffered = 0
        self.wake = threading.Event()
        self.thread: threading.Thread | None = None
        self.dropped = 0
        self.background = True
        """False: rows wait for an explicit flush (tests inside one database transaction)."""

    def add(self, batch: _Answered) -> None:
        n = len(batch.requests)
        with self.lock:
            if self.buffered + n > MAX_BUFFERED:
                self.dropped += n
                return
            self.batches.append(batch)
            self.buffered += n
            full = self.buffered >= FLUSH_ROWS
            if self.background and (self.thread is None or not self.thread.is_alive()):
                self.thread = threading.Thread(target=self._run, name="prediction-log", daemon=True)
                self.thread.start()
        if full:
            self.wake.set()

    def take(self) -> list[_Answered]:
        with self.lock:
            batches, self.batches, self.buffered = self.batches, [], 0
        return batches

    def flush(self) -> int:
        rows = [row for batch in self.take() for row in batch.rows()]
        if not rows:
            return 0
        try:
            _write(rows)
        except Exception:  # the log must never take the server down; say so loudly instead
            logger.exception("could not write %d prediction log rows; dropped", len(rows))
            return 0
        return len(rows)

    def _run(self) -> None:
        while True:
            self.wake.wait(FLUSH_SECONDS)
            self.wake.clear()
            with self.lock:
                idle = not self.batches or not self.background
            if idle:
                continue
            try:
                self.flush()
            finally:
                _drop_connections()


def _drop_connections() -> None:
    """Close and forget this thread's connections: an idle one would hold the database open
    (and block dropping it) between batches, and the next batch reads the settings afresh."""
    for alias in list(connections.settings):
        connections[alias].close()
        del connections[alias]


_writer = _Writer()
atexit.register(_writer.flush)


def prediction_log_add(*, token_id: int | None, model_version: str,
                       requests: Sequence[PredictRequest], days: Sequence[date],
                       forecasts: Sequence[float], quantiles: Sequence[Sequence[float]],
                       quantile_names: Sequence[str]) -> None:
    """Buffer one call's predictions (request k answered ``forecasts[k]``, ``quantiles[k]``
    on ``days[k]``) for the background writer."""
    _writer.add(_Answered(timezone.now(), token_id, model_version, requests, days, forecasts,
                          quantiles, quantile_names))


def prediction_log_background(enabled: bool) -> None:
    """Whether a background thread writes the buffer (default True)."""
    _writer.background = enabled


def prediction_log_flush() -> int:
    """Write the buffered rows now; returns how many were written."""
    return _writer.flush()
