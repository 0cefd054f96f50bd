"""What every page shares: the header, the connection, errors shown with ``st.error``, the
empty state, filters and download buttons. UI only; the API is reached through
``data_access``."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date
from math import isnan
from pathlib import Path
from typing import Any, TypeVar

import streamlit as st

from shelfcast.dashboard import charts
from shelfcast.dashboard import data_access as da

__all__ = [
    "EMPTY_HINT", "page_header", "html", "api_errors", "call",
    "action_connection", "empty_state", "frozen",
    "download_buttons", "pct_change", "fmt_pct", "preload_elements",
]

T = TypeVar("T")

EMPTY_HINT = ("No data yet: run `shelfcast generate data/demo` then `shelfcast load data/demo` "
              "(the server's database), or upload a dataset.")


def page_header(title: str, caption: str, *, preload: tuple[str, ...] = (),
                figures: bool = False) -> da.Connection:
    """The title and caption of a page, and the scripts to load early: Streamlit's element
    scripts ``preload`` (``preload_elements``) and, for a page with ``figures``, plotly.js
    (``charts.preload``); returns the connection to the API."""
    st.title(title)
    st.caption(caption)
    if figures and not charts.available():
        preload = (*preload, "PlotlyChart")  # then drawn by st.plotly_chart
    preload_elements(*preload)
    if figures:
        charts.preload()
    return da.connection()


@contextmanager
def api_errors() -> Iterator[None]:
    """An API error inside becomes ``st.error`` with the server's message, and the page stops."""
    try:
        yield
    except da.DashboardError as exc:
        st.error(f"The API answered with an error: {exc.message}", icon=":material/error:")
        st.stop()


def call(loader: Callable[..., T], *args: Any, **kwargs: Any) -> T:
    """``loader(*args, **kwargs)``; an API error is shown with ``st.error`` and stops the page.

    A read that stopped at the dashboard's row cap is said with ``st.warning``: totals built
    on it miss rows.
    """
    with api_errors():
        result = loader(*args, **kwargs)
    truncated, count = da.is_truncated(result)
    if truncated:
        st.warning(
            f"This read stopped at {da.MAX_ROWS:,} rows"
            + (f" of {count:,}" if count else "")
            + ": totals and charts below miss the rest. Narrow the filters (a store, a "
            "category, a shorter range) or a coarser period.", icon=":material/warning:")
    return result


def action_connection(conn: da.Connection, key: str, role: str) -> da.Connection:
    """The connection for a write: the dashboard's own token, or one typed in for this action
    (the dashboard usually runs with a viewer token; training needs an analyst's)."""
    typed = st.text_input(f"Token for this action ({role}); blank: the dashboard's own",
                          type="password", key=key)
    return da.Connection(url=conn.url, token=typed.strip()) if typed.strip() else conn


def html(markup: str) -> None:
    """Markup of ``html_parts``, drawn by Streamlit's markdown (its main script)."""
    st.markdown(markup, unsafe_allow_html=True)


def empty_state(what: str, hint: str = EMPTY_HINT) -> None:
    st.info(f"{what} {hint}", icon=":material/info:")


def frozen(filters: dict[str, Any]) -> tuple[tuple[str, Any], ...]:
    """Filters as a hashable, ordered tuple (a cache key); empty values dropped."""
    out = []
    for key, value in sorted(filters.items()):
        if value is None or value == "" or value == [] or value == ():
            continue
        if isinstance(value, list | tuple | set):
            value = tuple(sorted(str(v) for v in value))
        elif isinstance(value, date):
            value = value.isoformat()
        out.append((key, value))
    return tuple(out)


@st.cache_data(ttl=da.READ_TTL_S, show_spinner=False)
def _download(conn: da.Connection, path: str, filters: tuple[tuple[str, Any], ...],
              fmt: str) -> bytes:
    return da.download(conn, path, dict(filters), fmt)


def download_buttons(conn: da.Connection, path: str, filters: tuple[tuple[str, Any], ...],
                     name: str, key: str) -> None:
    """A format choice and a download button for the whole selection (the API's ``?format=``)."""
    left, right = st.columns([2, 1])
    fmt = left.radio("Download as", ["csv", "parquet", "xlsx"], horizontal=True,
                     key=f"{key}_format")
    data = call(_download, conn, path, filters, fmt)
    right.download_button(f"Download {name}.{fmt}", data=data, file_name=f"{name}.{fmt}",
                          mime=da.DOWNLOAD_TYPES[fmt], key=f"{key}_download",
                          icon=":material/download:")


def pct_change(new: float | None, old: float | None) -> float | None:
    """The change from ``old`` to ``new`` in percent; None where either is unknown (None, or
    NaN: a sum over no rows) or ``old`` is 0."""
    if new is None or old is None or isnan(new) or isnan(old) or old == 0:
        return None
    return (new - old) / abs(old) * 100.0


def fmt_pct(value: float | None) -> str | None:
    return None if value is None else f"{value:+.1f}%"


_STATIC_JS = Path(st.__file__).parent / "static" / "static" / "js"


def _chunk(name: str) -> str | None:
    """The file name of Streamlit's script chunk ``name`` (``Metric``, ``PlotlyChart``, ...) in
    this build; None in a build without it (then nothing is loaded early, nothing breaks)."""
    found = next(_STATIC_JS.glob(f"{name}.*.js"), None)
    return found.name if found else None


def preload_elements(*names: str) -> None:
    """Have the browser load and run now the scripts of the Streamlit elements ``names``
    (chunk names: ``Metric``, ``PlotlyChart``, ``DataFrame``, ...), which it would otherwise
    fetch only once the first such element arrives.

    Called at the top of a page, before its reads, so the browser compiles them while the
    server answers rather than once the data came (Sales trends opened right after Live, in
    a new document, with Streamlit's Plotly script: 2.82-3.01 s without, 2.25-2.36 s with it
    preloaded; benchmarks/RESULTS.md, Dashboard). Importing a loaded module again is a no-op.
    """
    chunks = [chunk for chunk in map(_chunk, names) if chunk]
    if not chunks:
        return
    imports = ", ".join(f'import("./static/js/{chunk}")' for chunk in chunks)
    st.html(f"<script>Promise.all([{imports}]).catch(() => {{}});</script>",
            unsafe_allow_javascript=True)
