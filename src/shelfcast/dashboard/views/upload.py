"""Upload: send dataset files (or one zip) to ``POST /api/uploads/``, follow the job
(``GET /api/jobs/{id}/``) until it is done and show its validation report (file, column, rows,
values, what was expected); then run forecast + replenish on the data (``POST /api/runs/``)
and download its results."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pandas as pd
import streamlit as st

from shelfcast.dashboard import data_access as da
from shelfcast.dashboard.common import action_connection, api_errors, call, page_header

PATH = "/api/uploads/"
RUNS = "/api/runs/"
POLL_S = 2
FILE_TYPES = ["csv", "gz", "parquet", "xlsx", "json", "jsonl", "zip"]
ISSUE_COLUMNS = ["level", "file", "column", "count", "rows", "values", "expected", "message"]


def _issues(node: Any) -> Iterator[dict[str, Any]]:
    """Every issue (a dict with a ``file`` and a ``message``) anywhere in a job's report or
    error: the validation report's shape (``errors``, ``warnings``) wherever the job put it."""
    if isinstance(node, dict):
        if "file" in node and "message" in node:
            yield node
            return
        for value in node.values():
            yield from _issues(value)
    elif isinstance(node, list):
        for value in node:
            yield from _issues(value)


def _issue_table(job: dict[str, Any]) -> pd.DataFrame:
    rows = list(_issues(job.get("report"))) + list(_issues(job.get("error")))
    frame = pd.DataFrame(rows)
    if frame.empty:
        return frame
    for column in ("rows", "values"):  # lists read better as text in a table
        if column in frame.columns:
            frame[column] = frame[column].map(
                lambda v: ", ".join(map(str, v[:20])) + (" ..." if len(v) > 20 else "")
                if isinstance(v, list) else v)
    return frame[[c for c in ISSUE_COLUMNS if c in frame.columns]]


def job_id(accepted: dict[str, Any]) -> str | None:
    """The job's id in a 202 answer (``job_id``; the models API says ``id``)."""
    value = accepted.get("job_id") or accepted.get("id")
    return None if value is None else str(value)


def _show_job(conn: da.Connection, job: dict[str, Any], what: str, key: str) -> None:
    status = job.get("status", "unknown")
    icon = {"succeeded": ":material/check_circle:", "failed": ":material/error:"}.get(
        status, ":material/hourglass_top:")
    st.markdown(f"{what} job `{job.get('id')}`: **{status}**")
    if status == "failed":
        error = job.get("error") or {}
        st.error(error.get("message") or "the job failed", icon=icon)
    elif status == "succeeded":
        st.success(f"{what} done.", icon=icon)
    else:
        st.info("Waiting for the worker (`shelfcast worker`) to run it; this refreshes every "
                f"{POLL_S} s.", icon=icon)
    report = job.get("report") or {}
    tables = report.get("tables") if isinstance(report, dict) else None
    if tables:
        st.caption("Rows read: " + ", ".join(
            f"{k} {v:,}" if isinstance(v, int) else f"{k} {v}" for k, v in tables.items()))
    issues = _issue_table(job)
    if not issues.empty:
        st.markdown(f"**Validation report**: {len(issues)} issue(s), by file, column and row")
        st.dataframe(issues, hide_index=True, key=f"{key}_issues")
    if status == "succeeded":
        for index, link in enumerate(job.get("results") or []):
            with api_errors():
                data = da.fetch_bytes(conn, link["url"])
            st.download_button(f"Download {link['name']} ({link.get('rows', 0):,} rows)",
                               data=data, file_name=f"{link['name']}.csv", mime="text/csv",
                               key=f"{key}_download_{index}", icon=":material/download:")


def _follow(conn: da.Connection, state_key: str, what: str) -> None:
    """Show the job in ``st.session_state[state_key]``, polling until it is done."""
    job_id = st.session_state.get(state_key)
    if not job_id:
        return
    done = st.session_state.get(f"{state_key}_done", False)

    @st.fragment(run_every=None if done else POLL_S)
    def watch() -> None:
        with api_errors():
            job = da.get_job(conn, job_id)
        _show_job(conn, job, what, state_key)
        if job.get("status") in da.JOB_DONE and not done:
            st.session_state[f"{state_key}_done"] = True
            st.rerun()  # the whole page, so the polling stops

    watch()


def _upload_form(conn: da.Connection) -> None:
    with st.form("upload_form", clear_on_submit=True):
        files = st.file_uploader(
            "Dataset files (sales, stores, items, inventory, ...) or one zip of a dataset folder",
            type=FILE_TYPES, accept_multiple_files=True, key="upload_files")
        token_conn = action_connection(conn, "upload_token", "analyst or admin")
        if st.form_submit_button("Upload and validate", icon=":material/upload:"):
            if not files:
                st.warning("Choose at least one file first.", icon=":material/warning:")
                return
            with api_errors():
                job = da.submit_upload(token_conn, [(f.name, f.getvalue()) for f in files])
            st.session_state["upload_job"] = job_id(job)
            st.session_state["upload_job_done"] = False


def _run_form(conn: da.Connection) -> None:
    st.subheader("Forecast and replenish")
    st.markdown("Runs the forecast and the order proposals on the server's current data (a "
                "job); its files are offered for download when it is done.")
    if not call(da.endpoint_available, conn, RUNS):
        st.info(f"This server has no runs endpoint (`{RUNS}`).", icon=":material/info:")
        return
    with st.form("run_form"):
        token_conn = action_connection(conn, "run_token", "analyst or admin")
        if st.form_submit_button("Run forecast + replenish", icon=":material/play_arrow:"):
            with api_errors():
                job = da.submit_run(token_conn)
            st.session_state["run_job"] = job_id(job)
            st.session_state["run_job_done"] = False
    _follow(conn, "run_job", "Forecast + replenish")


def page() -> None:
    conn = page_header("Upload", "Send your sales, stores, items and inventory files; see what "
                       "the server makes of them; run the forecast and the orders.")
    st.markdown("The files are checked as `shelfcast validate` does (every problem by file, "
                "column and row) and loaded as `shelfcast load` does. Names say what each file "
                "is (`sales.csv`, `items.parquet`, ...; DATA_FORMAT.md); a zip may hold a whole "
                "dataset folder. Uploading needs an analyst's token.")
    if not call(da.endpoint_available, conn, PATH):
        st.info(f"The upload endpoint (`{PATH}`) isn't available on this server. Load a folder "
                "on the server's machine instead: `shelfcast validate DATA_DIR` then "
                "`shelfcast load DATA_DIR`.", icon=":material/info:")
        return
    _upload_form(conn)
    _follow(conn, "upload_job", "Upload")
    _run_form(conn)


page()
