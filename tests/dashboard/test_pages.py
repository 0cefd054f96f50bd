"""Each page of the dashboard, run by Streamlit's ``AppTest`` against a real API server over
HTTP (tests/plugins/dashboard.py): no exception, and the figures shown agree with the API."""

from __future__ import annotations

import base64
import re
from datetime import timedelta
from pathlib import Path

import httpx
import numpy as np
import polars as pl
import pytest
from streamlit.testing.v1 import AppTest

import shelfcast.dashboard
from tests.dashboard.html_read import as_number, read
from tests.dashboard.html_read import figure as read_figure
from tests.plugins.dashboard import ApiServer

DASHBOARD = Path(shelfcast.dashboard.__file__).parent
PAGES = DASHBOARD / "views"
TIMEOUT_S = 300  # the machine is shared; this is a hang guard, not a measurement


def _api(api: ApiServer, path: str, **params: object) -> dict:
    response = httpx.get(f"{api.url}{path}", params={**params, "page_size": 10_000},
                         headers={"Authorization": f"Token {api.key}"}, timeout=120)
    assert response.status_code == 200, response.text
    return response.json()


def run_page(page: str, api: ApiServer, monkeypatch: pytest.MonkeyPatch,
             token: str | None = None) -> AppTest:
    monkeypatch.setenv("SHELFCAST_API_URL", api.url)
    monkeypatch.setenv("SHELFCAST_TOKEN", api.key if token is None else token)
    at = AppTest.from_file(str(PAGES / page), default_timeout=TIMEOUT_S)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def metric(at: AppTest, label: str) -> str:
    found = [m.value for m in at.metric if m.label == label]
    assert found, [m.label for m in at.metric]
    return found[0]


def charts(at: AppTest) -> list[dict]:
    """The figures the page drew (``charts.plotly_chart``: the figure's JSON in the page),
    and none by Streamlit's own Plotly element (its 4.6 MB script)."""
    assert not at.get("plotly_chart")
    return [read_figure(h.proto.body) for h in at.get("html")
            if 'class="sc-chart"' in h.proto.body]


def values(array: list | dict) -> list:
    """A figure's array as plotly's JSON has it: a list, or typed (``dtype`` and base64)."""
    if isinstance(array, dict):
        return np.frombuffer(base64.b64decode(array["bdata"]), dtype=array["dtype"]).tolist()
    return array


def loads_plotly(at: AppTest) -> bool:
    """Whether the page loads plotly.js's basic build (``charts.preload``/``load_when_idle``),
    and no script of Streamlit's Plotly element."""
    bodies = [h.proto.body for h in at.get("html")]
    assert not any("PlotlyChart." in body for body in bodies)
    return any("app/static/plotly-basic.min.js" in body for body in bodies)


