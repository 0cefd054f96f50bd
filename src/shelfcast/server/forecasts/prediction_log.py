"""The prediction log, written in batches off the request path.

``prediction_log_add(rows)`` only appends to an in-memory buffer; a background thread writes
the buffer with one ``bulk_create`` when it holds ``FLUSH_ROWS`` rows or ``FLUSH_SECONDS``
after the last write, and once more when the process exits. ``prediction_log_flush()`` writes
what is buffered now, in the calling thread (shutdown, tests).

The log is a record, not a ledger: a batch that cannot be written (database down) is logged
as an error and dropped rather than held without bound, and requests never wait for it.
"""

from __future__ import annotations

import atexit
import logging
import threading
from collections.abc import Iterable
from typing import Any

from django.db import connections

__all__ = ["FLUSH_ROWS", "FLUSH_SECONDS", "MAX_BUFFERED", "prediction_log_add", "prediction_log_flush",
           "prediction_log_background"]

FLUSH_ROWS = 2_000
FLUSH_SECONDS = 0.25
MAX_BUFFERED = 200_000
"""Rows held at most while the database does not keep up; beyond it, new rows are dropped."""

logger = logging.getLogger("shelfcast.server")


class _Writer:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.rows: list[dict[str, Any]] = []
        self.wake = threading.Event()
        self.thread: threading.Thread | None = None
        self.dropped = 0
        self.background = True
        """False: rows wait for an explicit flush (tests inside one database transaction)."""

    def add(self, rows: Iterable[dict[str, Any]]) -> None:
        with self.lock:
            room = MAX_BUFFERED - len(self.rows)
            new = list(rows)
            if len(new) > room:
                self.dropped += len(new) - max(room, 0)
                new = new[: max(room, 0)]
            self.rows.extend(new)
            full = len(self.rows) >= FLUSH_ROWS
            if self.background and (self.thread is None or not self.thread.is_alive()):
                self.thread = threading.Thread(target=self._run, name="prediction-log", daemon=True)
                self.thread.start()
        if full:
            self.wake.set()

    def take(self) -> list[dict[str, Any]]:
        with self.lock:
            rows, self.rows = self.rows, []
        return rows

    def flush(self) -> int:
        from shelfcast.server.forecasts.models import PredictionLog

        rows = self.take()
        if not rows:
            return 0
        try:
            PredictionLog.objects.bulk_create([PredictionLog(**r) for r in rows], batch_size=FLUSH_ROWS)
        except Exception:  # the log must never take the server down; say so loudly instead
            logger.exception("could not write %d prediction log rows; dropped", len(rows))
            return 0
        return len(rows)

    def _run(self) -> None:
        while True:
            self.wake.wait(FLUSH_SECONDS)
            self.wake.clear()
            with self.lock:
                idle = not self.rows or not self.background
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


def prediction_log_add(rows: Iterable[dict[str, Any]]) -> None:
    """Buffer ``PredictionLog`` rows (field -> value dicts) for the background writer."""
    _writer.add(rows)


def prediction_log_background(enabled: bool) -> None:
    """Whether a background thread writes the buffer (default True)."""
    _writer.background = enabled


def prediction_log_flush() -> int:
    """Write the buffered rows now; returns how many were written."""
    return _writer.flush()
