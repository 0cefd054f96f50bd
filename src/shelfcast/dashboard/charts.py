"""Plotly figures drawn in the page by plotly.js's basic build (scatter, bar and pie traces).

Streamlit's own ``st.plotly_chart`` ships every trace type plotly.js has (maps, 3-D, WebGL):
one 4.6 MB script that a new document spends about 1.4 s fetching, compiling and running
before its first figure, most of a 2 s render on 2 cores. The dashboard draws lines and bars
only, so it serves the basic build (1.2 MB, about 0.3 s; ``benchmarks/RESULTS.md``,
Dashboard) from its static folder (``make install`` fetches it from the npm registry at the
version the Python ``plotly`` package was made for) and draws each figure with it, in the
page itself: the script is loaded once per document, at the page's top, while the server
answers (``preload``).

A figure with another trace type, or a dashboard installed without the script, is drawn by
``st.plotly_chart`` as before.
"""

from __future__ import annotations

import logging
import re
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
import plotly.io as pio
import streamlit as st
from plotly.io.json import to_json_plotly
from plotly.offline import get_plotlyjs_version

__all__ = ["BASIC_TRACES", "COLORS", "PLOTLY_JS", "available", "figure_json", "histogram",
           "load_when_idle", "plotly_chart", "preload"]

log = logging.getLogger(__name__)

# Streamlit serves the folder ``static`` beside the app's entry at ``app/static/``
# (``server.enableStaticServing``, set by ``shelfcast dashboard``).
PLOTLY_JS = Path(__file__).parent / "static" / "plotly-basic.min.js"
BASIC_TRACES = frozenset({"scatter", "bar", "pie"})
# Drawn as another basic trace: px.line switches to WebGL lines past 1,000 points, which the
# basic build lacks; the same lines as SVG, for the few thousand points a page shows.
_DRAWN_AS = {"scattergl": "scatter"}
DEFAULT_HEIGHT_PX = 450

# Loads the script once per document and keeps the promise: the preload at a page's top and
# every figure below share it. The path is relative to the page, as Streamlit's own scripts
# are, so a base URL path still works; the query names the version for browsers' caches.
_LOADER = """window.shelfcastPlotly = window.shelfcastPlotly || new Promise((resolve, reject) => {
  const script = document.createElement("script");
  script.src = "./app/static/plotly-basic.min.js?v=%(version)s";
  script.async = true;
  script.onload = () => window.Plotly ? resolve(window.Plotly)
    : reject(new Error("plotly-basic.min.js ran but defined no window.Plotly"));
  script.onerror = () => {
    window.shelfcastPlotly = null;  // a later figure tries again
    reject(new Error("could not load app/static/plotly-basic.min.js"));
  };
  document.head.appendChild(script);
})"""

# Runs where Streamlit inserts it: the figure's JSON is the script element just before. The
# text takes the page's colour and the hover boxes its background, so a figure reads in
# Streamlit's light and dark themes alike (the template's greys are half transparent).
_DRAW = """(() => {
  const box = document.currentScript.closest(".sc-chart");
  const target = box.querySelector(".sc-plotly");
  const figure = JSON.parse(box.querySelector("script[type='application/json']").textContent);
  const ink = getComputedStyle(box).color;
  const paper = getComputedStyle(document.querySelector(".stApp") || document.body)
    .backgroundColor;
  const layout = Object.assign({}, figure.layout, {
    font: Object.assign({}, figure.layout.font, {color: ink}),
    hoverlabel: Object.assign({bgcolor: paper, font: {color: ink}}, figure.layout.hoverlabel)});
  (%(loader)s).then((Plotly) => Plotly.newPlot(target, figure.data, layout, {
      responsive: true, displaylogo: false, modeBarButtonsToRemove: ["select2d", "lasso2d"]}))
    .catch((error) => {
      target.textContent = "The chart could not be drawn: " + error.message + ".";
      target.classList.add("sc-chart-error");
    });
})();"""

# Streamlit's categorical colours (its light theme), in its order.
COLORS = ("#0068c9", "#83c9ff", "#ff2b2b", "#ffabab", "#29b09d", "#7defa1", "#ff8700",
          "#ffd16a", "#6d3fc0", "#d5dae5")
# Once Streamlit is imported, plotly's default template is Streamlit's, which gives figures
# stand-in colours (#000001-#000010 categorical, #000011-#000020 sequential, #000021-#000030
# diverging) that only Streamlit's own Plotly element swaps for real ones. Swapped here:
# Streamlit's categorical colours, plotly's plasma and PiYG scales (as Streamlit does for
# a figure drawn without its theme).
_STAND_INS = dict(zip(
    (f"#{n:06d}" for n in range(1, 31)),
    (*COLORS,
     "#0d0887", "#46039f", "#7201a8", "#9c179e", "#bd3786", "#d8576b", "#ed7953", "#fb9f3a",
     "#fdca26", "#f0f921",
     "#8e0152", "#c51b7d", "#de77ae", "#f1b6da", "#fde0ef", "#e6f5d0", "#b8e186", "#7fbc41",
     "#4d9221", "#276419"), strict=True))
