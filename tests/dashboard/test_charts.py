"""``dashboard.charts``: figures drawn in the page by plotly.js's basic build, the build that
``make install`` puts beside the app, and the fallback to ``st.plotly_chart``."""

from __future__ import annotations

import json
import re

import numpy as np
import pandas as pd
import plotly.express as px
import plotly.graph_objects as go
import streamlit  # noqa: F401  (its Plotly template is the default, as in the dashboard)
from plotly.offline import get_plotlyjs_version
from streamlit.testing.v1 import AppTest

from shelfcast.dashboard import charts
from tests.dashboard.html_read import figure as read_figure


def test_make_install_put_the_basic_build_of_pythons_plotly_version_beside_the_app() -> None:
    assert charts.available(), f"{charts.PLOTLY_JS} is missing: run `make install`"
    head = charts.PLOTLY_JS.read_text()[:200]
    assert f"plotly.js (basic - minified) v{get_plotlyjs_version()}" in head


def _sales() -> pd.DataFrame:
    return pd.DataFrame({"date": pd.date_range("2024-01-01", periods=3).repeat(2),
                         "store": ["S1", "S2"] * 3, "sales": [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]})


def test_figure_json_has_real_colours_and_no_markup() -> None:
    fig = px.line(_sales(), x="date", y="sales", color="store", render_mode="svg",
                  hover_data={"sales": ":.1f"})
    assert fig.data[0].line.color == "#000001"  # Streamlit's stand-in, as px gave it
    text = charts.figure_json(fig)
    # Nothing the HTML sanitiser or parser would act on inside the <script> element.
    assert not re.search(r"[<>&]", text)
    figure = json.loads(text)
    assert [t["line"]["color"] for t in figure["data"]] == list(charts.COLORS[:2])
    assert "<br>" in figure["data"][0]["hovertemplate"]  # the escapes decode back
    assert not re.search(r"#0000[0-3]\d", text)


def _draw(kind: str) -> None:
    import pandas as pd
    import plotly.graph_objects as go

    from shelfcast.dashboard import charts

    if kind == "line":
        charts.plotly_chart(go.Figure(go.Scatter(x=pd.Series([1, 2, 3]), y=[3, 1, 2],
                                                 name="a", hovertemplate="x=%{x}<br>y")),
                            key="line")
    else:
        charts.plotly_chart(go.Figure(go.Heatmap(z=[[1, 2], [3, 4]])), key="heat")


def test_a_basic_figure_is_drawn_in_the_page_with_its_json() -> None:
    at = AppTest.from_function(_draw, args=("line",)).run()
    assert not at.exception
    assert not at.get("plotly_chart")
    (body,) = [h.proto.body for h in at.get("html")]
    assert body.startswith('<div class="sc-chart"><div class="sc-plotly" style="height:450px">')
    figure = read_figure(body)
    assert figure["data"][0]["hovertemplate"] == "x=%{x}<br>y"
    assert figure["layout"]["template"]["layout"]["colorway"] == list(charts.COLORS)
    # The script that draws it loads plotly.js once per document, from the app's static files.
    assert "app/static/plotly-basic.min.js" in body and "Plotly.newPlot" in body


def test_webgl_lines_are_drawn_as_svg_lines_in_the_page() -> None:
    many = pd.DataFrame({"date": pd.date_range("2020-01-01", periods=1_200), "sales": 1.0})
    fig = px.line(many, x="date", y="sales")
    assert fig.data[0].type == "scattergl"  # px's choice past 1,000 points
    (trace,) = json.loads(charts.figure_json(fig))["data"]
    assert trace["type"] == "scatter" and len(trace["x"]) == 1_200


def test_a_trace_the_basic_build_lacks_is_drawn_by_streamlit() -> None:
    at = AppTest.from_function(_draw, args=("heatmap",)).run()
    assert not at.exception
    assert len(at.get("plotly_chart")) == 1
    assert not [h for h in at.get("html") if "sc-chart" in h.proto.body]


def _histogram(frame: pd.DataFrame, bins: int = 12) -> go.Figure:
    return charts.histogram(frame, "days of cover", color="store_id", bins=bins,
                            count="store-items", title="Days of cover")


def test_a_histogram_counts_each_known_value_once_in_equal_bins() -> None:
    rng = np.random.default_rng(7)
    latest = pd.DataFrame({"store_id": rng.choice(["S1", "S2", "S3"], 500),
                           "days of cover": rng.gamma(2.0, 3.0, 500)})
    latest.loc[::10, "days of cover"] = np.nan  # no demand: no cover, not counted
    fig = _histogram(latest)
    assert {trace.type for trace in fig.data} <= charts.BASIC_TRACES
    known = latest.dropna()
    edges = np.histogram_bin_edges(known["days of cover"], bins=12)
    for trace in fig.data:
        store = known[known["store_id"] == trace.name]["days of cover"]
        expected, _ = np.histogram(store, bins=edges)
        # Each bar at its bin's middle; the empty bins have no bar.
        counted = dict(zip(np.round(trace.x, 9), trace.y, strict=True))
        middles = np.round((edges[:-1] + edges[1:]) / 2, 9)
        assert {m: c for m, c in zip(middles, expected, strict=True) if c} == counted
    assert sum(sum(trace.y) for trace in fig.data) == len(known)


def test_a_histogram_of_no_known_value_is_empty() -> None:
    fig = _histogram(pd.DataFrame({"store_id": ["S1"], "days of cover": [np.nan]}))
    assert isinstance(fig, go.Figure) and not any(len(t.x) for t in fig.data)
