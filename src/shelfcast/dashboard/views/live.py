"""Live: today's sales per store (``/api/live/``, summed by the server), nowcast and forecast
per store, the top items so far, the latest alerts; refreshed every 2 seconds unless paused.
Each refresh reads one page of store totals and top items and one page of alerts, at once.

The chart and tables are plain HTML (``html_parts``), not Streamlit's chart and table
elements: those make a new browser fetch and compile Vega-Lite's renderer and the Arrow
table code once the data arrives, about 0.5 s of this page's first render on 2 cores."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from shelfcast.dashboard import data_access as da
from shelfcast.dashboard import html_parts
from shelfcast.dashboard.charts import load_when_idle
from shelfcast.dashboard.common import call, empty_state, html, page_header

REFRESH_S = 2
ALERTS_SHOWN = 10
# The script of the one element below that is not in Streamlit's main script (the metrics),
# in Streamlit's chunk names.
PRELOAD = ("Metric",)


def live_panel(conn: da.Connection) -> None:
    live, alerts = call(da.load_live_view, conn, ALERTS_SHOWN)
    if live["date"] is None:
        empty_state("Nothing to show live yet.")
        return
    stores: pd.DataFrame = live["stores"]
    items: pd.DataFrame = live["items"]
    total_units = float(stores["units"].sum()) if not stores.empty else 0.0
    total_lines = int(stores["lines"].sum()) if not stores.empty else 0
    forecast = stores["forecast_today"] if "forecast_today" in stores else pd.Series(dtype=float)
    a, b, c = st.columns(3)
    a.metric("Business day", str(live["date"]))
    b.metric("Units today", f"{total_units:,.0f}", help=f"{total_lines:,} till lines")
    c.metric("Forecast for today",
             f"{forecast.sum():,.0f}" if forecast.notna().any() else "none published")
    if total_lines == 0:
        st.info(f"No till lines ingested for {live['date']} yet: the tills (or "
                "`shelfcast simulate`) post them to `/api/transactions/`.", icon=":material/info:")
    if not stores.empty:
        st.markdown("**So far today per store, against the nowcast and the forecast**")
        html(html_parts.store_progress(stores))
    if not items.empty:
        st.subheader(f"Top {len(items)} items so far"
                     + (f" (of {live['item_count']:,} sold today)" if live["item_count"] else ""))
        html(html_parts.table(items.drop(columns=["quantiles"], errors="ignore")))

    st.subheader("Latest alerts")
    if alerts.empty:
        st.caption("No active alerts.")
    else:
        active = alerts.attrs.get("count")
        if active:
            st.caption(f"The {len(alerts)} newest of {active:,} active alerts.")
        html(html_parts.table(alerts))


def page() -> None:
    # The metrics' script fetched and compiled while the server answers the reads, not after.
    conn = page_header("Live", "Today's sales per store as the tills report them.",
                       preload=PRELOAD)
    paused = st.toggle("Pause updates", key="live_pause")
    st.caption("Paused." if paused else f"Updating every {REFRESH_S} s.")

    @st.fragment(run_every=None if paused else REFRESH_S)
    def refreshed() -> None:
        live_panel(conn)

    refreshed()
    load_when_idle()  # plotly.js for the next page; last: not on this page's render path


page()