_STAND_IN = re.compile("|".join(_STAND_INS))
# The look of Streamlit's charts: its font and colours, light grid, small margins (the
# template replaces Streamlit's, whose layout colours are stand-ins too).
_TEMPLATE = go.layout.Template(pio.templates["plotly_white"])
_GREY, _GREY_LINE = "rgba(128,128,128,0.2)", "rgba(128,128,128,0.4)"
_TEMPLATE.layout.update(colorway=COLORS, font_family='"Source Sans", sans-serif',
                        paper_bgcolor="rgba(0,0,0,0)", plot_bgcolor="rgba(0,0,0,0)",
                        modebar={"bgcolor": "rgba(0,0,0,0)", "color": _GREY_LINE,
                                 "activecolor": COLORS[0]},
                        margin={"l": 10, "r": 10, "b": 10})
for _axis in (_TEMPLATE.layout.xaxis, _TEMPLATE.layout.yaxis):
    _axis.update(gridcolor=_GREY, linecolor=_GREY_LINE, zerolinecolor=_GREY_LINE)
_TEMPLATE_JSON = _TEMPLATE.to_plotly_json()


@cache
def available() -> bool:
    """Whether the basic build is installed beside the app (``make install`` puts it there)."""
    found = PLOTLY_JS.is_file()
    if not found:
        log.warning("%s is missing (run `make install`): charts are drawn by st.plotly_chart",
                    PLOTLY_JS)
    return found


@cache
def _loader() -> str:
    return _LOADER % {"version": get_plotlyjs_version()}


@cache
def _draw() -> str:
    return _DRAW % {"loader": _loader()}


def _kind(trace_type: str) -> str:
    return _DRAWN_AS.get(trace_type, trace_type)


def preload() -> None:
    """Start loading the basic build now: called at the top of a page with figures, so the
    browser compiles and runs it while the server answers the page's reads."""
    if available():
        st.html(f"<script>{_loader()};</script>", unsafe_allow_javascript=True)


def load_when_idle() -> None:
    """Load the basic build once the page is idle (a page without figures, for the next)."""
    if available():
        st.html(f"<script>(window.requestIdleCallback || setTimeout)(() => {_loader()});"
                "</script>", unsafe_allow_javascript=True)


def figure_json(fig: go.Figure) -> str:
    """``fig`` (not changed) in the dashboard's look, as JSON that can sit inside a
    ``<script>`` element: real colours for Streamlit's stand-ins, and ``<``, ``>`` and ``&``
    (in hover templates' ``<br>``, say) as JSON escapes, which the HTML sanitiser and parser
    leave alone. Built on the figure's plain dict: copying or updating the figure object
    validates it all again (0.05 s for a page's line chart)."""
    figure = fig.to_plotly_json()
    for trace in figure.get("data") or ():
        trace["type"] = _kind(trace.get("type", "scatter"))
    layout = figure["layout"] = dict(figure.get("layout") or {})
    layout["template"] = _TEMPLATE_JSON
    titled = (layout.get("title") or {}).get("text") is not None
    layout["margin"] = {**(layout.get("margin") or {}), "t": 50 if titled else 30}
    text = _STAND_IN.sub(lambda found: _STAND_INS[found.group()], to_json_plotly(figure))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def plotly_chart(fig: go.Figure, key: str | None = None) -> None:
    """Draw ``fig`` the width of its container, interactive (zoom, pan, hover, legend);
    ``key`` is the element's key where ``st.plotly_chart`` draws it."""
    kinds = {_kind(trace.type) for trace in fig.data}
    if not available() or not kinds <= BASIC_TRACES:
        st.plotly_chart(fig, key=key)
        return
    height = fig.layout.height or DEFAULT_HEIGHT_PX
    st.html(f'<div class="sc-chart"><div class="sc-plotly" style="height:{height}px"></div>'
            f'<script type="application/json">{figure_json(fig)}</script>'
            f"<script>{_draw()}</script></div>",
            unsafe_allow_javascript=True)


def histogram(frame: pd.DataFrame, x: str, *, color: str, bins: int, count: str,
              title: str) -> go.Figure:
    """The rows of ``frame`` in ``bins`` equal bins of ``x`` (rows without ``x`` left out),
    stacked by ``color``, the ``count`` per bin: counted here and drawn as bars, which the
    basic build draws (it has no histogram trace), and a few hundred numbers reach the page
    instead of every row. Bins as ``np.histogram``'s: each half-open, the last closed."""
    known = frame.dropna(subset=[x])
    values = known[x].to_numpy(dtype=float)
    edges = np.histogram_bin_edges(values, bins=bins) if len(values) else np.array([0.0, 1.0])
    index = np.clip(np.searchsorted(edges, values, side="right") - 1, 0, len(edges) - 2)
    counts = (known.assign(start=edges[index], end=edges[index + 1])
              .groupby([color, "start", "end"], as_index=False).size()
              .rename(columns={"size": count}))
    counts[x] = (counts["start"] + counts["end"]) / 2
    fig = px.bar(counts, x=x, y=count, color=color, title=title,
                 hover_data={"start": ":.1f", "end": ":.1f", x: False})
    return fig.update_traces(width=float(edges[1] - edges[0])).update_layout(bargap=0)
