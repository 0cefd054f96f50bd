"""The Live page's chart and tables, and Sales trends' week table, as plain HTML, shown with
``st.markdown(..., unsafe_allow_html=True)`` (``common.html``).

Live is the page a store opens first, often in a browser that has not seen the dashboard
before. Streamlit's chart and table elements each make that browser fetch and compile a
script of their own once the data arrives (Vega-Lite's renderer, 757 KiB; the Arrow
formatting of tables and chart data, 726 KiB): with them, Live's first render took about
0.5 s longer on 2 cores (benchmarks/RESULTS.md, Dashboard). Markdown is rendered by
Streamlit's main script, which every page loads anyway. The other pages keep Plotly.

Every value taken from the data is escaped; the numbers are also kept as ``data-``
attributes, for scripts and tests that read the page.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable
from html import escape
from typing import Any

import pandas as pd

__all__ = ["SOLD", "NOWCAST", "FORECAST", "store_progress", "table", "cell"]

# Streamlit's default palette: blue, light blue, red.
SOLD, NOWCAST, FORECAST = "#0068c9", "#83c9ff", "#ff2b2b"


def cell(value: Any, decimals: int | None = None) -> str:
    """A table cell's text: a number with thousands separators and ``decimals`` decimals (by
    default none for a whole number, 2 for others), blank for a missing value, anything else
    as ``str``."""
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        if math.isnan(value):
            return ""
        if decimals is None:
            decimals = 0 if float(value).is_integer() else 2
        return f"{value:,.{decimals}f}"
    return str(value)


# One style sheet per chart, classes on the rows: a row is about 450 characters of markup,
# resent on each 2 s refresh for every store.
_STYLE = f"""<style>
.sc-store {{display: grid; grid-template-columns: 4.5rem 1fr 11rem; gap: 0.5rem;
  align-items: center; font-size: 0.8rem; line-height: 1.35rem}}
.sc-store > span:first-child {{overflow: hidden; text-overflow: ellipsis; white-space: nowrap}}
.sc-track {{position: relative; height: 1rem; background: rgba(128, 128, 128, 0.12);
  border-radius: 2px}}
.sc-bar {{position: absolute; left: 0; top: 50%; transform: translateY(-50%);
  border-radius: 2px}}
.sc-now {{height: 0.8rem; background: {NOWCAST}}}
.sc-sold {{height: 0.5rem; background: {SOLD}}}
.sc-tick {{position: absolute; top: 0; bottom: 0; width: 2px; background: {FORECAST}}}
.sc-num {{text-align: right; font-variant-numeric: tabular-nums}}
</style>"""


def _known(value: Any) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def _share(value: float, scale: float) -> str:
    return f"{min(value / scale, 1.0) * 100:.2f}%"


def _row(store: str, sold: float, nowcast: float | None, forecast: float | None,
         scale: float) -> str:
    said = [f"{cell(sold)} sold so far"]
    said += [] if nowcast is None else [f"nowcast {cell(round(nowcast))}"]
    said += [] if forecast is None else [f"forecast {cell(round(forecast))}"]
    data = " ".join(f'data-{name}="{"" if value is None else repr(value)}"'
                    for name, value in (("units", sold), ("nowcast", nowcast),
                                        ("forecast", forecast)))
    bars = "".join(f'<div class="sc-bar {kind}" style="width:{_share(value, scale)}"></div>'
                   for kind, value in (("sc-now", nowcast), ("sc-sold", sold))
                   if value is not None and value > 0)
    tick = "" if forecast is None else (
        f'<div class="sc-tick" style="left:calc({_share(forecast, scale)} - 1px)"></div>')
    numbers = " / ".join(cell(None if v is None else round(v)) for v in (sold, nowcast, forecast))
    store = escape(store)
    return (f'<div class="sc-store" data-store="{store}" {data} '
            f'title="{store}: {escape("; ".join(said))}"><span>{store}</span>'
            f'<div class="sc-track">{bars}{tick}</div><span class="sc-num">{numbers}</span></div>')


def store_progress(stores: pd.DataFrame, *, max_height_px: int = 440) -> str:
    """Per store (``store_id``, ``units``; ``nowcast_today`` and ``forecast_today`` when
    known), one row on a common scale: what sold so far as a bar, the nowcast (today's
    expected final total) as a lighter bar behind it, the morning forecast as a tick, and
    the three numbers. Ordered by store, so rows keep their place as the day ticks up;
    scrolls past ``max_height_px``."""
    if stores.empty:
        return ""
    frame = stores.sort_values("store_id").reindex(
        columns=["store_id", "units", "nowcast_today", "forecast_today"])
    peak = frame[["units", "nowcast_today", "forecast_today"]].max().max()
    scale = float(peak) if pd.notna(peak) and peak > 0 else 1.0
    rows = "".join(_row(str(store), _known(sold) or 0.0, _known(nowcast), _known(forecast), scale)
                   for store, sold, nowcast, forecast in frame.itertuples(index=False, name=None))
    legend = (f'<div style="font-size:0.8rem;margin-bottom:0.3rem">'
              f'<span style="color:{SOLD}">&#9632;</span> sold so far &nbsp; '
              f'<span style="color:{NOWCAST}">&#9632;</span> nowcast (expected by the close) '
              f'&nbsp; <span style="color:{FORECAST}">|</span> morning forecast &nbsp; '
              f"(numbers: so far / nowcast / forecast; scale: 0 to {cell(round(scale))} "
              f"units)</div>")
    return (f'{_STYLE}<div class="sc-store-progress">{legend}<div style="max-height:'
            f'{max_height_px}px;overflow-y:auto;padding-right:0.5rem">{rows}</div></div>')


def table(frame: pd.DataFrame, *, right: Iterable[str] = ()) -> str:
    """``frame`` as an HTML table: its columns as headers, numbers right-aligned with
    thousands separators (a column's numbers with 2 decimals unless all are whole), missing
    values blank; scrolls sideways when wide. ``right``: more columns to right-align (numbers
    written as text, such as ``+1.5%``)."""
    decimals: dict[Any, int | None] = {}
    for column in frame.columns:
        values = frame[column]
        if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values):
            known = values.dropna()
            decimals[column] = 0 if (known == known.round()).all() else 2
    right = set(right)
    align = {c: ' style="text-align:right"' if c in decimals or c in right else ""
             for c in frame.columns}
    head = "".join(f"<th{align[c]}>{escape(str(c))}</th>" for c in frame.columns)
    body = "".join(
        "<tr>" + "".join(f"<td{align[c]}>{escape(cell(v, decimals.get(c)))}</td>"
                         for c, v in zip(frame.columns, values, strict=True)) + "</tr>"
        for values in frame.itertuples(index=False, name=None))
    return (f'<div class="sc-table" style="overflow-x:auto"><table><thead><tr>{head}</tr>'
            f"</thead><tbody>{body}</tbody></table></div>")
