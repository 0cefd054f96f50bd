"""Models: the versions in the server's registry (``GET /api/models/``), which one is live,
their metrics. Until the server has the endpoint, the page says so."""

from __future__ import annotations

import streamlit as st

from shelfcast.dashboard import data_access as da
from shelfcast.dashboard.common import call, page_header

PATH = "/api/models/"


def page() -> None:
    conn = page_header("Models", "The model versions, the live one, and their metrics.")
    st.markdown("This page lists the model versions the server knows (`GET /api/models/`): "
                "when each was trained, its backtest metrics, and which one answers "
                "predictions. Training and promoting are `POST /api/models/train/` and "
                "`POST /api/models/{version}/promote/` (analyst, admin).")
    if not call(da.endpoint_available, conn, PATH):
        st.info(f"The models endpoint (`{PATH}`) isn't available on this server yet, so there "
                "is nothing to list. Meanwhile `shelfcast train DATA_DIR --model-dir DIR` trains "
                "a version into a folder.", icon=":material/info:")
        return
    frame = call(da.fetch_frame, conn, PATH)
    if frame.empty:
        st.info("No model version yet: `shelfcast load` trains one when none exists.",
                icon=":material/info:")
        return
    st.dataframe(frame, hide_index=True, key="models_table")


page()
