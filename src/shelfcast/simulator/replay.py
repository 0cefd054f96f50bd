"""The replay loop: send what is due, in batches, in order, and keep the tally.

Each batch goes out once its first line is due, with the lines due by then (up to
``batch_size``); a batch is only ever re-sent as itself (``Sender`` retries), so no line
is sent as new twice. When the server is slower than the schedule the loop falls behind
and sends full batches until it has caught up.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import polars as pl

from shelfcast.data.schema import TIMESTAMP
from shelfcast.simulator.sender import Sender, SimulatorError
from shelfcast.simulator.tally import Tally

__all__ = ["as_payload", "replay", "PROGRESS_EVERY_S"]

PROGRESS_EVERY_S = 2.0


def as_payload(lines: pl.DataFrame) -> list[dict[str, Any]]:
    """Lines as the API's JSON: ISO 8601 times with their offset, no null prices."""
    rows = lines.with_columns(
        pl.col(TIMESTAMP).dt.strftime("%Y-%m-%dT%H:%M:%S%.f%:z")).to_dicts()
    return [{k: v for k, v in row.items() if v is not None} for row in rows]


def replay(lines: pl.DataFrame, due: list[float], sender: Sender, *, batch_size: int,
           on_progress: Callable[[Tally], None] = lambda _t: None,
           chunk_rows: int = 50_000) -> Tally:
    """Send every line at its due time (seconds after the start), in batches."""
    tally = Tally(total=lines.height)
    sender.on_retry = lambda _reason: _count_retry(tally)
    start = time.monotonic()
    last_progress = start
    # JSON rows are built a chunk at a time: a year of a chain's lines need not sit in
    # memory as Python dicts.
    for chunk_start in range(0, lines.height, chunk_rows):
        payload = as_payload(lines.slice(chunk_start, chunk_rows))
        i = 0
        while i < len(payload):
            if time.monotonic() - last_progress >= PROGRESS_EVERY_S:
                on_progress(tally)
                last_progress = time.monotonic()
            wait = due[chunk_start + i] - (time.monotonic() - start)
            if wait > 0:
                time.sleep(min(wait, PROGRESS_EVERY_S))
                continue
            now = time.monotonic() - start
            end = i + 1
            while end < len(payload) and end - i < batch_size and due[chunk_start + end] <= now:
                end += 1
            batch = payload[i:end]
            try:
                answer = sender.send(batch)
            except SimulatorError as exc:  # the server refused or stayed away: stop here
                tally.stopped_by = exc
                return tally
            tally.add_answer(batch, answer)
            i = end
    return tally


def _count_retry(tally: Tally) -> None:
    tally.retries += 1
