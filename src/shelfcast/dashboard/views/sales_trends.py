"""Sales trends: sales per store, category or item over a chosen range (Plotly lines), and
the change of the latest complete week against the week before and the same week a year
earlier (a plain HTML table of at most a few dozen rows: ``st.dataframe`` would have the
browser compile its grid and Arrow scripts, 1.2 MB, beside plotly.js on this page's first
render)."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import plotly.express as px
import streamlit as st

from shelfcast.dashboard import data_access as da
from shelfcast.dashboard import html_parts
from shelfcast.dashboard.charts import plotly_chart
from shelfcast.dashboard.common import (
    call,
    empty_state,
    fmt_pct,
    frozen,
    html,
    page_header,
    pct_change,
)

GROUPS = {"store": "store_id", "category": "category", "item": "item_id"}
DEFAULT_DAYS = 180
# Lines shown to start with: the best sellers, not a chain's 100 stores or 1,000 items (one
# line and one chip each, which the browser would take seconds to draw). Every category.
DEFAULT_SHOWN = {"store": 10, "item": 5}


def weekly_changes(weekly: pd.DataFrame, key: str) -> pd.DataFrame:
    """Per key: the latest complete week, the one before, the same week a year earlier (52
    weeks), and the changes in percent."""
    if weekly.empty:
        return pd.DataFrame()
    last_week = weekly["date"].max()
    rows = []
    for value, part in weekly.groupby(key):
        sales = part.set_index("date")["sales"]
        now = sales.get(last_week)
        before = sales.get(last_week - timedelta(weeks=1))
        year_ago = sales.get(last_week - timedelta(weeks=52))
        rows.append({key: value, "week": last_week.date(), "sales": now,
                     "previous week": before, "week-over-week %": pct_change(now, before),
                     "a year earlier": year_ago, "year-over-year %": pct_change(now, year_ago)})
    return pd.DataFrame(rows)


def page() -> None:
    conn = page_header("Sales trends", "Sales over time per store, category or item.",
                       figures=True)
    keys = call(da.load_keys, conn)
    if not keys["store"]:
        empty_state("No sales in the database yet.")
        return
    bounds = call(da.load_sales, conn, by="month", group="store")
    first, last = bounds["date"].min().date(), call(
        da.load_sales, conn, by="day", group="store",
        filters=frozen({"date_from": bounds["date"].max().date()}))["date"].max().date()

    c1, c2, c3 = st.columns([1, 1, 2])
    group = c1.radio("Per", list(GROUPS), horizontal=True, key="trends_group")
    by = c2.radio("Period", ["day", "week", "month"], index=1, horizontal=True, key="trends_by")
    picked = c3.date_input("Range", value=(max(first, last - timedelta(days=DEFAULT_DAYS)), last),
                           min_value=first, max_value=last, key="trends_range")
    start, end = (picked[0], picked[-1]) if isinstance(picked, tuple | list) and picked else (
        first, last)
    column = GROUPS[group]
    options = keys[group]
    default = options if group not in DEFAULT_SHOWN else [
        str(v) for v in call(da.load_top, conn, group=group)[column].head(DEFAULT_SHOWN[group])]
    chosen = st.multiselect(f"{group.capitalize()}s", options, default=default,
                            key=f"trends_{group}_pick")
    filters = {column: chosen} if group != "category" else {"category": chosen}

    sales = call(da.load_sales, conn, by=by, group=group,
                 filters=frozen(dict(filters, date_from=start, date_to=end)))
    if sales.empty:
        empty_state("No sales for this selection.", "Widen the range or pick other keys.")
        return
    total = float(sales["sales"].sum())
    weekly = call(da.load_sales, conn, by="week", group=group, filters=frozen(dict(
        filters, date_from=end - timedelta(weeks=54), date_to=end)))
    # A week counts when complete: its Monday at most 6 days before the end of the range.
    weekly = weekly[weekly["date"] <= pd.Timestamp(end) - timedelta(days=6)]
    changes = weekly_changes(weekly, column)
    a, b, c = st.columns(3)
    a.metric("Units sold in range", f"{total:,.0f}")
    if not changes.empty:
        now, before, year = (changes[c].sum(min_count=1) for c in (
            "sales", "previous week", "a year earlier"))
        b.metric(f"Week of {changes['week'].iloc[0]}", f"{now:,.0f}",
                 delta=fmt_pct(pct_change(now, before)), help="against the week before")
        c.metric("Year over year", f"{now:,.0f}", delta=fmt_pct(pct_change(now, year)),
                 help="against the same week 52 weeks earlier")
    plotly_chart(px.line(sales, x="date", y="sales", color=column,
                         title=f"Units sold per {by} and {group}")
                 # one box of every line's value at the date under the pointer
                 .update_layout(hovermode="x unified").update_traces(hovertemplate=None),
                 key="trends_chart")
    partial = (by == "week" and end.weekday() != 6) or (
        by == "month" and (end + timedelta(days=1)).day != 1)
    if partial:
        st.caption(f"The last {by} ends on {end}, before its end: its sum is partial.")
    st.subheader("Latest complete week")
    if changes.empty:
        st.caption("No complete week in the range yet.")
        return
    percents = ["week-over-week %", "year-over-year %"]
    as_text = {c: changes[c].map(lambda v: fmt_pct(None if pd.isna(v) else v)) for c in percents}
    html(html_parts.table(changes.assign(**as_text), right=percents))


page()
