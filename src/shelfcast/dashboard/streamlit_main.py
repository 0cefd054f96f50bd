"""``python -m shelfcast.dashboard.streamlit_main run app.py ...``: Streamlit's own command line,
started with what the first visitor would otherwise wait for already done.

Streamlit runs every session's script in this one process, so what is done here is done once,
before the first visitor: the first page anyone opens after a start no longer waits seconds
for pandas and Plotly to load (measured in benchmarks/RESULTS.md, Dashboard), nor, on its
first script run (py-spy, 2026-11-24), 0.3 s for httpx to import httpcore and build the
client's SSL context, nor 0.27 s for Streamlit's once-per-process check, on the first element
shown, that the script is not run from a REPL (it walks every frame's source with
``inspect.stack()``; this module is Streamlit's own ``streamlit run``, so the answer is known),
nor 0.2 s for Plotly to build its classes on the first figure.
"""

from __future__ import annotations

import pandas  # noqa: F401
import plotly.express  # noqa: F401
import streamlit.delta_generator
from streamlit.web.cli import main

import shelfcast.dashboard.common  # noqa: F401
from shelfcast.dashboard import charts, data_access


def _build_a_figure_of_each_kind() -> None:
    """Plotly builds its trace and layout classes on the first figure of each kind (the
    first ``px.line`` of a process 0.25 s, the next ones 0.06 s): done here, not on the first
    visitor's page."""
    frame = pandas.DataFrame({"x": pandas.to_datetime(["2024-01-01", "2024-01-08"]),
                              "y": [1.0, 2.0], "c": ["a", "b"]})
    for figure in (plotly.express.line(frame, x="x", y="y", color="c", title="t"),
                   plotly.express.bar(frame, x="x", y="y", color="c")):
        charts.figure_json(figure)  # as a page sends it


if __name__ == "__main__":
    data_access.client()
    _build_a_figure_of_each_kind()
    # Streamlit's own flag for "the warning about running without `streamlit run` is handled"
    # (a later Streamlit without it is only left to do the check itself).
    streamlit.delta_generator._use_warning_has_been_displayed = True  # noqa: SLF001
    # The same program name as `python -m streamlit`, so the server sees the same command line.
    main(prog_name="streamlit")
