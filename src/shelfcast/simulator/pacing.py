"""When each line is due, in seconds after the replay starts.

``--speed X`` keeps the original timing, X times faster; a pause longer than
``MAX_GAP_S`` of data time (the night, a closed day) is cut to that, so that a replay of
several days does not wait out the nights. ``--rate N`` sends N lines a second, evenly.
Neither: every line is due at once (as fast as the server takes them).
"""

from __future__ import annotations

import polars as pl

from shelfcast.data.schema import TIMESTAMP
from shelfcast.errors import ShelfcastError

__all__ = ["MAX_GAP_S", "due_offsets"]

MAX_GAP_S = 3600.0
"""The longest pause of data time kept between two lines (before --speed divides it)."""


def due_offsets(lines: pl.DataFrame, *, speed: float | None = None,
                rate: float | None = None) -> list[float]:
    """Seconds after the start at which each line (in replay order) is due."""
    if speed is not None and rate is not None:
        raise ShelfcastError("give --speed or --rate, not both")
    for name, value in (("--speed", speed), ("--rate", rate)):
        if value is not None and not value > 0:
            raise ShelfcastError(f"{name} must be a positive number, got {value}")
    if rate is not None:
        return [i / rate for i in range(lines.height)]
    if speed is None or lines.height == 0:
        return [0.0] * lines.height
    gaps = (
        lines[TIMESTAMP].diff().dt.total_microseconds().fill_null(0) / 1e6
    ).clip(0.0, MAX_GAP_S)
    return (gaps.cum_sum() / speed).to_list()
