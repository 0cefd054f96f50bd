"""Top sellers: the best items (or stores, categories) over a range, as a bar chart and a
summary table: units, revenue where the price is known, growth against the period before,
share of the total."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import plotly.express as px
import streamlit as st

from shelfcast.dashboard import data_access as da
from shelfcast.dashboard.charts import plotly_chart
from shelfcast.dashboard.common import call, empty_state, frozen, page_header

GROUPS = {"item": "item_id", "store": "store_id", "category": "category"}
DEFAULT_DAYS = 28


def summary(conn: da.Connection, group: str, filters: dict, start, end) -> pd.DataFrame:
    """The table: units, revenue, growth (against the as-long period before) and share; all
    summed by the API (``/api/sales/top/``), two reads of one row per key."""
    key = GROUPS[group]
    now = call(da.load_top, conn, group=group,
               filters=frozen(dict(filters, date_from=start, date_to=end)))
    if now.empty:
        return now
    span = end - start
    before = call(da.load_top, conn, group=group, filters=frozen(dict(
        filters, date_from=start - span - timedelta(days=1), date_to=start - timedelta(days=1))))
    table = now.rename(columns={"sales": "units"})
    if "revenue" not in table:
        table["revenue"] = None
    table[key] = table[key].astype(str)
    table["share %"] = table["units"] / table["units"].sum() * 100.0
    if not before.empty:
        before = before.rename(columns={"sales": "units before"})[[key, "units before"]].copy()
        before[key] = before[key].astype(str)
        table = table.merge(before, on=key, how="left")
        table["growth %"] = (table["units"] - table["units before"]) / table[
            "units before"].where(table["units before"] != 0) * 100.0
    else:
        table["units before"] = None
        table["growth %"] = None
    return table[[key, "units", "revenue", "growth %", "share %", "units before"]]


def page() -> None:
    conn = page_header("Top sellers", "The best sellers over a range, with growth and share.",
                       preload=("DataFrame",), figures=True)
    keys = call(da.load_keys, conn)
    if not keys["store"]:
        empty_state("No sales in the database yet.")
        return
    last = call(da.load_sales, conn, by="month", group="store")["date"].max().date()
    last = call(da.load_sales, conn, by="day", group="store",
                filters=frozen({"date_from": last}))["date"].max().date()

    c1, c2, c3 = st.columns([1, 2, 1])
    group = c1.radio("Rank", list(GROUPS), horizontal=True, key="top_group")
    picked = c2.date_input("Range", value=(last - timedelta(days=DEFAULT_DAYS - 1), last),
                           max_value=last, key="top_range")
    top_n = c3.slider("How many", 3, 50, 10, key="top_n")
    start, end = (picked[0], picked[-1]) if isinstance(picked, tuple | list) and picked else (
        last - timedelta(days=DEFAULT_DAYS - 1), last)
    f1, f2 = st.columns(2)
    stores = f1.multiselect("Stores", keys["store"], key="top_stores")
    categories = f2.multiselect("Categories", keys["category"], key="top_categories")
    filters = {"store_id": stores, "category": categories}

    table = summary(conn, group, filters, start, end)
    if table.empty:
        empty_state("No sales for this selection.", "Widen the range or clear the filters.")
        return
    key = GROUPS[group]
    top = table.head(top_n)
    st.metric("Units sold in range", f"{table['units'].sum():,.0f}")
    plotly_chart(px.bar(top, x=key, y="units", title=f"Top {len(top)} by units sold",
                        hover_data=["share %", "growth %"]), key="top_chart")
    st.dataframe(top, hide_index=True, key="top_table", column_config={
        "revenue": st.column_config.NumberColumn(format="%.2f"),
        "growth %": st.column_config.NumberColumn(format="%+.1f%%"),
        "share %": st.column_config.NumberColumn(format="%.1f%%"),
    })
    if top["revenue"].isna().all():
        st.caption("Revenue needs prices in the daily sales; none are known for this selection.")


page()
