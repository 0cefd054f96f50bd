"""Upload: send a dataset (files or a zip) to ``POST /api/uploads/``, which validates and loads
it as a job. Until the server has the endpoint, the page says so."""

from __future__ import annotations

import streamlit as st

from shelfcast.dashboard import data_access as da
from shelfcast.dashboard.common import call, page_header

PATH = "/api/uploads/"


def page() -> None:
    conn = page_header("Upload", "Send your sales, stores, items and inventory files.")
    st.markdown("This page will send a dataset folder's files (or one zip) to "
                "`POST /api/uploads/` (analyst, admin): the server validates them as "
                "`shelfcast validate` does, loads them as `shelfcast load` does, and reports; "
                "the job's progress and report show here.")
    if not call(da.endpoint_available, conn, PATH):
        st.info(f"The upload endpoint (`{PATH}`) isn't available on this server yet. "
                "Meanwhile load a folder on the server's machine: `shelfcast validate DATA_DIR` "
                "then `shelfcast load DATA_DIR`.", icon=":material/info:")
        return
    st.info("This server has the upload endpoint; uploading from the dashboard is not built "
            "yet: use `curl -F file=@data.zip` with an analyst token.", icon=":material/info:")


page()