def test_the_entry_routes_to_the_live_page(dashboard_api: ApiServer,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SHELFCAST_API_URL", dashboard_api.url)
    monkeypatch.setenv("SHELFCAST_TOKEN", dashboard_api.key)
    at = AppTest.from_file(str(DASHBOARD / "app.py"), default_timeout=TIMEOUT_S)
    at.run()
    assert not at.exception
    assert at.title[0].value == "Live"


def test_live_shows_todays_units_per_store(dashboard_api: ApiServer,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    at = run_page("live.py", dashboard_api, monkeypatch)
    live = _api(dashboard_api, "/api/live/")
    assert live["stores"], "the fixture posted till lines"
    assert metric(at, "Business day") == live["date"]
    assert metric(at, "Units today") == f"{sum(s['units'] for s in live['stores']):,.0f}"
    today = _api(dashboard_api, "/api/forecasts/", date_from=live["date"],
                 date_to=live["date"])["results"]
    assert today, "the fixture published forecasts for the live day"
    assert metric(at, "Forecast for today") == f"{sum(r['forecast'] for r in today):,.0f}"
    # Plain HTML (html_parts), no Plotly and none of Streamlit's chart or table elements:
    # the first render needs no script beyond Streamlit's own.
    assert not charts(at) and not at.dataframe and not at.table
    assert not at.get("vega_lite_chart")
    shown = [m.value for m in at.markdown]
    (progress,) = [read(m).stores for m in shown if "sc-store-progress" in m]
    # One row per store with lines or a forecast, with the server's sums (nowcast=true).
    summed = {s["store_id"]: s for s in _api(dashboard_api, "/api/live/", nowcast="true")["stores"]}
    assert [r["data-store"] for r in progress] == sorted(summed)
    for row in progress:
        store = summed[row["data-store"]]
        assert float(row["data-units"]) == pytest.approx(store["units"])
        assert float(row["data-nowcast"]) == pytest.approx(store["nowcast_today"])
        assert float(row["data-nowcast"]) >= store["units"] - 1e-9  # S + what is to come
        if store["forecast_today"] is None:
            assert row["data-forecast"] == ""
        else:
            assert float(row["data-forecast"]) == pytest.approx(store["forecast_today"])
    # The top items by units so far, not every item of the day.
    items_table, alerts_table = [read(m) for m in shown if "sc-table" in m]
    units = [as_number(r[items_table.header.index("units")]) for r in items_table.rows]
    top = _api(dashboard_api, "/api/live/", order="units")["results"][:len(units)]
    assert 0 < len(units) <= 20  # data_access.LIVE_TOP_ITEMS
    assert units == pytest.approx([r["units"] for r in top])
    assert units == sorted(units, reverse=True)
    assert at.toggle(key="live_pause").value is False
    # The latest alerts, as many as the API has (the fixture's and the live path's).
    alerts_shown = 10  # views/live.py ALERTS_SHOWN (importing a page runs it)
    alerts = _api(dashboard_api, "/api/alerts/")["count"]
    assert len(alerts_table.rows) == min(alerts, alerts_shown) > 0
    assert "message" in alerts_table.header
    # The metrics' script is fetched while the page reads (common.preload_elements), plotly.js
    # is loaded once idle, for the next page (charts.load_when_idle).
    assert any("Metric." in h.proto.body for h in at.get("html"))
    assert loads_plotly(at)
    at.toggle(key="live_pause").set_value(True).run()
    assert not at.exception
    assert any("Paused" in c.value for c in at.caption)


def test_sales_trends_chart_and_totals(dashboard_api: ApiServer,
                                       chain_tables: dict[str, pl.DataFrame],
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    at = run_page("sales_trends.py", dashboard_api, monkeypatch)
    (figure,) = charts(at)
    # plotly.js is loaded while the page reads (page_header); no data frame's grid.
    assert loads_plotly(at) and not at.dataframe
    # One line per store picked, with Streamlit's colours, not its stand-ins (#000001...).
    picked = at.multiselect(key="trends_store_pick").value
    assert sorted(trace["name"] for trace in figure["data"]) == sorted(picked)
    assert {trace["type"] for trace in figure["data"]} == {"scatter"}
    assert all(not trace["line"]["color"].startswith("#0000") for trace in figure["data"])
    end = chain_tables["sales"]["date"].max()
    start = end - timedelta(days=89)
    sales = _api(dashboard_api, "/api/sales/", group="store", date_from=start.isoformat(),
                 date_to=end.isoformat())["results"]
    at.date_input(key="trends_range").set_value((start, end)).run()
    assert not at.exception
    assert metric(at, "Units sold in range") == f"{sum(r['sales'] for r in sales):,.0f}"
    (changes,) = [read(m.value) for m in at.markdown if "sc-table" in m.value]
    stores = [row[changes.header.index("store_id")] for row in changes.rows]
    assert sorted(stores) == sorted({r["store_id"] for r in sales})
    for column in ("week-over-week %", "year-over-year %"):
        shown = [row[changes.header.index(column)] for row in changes.rows]
        assert all(re.fullmatch(r"[+-]\d+\.\d%", v) for v in shown if v), shown
    assert any(changes.rows), "a complete week in the range"
    at.radio(key="trends_group").set_value("category").run()
    assert not at.exception and len(charts(at)) == 1


def test_top_sellers_ranks_as_the_api(dashboard_api: ApiServer,
                                      monkeypatch: pytest.MonkeyPatch) -> None:
    at = run_page("top_sellers.py", dashboard_api, monkeypatch)
    assert len(charts(at)) == 1
    start, end = at.date_input(key="top_range").value
    top = _api(dashboard_api, "/api/sales/top/", date_from=start.isoformat(),
               date_to=end.isoformat())["results"]
    table = at.dataframe[0].value
    assert list(table["item_id"]) == [r["item_id"] for r in top[:10]]
    assert list(table["units"]) == pytest.approx([r["sales"] for r in top[:10]])
    total = sum(r["sales"] for r in top)
    assert list(table["share %"]) == pytest.approx([r["sales"] / total * 100 for r in top[:10]])
    assert table["revenue"].notna().all()  # the chain has prices
    stores = at.multiselect(key="top_stores").options
    at.multiselect(key="top_stores").set_value([stores[0]]).run()
    assert not at.exception
    one = _api(dashboard_api, "/api/sales/top/", date_from=start.isoformat(),
               date_to=end.isoformat(), store_id=stores[0])["results"]
    assert metric(at, "Units sold in range") == f"{sum(r['sales'] for r in one):,.0f}"
    at.radio(key="top_group").set_value("category").run()
    assert not at.exception
    per_category = _api(dashboard_api, "/api/sales/top/", group="category",
                        date_from=start.isoformat(), date_to=end.isoformat(),
                        store_id=stores[0])["results"]
    table = at.dataframe[0].value
    assert list(table["category"]) == [r["category"] for r in per_category][:10]
    assert table["revenue"].notna().all()


def test_forecasts_chart_band_and_actuals(dashboard_api: ApiServer,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    at = run_page("forecasts.py", dashboard_api, monkeypatch)
    store = at.selectbox(key="forecast_store").value
    item = at.selectbox(key="forecast_item").value
    published = _api(dashboard_api, "/api/forecasts/", store_id=store, item_id=item)["results"]
    # the fixture's 14 days around the last day, and what `shelfcast load` published
    assert metric(at, "Forecast days") == str(len(published))
    assert len(published) >= 14
    (figure,) = charts(at)
    assert [trace["name"] for trace in figure["data"]] == ["sales", "q90", "q10-q90", "forecast"]
    drawn = {trace["name"]: trace for trace in figure["data"]}
    assert drawn["q10-q90"]["fill"] == "tonexty"  # the band between q10 and q90
    assert len(drawn["forecast"]["x"]) == len(published)
    # Seven forecast days (the last week of sales) have their actuals.
    assert len(at.dataframe[0].value) == 7
    assert at.get("download_button")


def test_inventory_days_of_cover_and_alerts(dashboard_api: ApiServer,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    at = run_page("inventory.py", dashboard_api, monkeypatch)
    # One store to start with (the first); no store picked: the whole chain.
    first = at.multiselect(key="inventory_stores").options[0]
    assert at.multiselect(key="inventory_stores").value == [first]
    one = _api(dashboard_api, "/api/inventory/", store_id=first)["results"]
    assert metric(at, "Store-items") == str(len({(r["store_id"], r["item_id"]) for r in one}))
    at.multiselect(key="inventory_stores").set_value([]).run()
    assert not at.exception
    snapshots = _api(dashboard_api, "/api/inventory/")["results"]
    pairs = {(r["store_id"], r["item_id"]) for r in snapshots}
    assert metric(at, "Store-items") == str(len(pairs)) != str(len(one))
    alerts = _api(dashboard_api, "/api/alerts/")["results"]
    assert metric(at, "With an alert") == str(len({(a["store_id"], a["item_id"])
                                                    for a in alerts if (a["store_id"], a["item_id"])
                                                    in pairs}))
    assert metric(at, "Units on hand") != "0"
    table = at.dataframe[0].value
    assert table["days of cover"].notna().any()
    # The histogram's bars, counted by the page: every store-item with a known cover, once.
    (figure,) = charts(at)
    assert sum(sum(values(trace["y"])) for trace in figure["data"]) == table[
        "days of cover"].notna().sum()
    at.toggle(key="inventory_flagged").set_value(True).run()
    assert not at.exception
    flagged = at.dataframe[0].value
    assert (flagged["alert"].notna() | flagged["low cover"]).all()


def test_orders_lists_the_proposals(dashboard_api: ApiServer,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    at = run_page("orders.py", dashboard_api, monkeypatch)
    # One store to start with (the first); no store picked: the whole chain.
    stores = at.multiselect(key="orders_stores").options
    assert at.multiselect(key="orders_stores").value == [stores[0]]
    assert metric(at, "Proposals") == "1"
    at.multiselect(key="orders_stores").set_value([]).run()
    assert not at.exception
    orders = _api(dashboard_api, "/api/orders/")["results"]
    assert metric(at, "Proposals") == str(len(orders)) == "3"
    assert list(at.dataframe[0].value["reason"]) == [o["reason"] for o in orders]
    assert at.get("download_button")


@pytest.mark.parametrize("page", ["models.py", "upload.py"])
def test_pages_of_endpoints_still_to_come_say_so(page: str, dashboard_api: ApiServer,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    path = "/api/models/" if page == "models.py" else "/api/uploads/"
    exists = httpx.get(f"{dashboard_api.url}{path}",
                       headers={"Authorization": f"Token {dashboard_api.key}"}).status_code != 404
    at = run_page(page, dashboard_api, monkeypatch)
    said = " ".join(i.value for i in at.info)
    assert ("isn't available on this server" in said) is not exists
    assert not at.error


@pytest.mark.parametrize("page", ["live.py", "sales_trends.py", "top_sellers.py",
                                  "forecasts.py", "inventory.py", "orders.py"])
def test_an_empty_database_shows_what_to_do(page: str, empty_api: ApiServer,
                                            monkeypatch: pytest.MonkeyPatch) -> None:
    at = run_page(page, empty_api, monkeypatch)
    said = " ".join(i.value for i in at.info)
    assert "shelfcast generate" in said and "shelfcast load" in said
    assert not at.error


def test_a_wrong_token_shows_the_servers_message(dashboard_api: ApiServer,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    at = run_page("sales_trends.py", dashboard_api, monkeypatch, token="not-a-key")
    answer = httpx.get(f"{dashboard_api.url}/api/sales/",
                       headers={"Authorization": "Token not-a-key"}).json()
    assert len(at.error) == 1
    assert answer["message"] in at.error[0].value
    assert "SHELFCAST_TOKEN" in at.error[0].value


def test_an_unreachable_api_is_an_error_message(monkeypatch: pytest.MonkeyPatch) -> None:
    from tests.plugins.dashboard import free_port

    nowhere = ApiServer(url=f"http://127.0.0.1:{free_port()}", key="k", home=Path("."))
    at = run_page("orders.py", nowhere, monkeypatch)
    assert len(at.error) == 1 and "cannot reach the API" in at.error[0].value


def _models(api: ApiServer) -> list[dict]:
    return _api(api, "/api/models/")["results"]


def test_models_lists_the_registry_and_the_live_version(dashboard_api: ApiServer,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    at = run_page("models.py", dashboard_api, monkeypatch)
    models = _models(dashboard_api)
    assert list(at.dataframe[0].value["version"]) == [m["version"] for m in models]
    live = [m["version"] for m in models if m["is_live"]]
    assert metric(at, "Live version") == (live[0] if live else "none")
    assert not at.error


def test_training_needs_an_analyst_and_says_what_the_api_answered(
        dashboard_api: ApiServer, monkeypatch: pytest.MonkeyPatch) -> None:
    at = run_page("models.py", dashboard_api, monkeypatch)
    # The dashboard's viewer token may not train: the API's own refusal is shown.
    at.button(key="FormSubmitter:models_train_form-Train").click().run()
    refusal = httpx.post(f"{dashboard_api.url}/api/models/train/", json={},
                         headers={"Authorization": f"Token {dashboard_api.key}"})
    assert refusal.status_code == 403
    assert len(at.error) == 1 and refusal.json()["message"] in at.error[0].value
    # With an analyst's token typed in, the job is accepted and followed.
    at = run_page("models.py", dashboard_api, monkeypatch)
    at.text_input(key="models_train_token").set_value(dashboard_api.analyst_key)
    at.button(key="FormSubmitter:models_train_form-Train").click().run()
    assert not at.exception and not at.error
    accepted = [s.value for s in at.success]
    assert accepted and "Training job" in accepted[0] and "accepted" in accepted[0]
    job_id = accepted[0].split()[2]
    job = httpx.get(f"{dashboard_api.url}/api/jobs/{job_id}/",
                    headers={"Authorization": f"Token {dashboard_api.key}"})
    assert job.status_code in (200, 404)  # 404 only while the jobs endpoint is not there


def test_promoting_shows_the_version_now_live(dashboard_api: ApiServer,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    live = [m["version"] for m in _models(dashboard_api) if m["is_live"]][0]
    at = run_page("models.py", dashboard_api, monkeypatch)
    at.selectbox(key="models_promote_version").set_value(live)
    at.text_input(key="models_promote_token").set_value(dashboard_api.admin_key)
    at.button(key="FormSubmitter:models_promote_form-Promote").click().run()
    assert not at.exception
    answer = httpx.post(f"{dashboard_api.url}/api/models/{live}/promote/",
                        headers={"Authorization": f"Token {dashboard_api.admin_key}"})
    if answer.status_code == 200:
        assert [s.value for s in at.success] == [f"Version {live} is live."]
    else:  # the server could not load it: its message, not a traceback
        assert answer.json()["message"] in at.error[0].value


def test_a_read_stopped_at_the_row_cap_is_said(dashboard_api: ApiServer,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    import streamlit as st

    from shelfcast.dashboard import data_access as da

    st.cache_data.clear()  # earlier tests cached whole reads
    monkeypatch.setattr(da, "PAGE_SIZE", 5)
    monkeypatch.setattr(da, "MAX_ROWS", 10)
    try:
        at = run_page("inventory.py", dashboard_api, monkeypatch)
    finally:
        st.cache_data.clear()
    first = at.multiselect(key="inventory_stores").value  # the page's default: one store
    count = _api(dashboard_api, "/api/inventory/", store_id=",".join(first))["count"]
    assert count > 10
    warned = [w.value for w in at.warning]
    assert any(f"stopped at 10 rows of {count:,}" in w for w in warned), warned
