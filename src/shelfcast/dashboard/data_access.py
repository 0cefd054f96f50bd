"""The one module that talks to the API (over HTTP, with httpx).

The base URL is ``SHELFCAST_API_URL`` (default ``http://127.0.0.1:8000``) and the token
``SHELFCAST_TOKEN`` (sent as ``Authorization: Token <key>``), both read at each call so a
test or a user can change them without restarting. Reads follow the API's pagination
(``{"count", "next", "previous", "results"}``, pages of up to 10,000 rows) into pandas frames.
Every API error becomes a :class:`DashboardError` carrying the server's message, which the
pages show with ``st.error`` (never a traceback).

The ``load_*`` functions are the cached loaders the pages use (``st.cache_data``; the live
ones keep their answer two seconds, the others a minute). The connection (URL and token) is
part of every cache key. Each reads what its page shows, summed by the server (store totals,
the top items, one page of alerts), never a chain's worth of rows to sum here.
"""

from __future__ import annotations

import functools
import http.cookiejar
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import httpx
import pandas as pd
import streamlit as st

__all__ = [
    "DEFAULT_API_URL", "PAGE_SIZE", "DashboardError", "Connection", "connection",
    "client", "get_json", "fetch_frame", "fetch_bytes", "download", "endpoint_available",
    "load_health", "load_live_view", "load_sales", "load_top", "load_forecasts",
    "load_inventory", "load_orders", "load_alerts", "load_keys", "LIVE_TOP_ITEMS",
    "post_json", "post_files", "get_job", "submit_upload", "submit_run", "train_model",
    "promote_model", "load_models", "load_monitoring", "is_truncated", "JOB_DONE",
]

DEFAULT_API_URL = "http://127.0.0.1:8000"
PAGE_SIZE = 10_000
MAX_ROWS = 500_000  # a safety net: the dashboard never pulls more than this in one read
TIMEOUT_S = 60.0
LIVE_TTL_S = 2
LIVE_TOP_ITEMS = 20
READ_TTL_S = 60

