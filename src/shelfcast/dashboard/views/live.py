"""Live: today's sales per store (``/api/live/``), nowcast and forecast where present, the
latest alerts; refreshed every 2 seconds unless paused."""

from __future__ import annotations

import pandas as pd
import plotly.express as px
import streamlit as st

from shelfcast.dashboard import data_access as da
from shelfcast.dashboard.common import call, empty_state, frozen, page_header

REFRESH_S = 2
ALERTS_SHOWN = 10


def live_panel(conn: da.Connection) -> None:
    live = call(da.load_live, conn)
    if live["date"] is None:
        empty_state("Nothing to show live yet.")
        return
    stores: pd.DataFrame = live["stores"]
    items: pd.DataFrame = live["items"]
    total_units = float(stores["units"].sum()) if not stores.empty else 0.0
    total_lines = int(stores["lines"].sum()) if not stores.empty else 0
    a, b, c = st.columns(3)
    a.metric("Business day", str(live["date"]))
    b.metric("Units today", f"{total_units:,.0f}", help=f"{total_lines:,} till lines")
    today = call(da.load_forecasts, conn, frozen({"date_from": live["date"],
                                                  "date_to": live["date"]}))
    c.metric("Forecast for today",
             f"{today['forecast'].sum():,.0f}" if not today.empty else "none published")
    if stores.empty:
        st.info(f"No till lines ingested for {live['date']} yet: the tills (or "
                "`shelfcast simulate`) post them to `/api/transactions/`.", icon=":material/info:")
    else:
        st.plotly_chart(px.bar(stores, x="store_id", y="units", title="Units sold today per store",
                               labels={"store_id": "store", "units": "units"}),
                        key="live_store_chart")

    has_nowcast = not items.empty and items["nowcast_today"].notna().any()
    if not today.empty or has_nowcast:
        per_store = pd.DataFrame({"store_id": sorted(
            set(stores.get("store_id", [])) | set(today.get("store_id", [])))})
        per_store = per_store.merge(stores[["store_id", "units"]] if not stores.empty else
                                    pd.DataFrame(columns=["store_id", "units"]),
                                    on="store_id", how="left").rename(
            columns={"units": "so far"})
        if has_nowcast:
            per_store = per_store.merge(items.groupby("store_id")["nowcast_today"].sum(
                min_count=1).rename("nowcast").reset_index(), on="store_id", how="left")
        if not today.empty:
            per_store = per_store.merge(today.groupby("store_id")["forecast"].sum().rename(
                "forecast for today").reset_index(), on="store_id", how="left")
        long = per_store.melt(id_vars="store_id", var_name="measure", value_name="units")
        st.plotly_chart(px.bar(long, x="store_id", y="units", color="measure", barmode="group",
                               title="So far today against the nowcast and the forecast"),
                        key="live_nowcast_chart")
    if not has_nowcast:
        st.caption("The live nowcast is not published by this server yet.")
    if not items.empty:
        st.dataframe(items.drop(columns=["quantiles"], errors="ignore"), hide_index=True,
                     key="live_items_table")

    st.subheader("Latest alerts")
    alerts = call(da.load_alerts, conn)
    if alerts.empty:
        st.caption("No active alerts.")
    else:
        st.dataframe(alerts.head(ALERTS_SHOWN), hide_index=True, key="live_alerts_table")


def page() -> None:
    conn = page_header("Live", "Today's sales per store as the tills report them.")
    paused = st.toggle("Pause updates", key="live_pause")
    st.caption("Paused." if paused else f"Updating every {REFRESH_S} s.")

    @st.fragment(run_every=None if paused else REFRESH_S)
    def refreshed() -> None:
        live_panel(conn)

    refreshed()


page()
