"""Models: the versions in the server's registry (``GET /api/models/``) with their backtest
metrics and which one is live; train a new one (analyst) and promote a version (admin), with
the API's answer shown; the published forecasts' accuracy over time and the latest drift
(``GET /api/monitoring/``) where the server has it."""

from __future__ import annotations

import pandas as pd
import plotly.express as px
import streamlit as st

from shelfcast.dashboard import data_access as da
from shelfcast.dashboard.charts import plotly_chart
from shelfcast.dashboard.common import action_connection, api_errors, call, page_header

PATH = "/api/models/"
MONITORING = "/api/monitoring/"
# The backtest metrics worth a column of their own, when the registry has them.
KEY_METRICS = ("wape", "rmsse", "mase", "bias", "pinball", "coverage_q90")


def _versions(conn: da.Connection) -> pd.DataFrame | None:
    if not call(da.endpoint_available, conn, PATH):
        st.info(f"The models endpoint (`{PATH}`) isn't available on this server, so there is "
                "nothing to list. `shelfcast train DATA_DIR --model-dir DIR` trains a version "
                "into a folder.", icon=":material/info:")
        return None
    frame = call(da.load_models, conn)
    if frame.empty:
        st.info("No model version yet: `shelfcast load` trains one when none exists, or "
                "train one below.", icon=":material/info:")
        return frame
    live = frame.loc[frame["is_live"].fillna(False).astype(bool), "version"]
    st.metric("Live version", live.iloc[0] if len(live) else "none")
    first = ["version", "is_live", "created_at", "promoted_at"]
    metric_cols = [c for c in frame.columns if c.split(".")[-1] in KEY_METRICS]
    rest = [c for c in frame.columns if c not in first + metric_cols]
    st.dataframe(frame[first + metric_cols + rest], hide_index=True, key="models_table")
    return frame


def _train(conn: da.Connection) -> None:
    with st.form("models_train_form"):
        st.markdown("**Train a new version** on the server's current data (a job; analyst).")
        promote = st.checkbox("Make it live when trained", key="models_train_promote")
        token_conn = action_connection(conn, "models_train_token", "analyst or admin")
        if st.form_submit_button("Train", icon=":material/model_training:"):
            with api_errors():
                job = da.train_model(token_conn, promote=promote)
            job_id = job.get("job_id") or job.get("id")
            st.session_state["models_job"] = job_id
            st.success(f"Training job {job_id} accepted ({job.get('status')}).",
                       icon=":material/check_circle:")
    job_id = st.session_state.get("models_job")
    if job_id:
        with api_errors():
            job = da.get_job(conn, job_id)
        st.caption(f"Training job {job_id}: **{job.get('status')}**")
        if job.get("status") == "failed":
            st.error((job.get("error") or {}).get("message", "the job failed"),
                     icon=":material/error:")


def _promote(conn: da.Connection, versions: pd.DataFrame) -> None:
    with st.form("models_promote_form"):
        st.markdown("**Promote a version**: it answers predictions from now on; promoting an "
                    "older one rolls back (admin).")
        version = st.selectbox("Version", versions["version"].astype(str).tolist(),
                               key="models_promote_version")
        token_conn = action_connection(conn, "models_promote_token", "admin")
        if st.form_submit_button("Promote", icon=":material/upgrade:"):
            with api_errors():
                row = da.promote_model(token_conn, version)
            da.load_models.clear()
            st.success(f"Version {row.get('version')} is live.", icon=":material/check_circle:")


def _monitoring(conn: da.Connection) -> None:
    st.subheader("Accuracy of the published forecasts")
    if not call(da.endpoint_available, conn, MONITORING):
        st.info(f"This server has no monitoring endpoint (`{MONITORING}`).",
                icon=":material/info:")
        return
    overview = call(da.load_monitoring, conn)
    chain = overview.get("chain")
    if chain is None or chain.empty:
        st.info("No published forecast has met its actual sales yet: accuracy shows here once "
                "the days forecast have been sold (the daily run, `shelfcast run-daily`).",
                icon=":material/info:")
    else:
        long = chain.melt(id_vars="date", value_vars=[c for c in ("wape", "bias", "coverage_q90")
                                                      if c in chain.columns])
        plotly_chart(px.line(long, x="date", y="value", color="variable",
                             labels={"value": "", "variable": "measure"}),
                     key="models_accuracy_chart")
    drift = overview.get("drift")
    if drift is not None and not drift.empty:
        st.markdown("**Feature drift** (PSI, the latest daily run)")
        plotly_chart(px.bar(drift.sort_values("psi"), x="psi", y="feature", orientation="h"),
                     key="models_drift_chart")
    alerts = overview.get("alerts")
    if alerts is not None and not alerts.empty:
        st.markdown("**Monitoring alerts**")
        st.dataframe(alerts, hide_index=True, key="models_alerts")


def page() -> None:
    conn = page_header("Models", "The model versions, the live one, their metrics; train, "
                       "promote, and how the published forecasts fared.",
                       preload=("DataFrame",), figures=True)
    versions = _versions(conn)
    if versions is None:
        return
    left, right = st.columns(2)
    with left:
        _train(conn)
    with right:
        if versions.empty:
            st.caption("Nothing to promote yet.")
        else:
            _promote(conn, versions)
    _monitoring(conn)


page()
