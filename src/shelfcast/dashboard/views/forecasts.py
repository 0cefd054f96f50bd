"""Forecasts: the history and the published forecast of a store and item on one chart, with
the q10-q90 band; forecast against actual where the day is past; downloads by the API's
``?format=``."""

from __future__ import annotations

from datetime import timedelta

import pandas as pd
import plotly.graph_objects as go
import streamlit as st

from shelfcast.dashboard import data_access as da
from shelfcast.dashboard.charts import COLORS, plotly_chart
from shelfcast.dashboard.common import (
    call,
    download_buttons,
    empty_state,
    frozen,
    page_header,
)

HISTORY_DAYS = 120


SALES_COLOR, FORECAST_COLOR = COLORS[0], COLORS[6]  # blue, orange
BAND_COLOR = "rgba(255,135,0,0.2)"  # the forecast's, faint


def chart(history: pd.DataFrame, forecast: pd.DataFrame) -> go.Figure:
    fig = go.Figure()
    if not history.empty:
        fig.add_trace(go.Scatter(x=history["date"], y=history["sales"], name="sales",
                                 mode="lines", line={"color": SALES_COLOR}))
    if not forecast.empty:
        if {"q10", "q90"} <= set(forecast.columns):
            fig.add_trace(go.Scatter(x=forecast["date"], y=forecast["q90"], name="q90",
                                     mode="lines", line={"width": 0}, showlegend=False))
            fig.add_trace(go.Scatter(x=forecast["date"], y=forecast["q10"], name="q10-q90",
                                     mode="lines", line={"width": 0}, fill="tonexty",
                                     fillcolor=BAND_COLOR))
        fig.add_trace(go.Scatter(x=forecast["date"], y=forecast["forecast"], name="forecast",
                                 mode="lines", line={"dash": "dash", "color": FORECAST_COLOR}))
    fig.update_layout(title="Sales and forecast", xaxis_title="date", yaxis_title="units")
    return fig


def page() -> None:
    conn = page_header("Forecasts", "History and forecast with its q10-q90 band, per store "
                                    "and item.",
                       preload=("DataFrame",), figures=True)
    keys = call(da.load_keys, conn)
    if not keys["store"]:
        empty_state("No sales in the database yet.")
        return
    c1, c2 = st.columns(2)
    store = c1.selectbox("Store", keys["store"], key="forecast_store")
    item = c2.selectbox("Item", keys["item"], key="forecast_item")
    pair = {"store_id": store, "item_id": item}
    forecast = call(da.load_forecasts, conn, frozen(pair))
    history = call(da.load_sales, conn, by="day", filters=frozen(pair))
    if not history.empty:
        last = history["date"].max()
        shown = history[history["date"] > last - timedelta(days=HISTORY_DAYS)]
    else:
        shown = history
    plotly_chart(chart(shown, forecast), key="forecast_chart")
    if forecast.empty:
        empty_state(f"No forecast published for {store} / {item} yet.",
                    "Forecasts are published into the server by `shelfcast load` (with the live "
                    "model) and by the daily run; `shelfcast forecast DATA_DIR --out FILE` "
                    "writes one to a file meanwhile.")
        return
    version = forecast["model_version"].dropna().unique() if "model_version" in forecast else []
    a, b = st.columns(2)
    a.metric("Forecast days", len(forecast))
    b.metric("Model version", ", ".join(map(str, version)) or "unknown")

    st.subheader("Forecast against actual")
    known = forecast.merge(history[["date", "sales"]], on="date", how="inner") \
        if not history.empty else pd.DataFrame()
    if known.empty:
        st.caption("No forecast day has its actual sales yet.")
    else:
        known["error"] = known["sales"] - known["forecast"]
        st.metric("Mean absolute error", f"{known['error'].abs().mean():.2f}")
        known["date"] = known["date"].dt.date
        st.dataframe(known[["date", "sales", "forecast", "error"]], hide_index=True,
                     key="forecast_vs_actual")

    st.subheader("Download")
    scope = st.radio("Forecasts of", ["this store and item", "every store and item"],
                     horizontal=True, key="forecast_scope")
    download_buttons(conn, "/api/forecasts/", frozen(pair) if scope.startswith("this") else (),
                     "forecasts", key="forecast")
    st.dataframe(forecast.assign(date=forecast["date"].dt.date), hide_index=True,
                 key="forecast_table")


page()
