"""Inventory: the latest stock count per store and item, days of cover (on hand over the
average daily sales of the 28 days before the count), and the items with an alert."""

from __future__ import annotations

from datetime import timedelta

import streamlit as st

from shelfcast.dashboard import data_access as da
from shelfcast.dashboard.charts import histogram, plotly_chart
from shelfcast.dashboard.common import call, empty_state, frozen, page_header

DEMAND_DAYS = 28
LOW_COVER_DAYS = 3.0
COVER_BINS = 40


def page() -> None:
    conn = page_header("Inventory", "Stock on hand, days of cover and alerts.",
                       preload=("DataFrame",), figures=True)
    keys = call(da.load_keys, conn)
    # One store to start with: a chain's 100,000 store-items are a choice, not a default.
    stores = st.multiselect("Stores (none: the whole chain)", keys["store"],
                            default=keys["store"][:1], key="inventory_stores")
    filters = {"store_id": stores}
    snapshots = call(da.load_inventory, conn, frozen(filters))
    if snapshots.empty:
        empty_state("No inventory snapshots yet.")
        return
    latest = snapshots.sort_values("as_of").groupby(["store_id", "item_id"], as_index=False).last()
    as_of = latest["as_of"].max()
    # Monthly sums per store and item over the window (at most two months per SKU), not the
    # daily rows: a chain's 28 days of daily rows would pass the dashboard's row cap.
    sales = call(da.load_sales, conn, by="month", filters=frozen(dict(
        filters, date_from=(as_of - timedelta(days=DEMAND_DAYS - 1)).date(),
        date_to=as_of.date())))
    if not sales.empty:
        demand = sales.groupby(["store_id", "item_id"], as_index=False)["sales"].sum()
        demand["sales"] = demand["sales"] / DEMAND_DAYS  # a day without a row sold nothing
        demand = demand.rename(columns={"sales": "daily demand"})
        latest = latest.merge(demand, on=["store_id", "item_id"], how="left")
    else:
        latest["daily demand"] = float("nan")
    latest["days of cover"] = latest["on_hand"] / latest["daily demand"].where(
        latest["daily demand"] > 0)
    alerts = call(da.load_alerts, conn, frozen(filters))
    if not alerts.empty:
        flags = alerts.groupby(["store_id", "item_id"])["kind"].agg(
            lambda kinds: ", ".join(sorted(set(kinds)))).rename("alert")
        latest = latest.merge(flags, left_on=["store_id", "item_id"], right_index=True,
                              how="left")
    else:
        latest["alert"] = None
    latest["low cover"] = latest["days of cover"] < LOW_COVER_DAYS

    a, b, c, d = st.columns(4)
    a.metric("Store-items", len(latest))
    b.metric("Units on hand", f"{latest['on_hand'].sum():,.0f}")
    c.metric(f"Under {LOW_COVER_DAYS:g} days of cover", int(latest["low cover"].sum()))
    d.metric("With an alert", int(latest["alert"].notna().sum()))
    st.caption(f"Counts as of {as_of.date()}; demand is the average of the "
               f"{DEMAND_DAYS} days up to it.")
    plotly_chart(histogram(latest, "days of cover", color="store_id", bins=COVER_BINS,
                           count="store-items", title="Days of cover"), key="inventory_chart")
    only_flagged = st.toggle("Only flagged (alert or low cover)", key="inventory_flagged")
    shown = latest[latest["alert"].notna() | latest["low cover"]] if only_flagged else latest
    shown = shown.assign(as_of=shown["as_of"].dt.date)
    columns = ["store_id", "item_id", "as_of", "on_hand", "on_order", "daily demand",
               "days of cover", "low cover", "alert"]
    st.dataframe(shown[[c for c in columns if c in shown.columns]], hide_index=True,
                 key="inventory_table",
                 column_config={"daily demand": st.column_config.NumberColumn(format="%.2f"),
                                "days of cover": st.column_config.NumberColumn(format="%.1f")})
    st.subheader("Active alerts")
    if alerts.empty:
        st.caption("No active alerts. They are raised by the daily run and the live stream.")
    else:
        st.dataframe(alerts, hide_index=True, key="inventory_alerts")


page()
