"""Orders: the order proposals with their reasons; filters and downloads."""

from __future__ import annotations

import plotly.express as px
import streamlit as st

from shelfcast.dashboard import data_access as da
from shelfcast.dashboard.charts import plotly_chart
from shelfcast.dashboard.common import call, download_buttons, empty_state, frozen, page_header


def page() -> None:
    conn = page_header("Orders", "Order proposals, with the reason for each.",
                       preload=("DataFrame",), figures=True)
    keys = call(da.load_keys, conn)
    if not keys["store"]:
        empty_state("No sales in the database yet, so no orders either.")
        return
    c1, c2 = st.columns(2)
    # One store to start with: a chain's proposals are a choice, not a default.
    stores = c1.multiselect("Stores (none: the whole chain)", keys["store"],
                            default=keys["store"][:1], key="orders_stores")
    categories = c2.multiselect("Categories", keys["category"], key="orders_categories")
    filters = frozen({"store_id": stores, "category": categories})
    orders = call(da.load_orders, conn, filters)
    if orders.empty:
        empty_state("No order proposals yet.",
                    "They are published by `shelfcast load` and the daily run (`shelfcast "
                    "replenish DATA_DIR --out FILE` writes them to a file meanwhile).")
        return
    dates = sorted(orders["order_date"].dt.date.unique())
    day = st.selectbox("Order date", ["all", *dates], key="orders_date")
    shown = orders if day == "all" else orders[orders["order_date"].dt.date == day]
    a, b, c = st.columns(3)
    a.metric("Proposals", len(shown))
    b.metric("Units", f"{shown['quantity'].sum():,.0f}")
    c.metric("Packs", f"{shown['packs'].sum():,.0f}")
    plotly_chart(px.bar(shown.groupby("store_id", as_index=False)["quantity"].sum(),
                        x="store_id", y="quantity", title="Units to order per store"),
                 key="orders_chart")
    table = shown.assign(order_date=shown["order_date"].dt.date,
                         arrival_date=shown["arrival_date"].dt.date)
    st.dataframe(table, hide_index=True, key="orders_table",
                 column_config={"reason": st.column_config.TextColumn(width="large")})
    download_buttons(conn, "/api/orders/", filters, "orders", key="orders")


page()
