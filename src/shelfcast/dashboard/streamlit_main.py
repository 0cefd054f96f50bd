"""``python -m shelfcast.dashboard.streamlit_main run app.py ...``: Streamlit's own command line,
started with the pages' heavy libraries already imported.

Streamlit runs every session's script in this one process, so a module imported here is
imported once, before the first visitor: the first page anyone opens after a start no longer
waits seconds for pandas and Plotly to load (measured in benchmarks/RESULTS.md, Dashboard), nor
0.2 s of CPU for Altair (Streamlit's own charts, on the Live page)."""

from __future__ import annotations

import altair  # noqa: F401
import pandas  # noqa: F401
import plotly.express  # noqa: F401
from streamlit.web.cli import main

import shelfcast.dashboard.common  # noqa: F401
import shelfcast.dashboard.data_access  # noqa: F401

if __name__ == "__main__":
    # The same program name as `python -m streamlit`, so the server sees the same command line.
    main(prog_name="streamlit")