DOWNLOAD_TYPES = {
    "csv": "text/csv",
    "parquet": "application/vnd.apache.parquet",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@dataclass
class DashboardError(Exception):
    """An API call that failed: the server's ``message`` (or what went wrong on the way)."""

    message: str
    status: int | None = None
    code: str | None = None
    details: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class Connection:
    """Where the API is and the token to send (hashable: part of the cache keys)."""

    url: str
    token: str | None

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Token {self.token}"} if self.token else {}


@functools.cache
def client() -> httpx.Client:
    """One client for the process (httpx's client may be shared between threads, and each
    Streamlit session runs in its own): its connections are kept alive between reads, where
    ``httpx.get`` built a client, an SSL context and a TCP connection for every call (about
    25 ms of CPU before the request). Cookies are never kept: every request carries its own
    token, and one visitor's cookies must not reach another's requests."""
    no_cookies = http.cookiejar.CookieJar(http.cookiejar.DefaultCookiePolicy(allowed_domains=[]))
    return httpx.Client(timeout=TIMEOUT_S, cookies=no_cookies)


def connection() -> Connection:
    """The connection from the environment (``SHELFCAST_API_URL``, ``SHELFCAST_TOKEN``)."""
    url = os.environ.get("SHELFCAST_API_URL", "").strip() or DEFAULT_API_URL
    token = os.environ.get("SHELFCAST_TOKEN", "").strip() or None
    return Connection(url=url.rstrip("/"), token=token)


def _clean(params: dict[str, Any] | None) -> dict[str, str]:
    """Drop empty filters; lists become the API's comma-separated values."""
    out: dict[str, str] = {}
    for key, value in (params or {}).items():
        if value is None or value == "" or value == [] or value == ():
            continue
        if isinstance(value, list | tuple | set):
            value = ",".join(str(v) for v in value)
        out[key] = str(value)
    return out


def _raise_for(response: httpx.Response) -> None:
    if response.status_code < 400:
        return
    try:
        body = response.json()
    except ValueError:
        body = {}
    if not isinstance(body, dict):
        body = {}
    message = body.get("message") or f"the API answered {response.status_code}"
    if response.status_code == 401:
        message += " (set SHELFCAST_TOKEN to a token's key: shelfcast token create --role viewer)"
    raise DashboardError(message=message, status=response.status_code, code=body.get("error"),
                         details=body.get("details") or {})


def _request(conn: Connection, path: str, params: dict[str, Any] | None = None) -> httpx.Response:
    url = path if path.startswith("http") else f"{conn.url}{path}"
    query = _clean(params) if params is not None else None
    try:
        try:
            response = client().get(url, params=query, headers=conn.headers)
        except httpx.RemoteProtocolError:
            # A kept-alive connection the server closed as the request left (its idle
            # timeout): a GET is safe to send again, on a fresh connection.
            response = client().get(url, params=query, headers=conn.headers)
    except httpx.HTTPError as exc:
        raise DashboardError(
            message=f"cannot reach the API at {conn.url} ({exc.__class__.__name__}); is "
                    "`shelfcast serve` running, and is SHELFCAST_API_URL right?") from None
    _raise_for(response)
    return response


def get_json(conn: Connection, path: str, params: dict[str, Any] | None = None) -> Any:
    """One GET answered with JSON."""
    response = _request(conn, path, params)
    try:
        return response.json()
    except ValueError:
        raise DashboardError(message=f"the API answered {path} with something other than "
                                     "JSON", status=response.status_code) from None


def fetch_frame(conn: Connection, path: str, params: dict[str, Any] | None = None
                ) -> pd.DataFrame:
    """Every page of a paginated read, as one frame (no rows: an empty frame).

    A read stopped at ``MAX_ROWS`` says so in ``frame.attrs`` (``truncated``, ``count``: the
    rows the API has), so the page can warn that its totals miss rows (``is_truncated``).
    """
    query = dict(params or {}, page_size=PAGE_SIZE)
    body = get_json(conn, path, query)
    count = body.get("count")
    rows: list[dict[str, Any]] = list(body.get("results", []))
    next_url = body.get("next")
    while next_url and len(rows) < MAX_ROWS:
        body = get_json(conn, next_url)
        rows.extend(body.get("results", []))
        next_url = body.get("next")
    frame = pd.DataFrame(rows)
    frame.attrs.update(truncated=bool(next_url), count=count, path=path)
    return frame


def is_truncated(frame: Any) -> tuple[bool, int | None]:
    """(stopped at the cap, the rows the API has) for a frame read by ``fetch_frame``."""
    attrs = getattr(frame, "attrs", {}) or {}
    return bool(attrs.get("truncated")), attrs.get("count")


# --- writes and jobs ----------------------------------------------------------------------------

JOB_DONE = ("succeeded", "failed")
"""Job statuses after which nothing changes any more."""


def _post(conn: Connection, path: str, **kwargs: Any) -> Any:
    try:
        response = client().post(f"{conn.url}{path}", headers=conn.headers, **kwargs)
    except httpx.HTTPError as exc:
        raise DashboardError(
            message=f"cannot reach the API at {conn.url} ({exc.__class__.__name__}); is "
                    "`shelfcast serve` running, and is SHELFCAST_API_URL right?") from None
    _raise_for(response)
    if not response.content:
        return {}
    try:
        return response.json()
    except ValueError:
        raise DashboardError(message=f"the API answered {path} with something other than "
                                     "JSON", status=response.status_code) from None


def post_json(conn: Connection, path: str, body: dict[str, Any] | None = None) -> Any:
    """One POST with a JSON body; the answer's JSON."""
    return _post(conn, path, json=body or {})


def post_files(conn: Connection, path: str, files: list[tuple[str, bytes]],
               field_name: str = "files") -> Any:
    """One multipart POST of ``(file name, content)`` pairs, all under ``field_name``."""
    parts = [(field_name, (name, content, "application/octet-stream"))
             for name, content in files]
    return _post(conn, path, files=parts)


def submit_upload(conn: Connection, files: list[tuple[str, bytes]]) -> dict[str, Any]:
    """``POST /api/uploads/`` (dataset files or one zip): the accepted job ``{"id", ...}``."""
    return post_files(conn, "/api/uploads/", files)


def submit_run(conn: Connection) -> dict[str, Any]:
    """``POST /api/runs/``: forecast and replenish on the current data, as a job."""
    return post_json(conn, "/api/runs/")


def get_job(conn: Connection, job_id: str) -> dict[str, Any]:
    """``GET /api/jobs/{id}/`` (not cached: it is polled)."""
    return get_json(conn, f"/api/jobs/{job_id}/")


def train_model(conn: Connection, *, promote: bool = False) -> dict[str, Any]:
    """``POST /api/models/train/`` (analyst, admin): the accepted job."""
    return post_json(conn, "/api/models/train/", {"promote": promote})


def promote_model(conn: Connection, version: str) -> dict[str, Any]:
    """``POST /api/models/{version}/promote/`` (admin): the version, now live."""
    return post_json(conn, f"/api/models/{version}/promote/")


def download(conn: Connection, path: str, params: dict[str, Any] | None, fmt: str) -> bytes:
    """The whole selection as one file, by the API's ``?format=csv|parquet|xlsx``."""
    if fmt not in DOWNLOAD_TYPES:
        raise DashboardError(message=f"unknown format {fmt!r}; one of {sorted(DOWNLOAD_TYPES)}")
    return _request(conn, path, dict(params or {}, format=fmt)).content


def fetch_bytes(conn: Connection, path: str) -> bytes:
    """A file the API serves (a job's result), with the token."""
    return _request(conn, path).content


def endpoint_available(conn: Connection, path: str) -> bool:
    """False when this server does not have the endpoint (404); other errors are raised."""
    try:
        _request(conn, path)
    except DashboardError as exc:
        if exc.status == 404:
            return False
        if exc.status in (403, 405):  # there: for another method (POST), or another role
            return True
        raise
    return True


def _dates(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    for column in columns:
        if column in frame.columns:
            frame[column] = pd.to_datetime(frame[column], errors="coerce")
    return frame


# --- cached loaders ---------------------------------------------------------------------------

@st.cache_data(ttl=10, show_spinner=False)
def load_health(conn: Connection) -> dict[str, Any]:
    return get_json(conn, "/api/health/")


def _live(conn: Connection, top: int) -> dict[str, Any]:
    body = get_json(conn, "/api/live/", {"nowcast": "true", "order": "units", "page_size": top})
    return {"date": body.get("date"), "stores": pd.DataFrame(body.get("stores", [])),
            "items": pd.DataFrame(body.get("results", [])), "item_count": body.get("count")}


def _latest_alerts(conn: Connection, n: int) -> pd.DataFrame:
    body = get_json(conn, "/api/alerts/", {"page_size": n})
    frame = pd.DataFrame(body.get("results", []))
    frame.attrs.update(count=body.get("count"))
    return frame


@functools.cache
def _readers() -> ThreadPoolExecutor:
    """A few threads for the process, so that a page's independent reads wait together."""
    return ThreadPoolExecutor(max_workers=4, thread_name_prefix="shelfcast-read")


@st.cache_data(ttl=LIVE_TTL_S, show_spinner=False)
def load_live_view(conn: Connection, alerts: int, top: int = LIVE_TOP_ITEMS
                   ) -> tuple[dict[str, Any], pd.DataFrame]:
    """The Live page's two reads, sent at once (one after the other, the page waited for the
    sum of both): ``/api/live/?nowcast=true&order=units``, one page, as ``{"date", "stores":
    frame (units, lines, nowcast_today, forecast_today per store), "items": frame (the
    ``top`` items by units so far), "item_count": the items with lines today}``; and the
    ``alerts`` newest active alerts (one page of ``/api/alerts/``), with in ``attrs["count"]``
    how many are active."""
    newest = _readers().submit(_latest_alerts, conn, alerts)
    return _live(conn, top), newest.result()


@st.cache_data(ttl=READ_TTL_S, show_spinner=False)
def load_sales(conn: Connection, *, by: str = "day", group: str | None = None,
               filters: tuple[tuple[str, Any], ...] = ()) -> pd.DataFrame:
    """``/api/sales/`` (``by=day|week|month``, ``group=store|category|item``)."""
    params = dict(filters, by=by, group=group)
    return _dates(fetch_frame(conn, "/api/sales/", params), "date")


@st.cache_data(ttl=READ_TTL_S, show_spinner=False)
def load_top(conn: Connection, *, group: str = "item",
             filters: tuple[tuple[str, Any], ...] = ()) -> pd.DataFrame:
    """``/api/sales/top/``: units (``sales``) and ``revenue`` per item, store or category."""
    return fetch_frame(conn, "/api/sales/top/", dict(filters, group=group))


@st.cache_data(ttl=READ_TTL_S, show_spinner=False)
def load_forecasts(conn: Connection, filters: tuple[tuple[str, Any], ...] = ()) -> pd.DataFrame:
    frame = fetch_frame(conn, "/api/forecasts/", dict(filters))
    if "quantiles" in frame.columns:  # the JSON keeps the quantiles as one dict column
        attrs = dict(frame.attrs)  # concat drops them
        quantiles = pd.json_normalize(frame.pop("quantiles").fillna({}).tolist())
        frame = pd.concat([frame, quantiles.set_index(frame.index)], axis=1)
        frame.attrs.update(attrs)
    return _dates(frame, "date")


@st.cache_data(ttl=READ_TTL_S, show_spinner=False)
def load_inventory(conn: Connection, filters: tuple[tuple[str, Any], ...] = ()) -> pd.DataFrame:
    return _dates(fetch_frame(conn, "/api/inventory/", dict(filters)), "as_of",
                  "next_arrival_date")


@st.cache_data(ttl=READ_TTL_S, show_spinner=False)
def load_orders(conn: Connection, filters: tuple[tuple[str, Any], ...] = ()) -> pd.DataFrame:
    return _dates(fetch_frame(conn, "/api/orders/", dict(filters)), "order_date", "arrival_date")


@st.cache_data(ttl=LIVE_TTL_S, show_spinner=False)
def load_alerts(conn: Connection, filters: tuple[tuple[str, Any], ...] = ()) -> pd.DataFrame:
    return fetch_frame(conn, "/api/alerts/", dict(filters))


@st.cache_data(ttl=READ_TTL_S, show_spinner=False)
def load_keys(conn: Connection) -> dict[str, list[str]]:
    """The stores, items and categories that have sales (for the filters); the three reads
    sent at once."""
    groups = {"store": "store_id", "item": "item_id", "category": "category"}
    frames = _readers().map(lambda group: fetch_frame(conn, "/api/sales/top/", {"group": group}),
                            groups)
    return {group: sorted(frame[column].astype(str)) if column in frame.columns else []
            for (group, column), frame in zip(groups.items(), frames, strict=True)}


@st.cache_data(ttl=READ_TTL_S, show_spinner=False)
def load_models(conn: Connection) -> pd.DataFrame:
    """``/api/models/``: one row per version, newest first, its metrics flattened."""
    body = get_json(conn, "/api/models/")
    rows = body.get("results", []) if isinstance(body, dict) else body
    out = []
    for row in rows:
        flat = {k: row.get(k) for k in ("version", "is_live", "created_at", "promoted_at")}
        data = row.get("data") or {}
        flat.update({f"data_{k}": v for k, v in data.items() if not isinstance(v, dict | list)})
        metrics = row.get("metrics") or {}
        flat.update({k: v for k, v in _flat_metrics(metrics).items()})
        out.append(flat)
    return _dates(pd.DataFrame(out), "created_at", "promoted_at")


def _flat_metrics(metrics: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested metric dicts as ``a.b`` columns (numbers and strings only)."""
    out: dict[str, Any] = {}
    for key, value in metrics.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            out.update(_flat_metrics(value, f"{name}."))
        elif isinstance(value, int | float | str | bool) or value is None:
            out[name] = value
    return out


@st.cache_data(ttl=READ_TTL_S, show_spinner=False)
def load_monitoring(conn: Connection, filters: tuple[tuple[str, Any], ...] = ()
                    ) -> dict[str, Any]:
    """``/api/monitoring/``: accuracy over time (chain, per day/store/category), drift, alerts,
    each list as a frame."""
    body = get_json(conn, "/api/monitoring/", dict(filters))
    out: dict[str, Any] = {k: v for k, v in body.items() if not isinstance(v, list)}
    for key, value in body.items():
        if isinstance(value, list):
            out[key] = _dates(pd.DataFrame(value), "date", "run_date")
    return out
