"""Issues that quote rows: the first ``MAX_EXAMPLES`` row numbers and values, and the count.

Row numbers count data rows from 1 in the order given (the header not included), as a
spreadsheet shows them from its second line.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

import polars as pl

from shelfcast.data.report import MAX_EXAMPLES, Issue

__all__ = ["Level", "count_rows", "rows_issue", "keys_text"]

Level = Literal["error", "warning", "info"]


def count_rows(n: int) -> str:
    return f"{n:,} row{'s' if n != 1 else ''}"


def rows_issue(
    mask: pl.Series,
    values: pl.Series | None,
    *,
    level: Level,
    code: str,
    file: str,
    column: str | None,
    message: str,
    expected: str | None = None,
    positions: pl.Series | None = None,
) -> Issue | None:
    """An issue for the rows where ``mask`` is true, or ``None`` when there is none.

    ``message`` may hold ``{rows}`` for "3 rows". The issue quotes the first
    ``MAX_EXAMPLES`` row numbers (``positions`` when the frame was reordered, else the
    position + 1) and their ``values``, and counts them all.
    """
    mask = mask.fill_null(False)
    count = int(mask.sum())
    if count == 0:
        return None
    idx = mask.arg_true().head(MAX_EXAMPLES)
    rows = positions.gather(idx) if positions is not None else idx + 1
    quoted: tuple[Any, ...] = ()
    if values is not None:
        quoted = tuple(_plain(v) for v in values.gather(idx).to_list())
    return Issue(level, code, file, message.format(rows=count_rows(count)), column=column,
                 count=count, rows=tuple(int(r) for r in rows.to_list()), values=quoted,
                 expected=expected)


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, date) else value


def keys_text(frame: pl.DataFrame, columns: tuple[str, ...] | list[str]) -> pl.Series:
    return frame.select(pl.concat_str(
        [pl.col(c).cast(pl.String).fill_null("<blank>") for c in columns], separator=" / "
    )).to_series()


