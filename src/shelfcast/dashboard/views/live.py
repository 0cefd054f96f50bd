"""Live: today's sales per store (``/api/live/``, summed by the server), nowcast and forecast
per store, the top items so far, the latest alerts; refreshed every 2 seconds unless paused.
Each refresh reads one page of store totals and top items and one page of alerts, at once.

The charts are Vega-Lite specs written here (``st.vega_lite_chart``), not ``st.bar_chart``:
that one builds an Altair chart and validates it against Vega-Lite's JSON schema on every run
(about 0.1-0.2 s of CPU on the first, before the page's first chart could leave)."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

from shelfcast.dashboard import data_access as da
from shelfcast.dashboard.common import (call, empty_state, page_header, preload_elements,
                                        warm_plotly)

REFRESH_S = 2
ALERTS_SHOWN = 10
# The scripts of the elements below (the metrics, the Vega-Lite charts and their renderer,
# the tables), in Streamlit's chunk names.
PRELOAD = ("Metric", "ArrowVegaLiteChart", "embed", "Table")


def bars(data: pd.DataFrame, *, color: str | None = None) -> None:
    """Units per store as bars; with ``color``, one bar per value of that column side by side
    (not stacked)."""
    encoding: dict[str, Any] = {
        "x": {"field": "store_id", "type": "nominal", "title": "store"},
        "y": {"field": "units", "type": "quantitative", "title": "units"},
        "tooltip": [{"field": "store_id", "title": "store"},
                    {"field": "units", "format": ",.0f"}],
    }
    if color:
        encoding["color"] = {"field": color, "type": "nominal", "title": None}
        encoding["xOffset"] = {"field": color}
        encoding["tooltip"].append({"field": color})
    st.vega_lite_chart(data, {"mark": "bar", "encoding": encoding}, width="stretch")


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
    sold = stores[stores["lines"] > 0] if not stores.empty else stores
    if sold.empty:
        st.info(f"No till lines ingested for {live['date']} yet: the tills (or "
                "`shelfcast simulate`) post them to `/api/transactions/`.", icon=":material/info:")
    else:
        st.markdown("**Units sold today per store**")
        bars(sold[["store_id", "units"]])

    if not stores.empty:
        per_store = stores.rename(columns={"units": "so far", "nowcast_today": "nowcast",
                                           "forecast_today": "forecast for today"})
        measures = [m for m in ("so far", "nowcast", "forecast for today")
                    if m in per_store and per_store[m].notna().any()]
        long = per_store.melt(id_vars="store_id", value_vars=measures, var_name="measure",
                              value_name="units")
        st.markdown("**So far today against the nowcast and the forecast**")
        bars(long, color="measure")
    if not items.empty:
        st.subheader(f"Top {len(items)} items so far"
                     + (f" (of {live['item_count']:,} sold today)" if live["item_count"] else ""))
        st.table(items.drop(columns=["quantiles"], errors="ignore"), hide_index=True)

    st.subheader("Latest alerts")
    if alerts.empty:
        st.caption("No active alerts.")
    else:
        active = alerts.attrs.get("count")
        if active:
            st.caption(f"The {len(alerts)} newest of {active:,} active alerts.")
        st.table(alerts, hide_index=True)


def page() -> None:
    conn = page_header("Live", "Today's sales per store as the tills report them.")
    # Fetched and compiled by the browser while the server answers the reads, not after.
    preload_elements(*PRELOAD)
    paused = st.toggle("Pause updates", key="live_pause")
    st.caption("Paused." if paused else f"Updating every {REFRESH_S} s.")

    @st.fragment(run_every=None if paused else REFRESH_S)
    def refreshed() -> None:
        live_panel(conn)

    refreshed()
    warm_plotly()  # last: its run must not delay this page's own first render


page()
