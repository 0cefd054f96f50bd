"""End to end in a browser: ``shelfcast dashboard`` (a real Streamlit server) against the API
server of tests/plugins/dashboard.py, each page opened in headless Chromium (Debian's
``/usr/bin/chromium``; ``make browser`` installs it) with Playwright; a screenshot of each page
goes to the test's temporary folder (printed; never committed)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Page, expect, sync_playwright

from tests.plugins.dashboard import ApiServer, free_port, wait_for_http

CHROMIUM = os.environ.get("SHELFCAST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
WAIT_MS = 90_000  # a hang guard on a loaded machine, not a measurement
# A drawn chart: Plotly's, or Live's per-store rows (plain HTML: html_parts).
CHART = ".js-plotly-plot, .sc-store-progress .sc-store"

# url path, heading, a text the page shows once its data arrived, whether it has a chart
# (Live is the default page, at the root.)
PAGES = [
    ("", "Live", "Units today", True),
    ("sales_trends", "Sales trends", "Units sold in range", True),
    ("top_sellers", "Top sellers", "Units sold in range", True),
    ("forecasts", "Forecasts", "Forecast against actual", True),
    ("inventory", "Inventory", "Store-items", True),
    ("orders", "Orders", "Proposals", True),
    ("models", "Models", "Train a new version", False),
    ("upload", "Upload", "shelfcast validate", False),
]


@pytest.fixture(scope="module")
def dashboard_url(dashboard_api: ApiServer, tmp_path_factory: pytest.TempPathFactory
                  ) -> Iterator[str]:
    folder = tmp_path_factory.mktemp("dashboard")
    env = {k: v for k, v in os.environ.items() if not k.startswith("STREAMLIT_")}
    env.update(SHELFCAST_API_URL=dashboard_api.url, SHELFCAST_TOKEN=dashboard_api.key,
               HOME=str(folder))  # Streamlit's ~/.streamlit stays in the temporary folder
    port = free_port()
    log_path = folder / "dashboard.log"
    log = log_path.open("w")
    process = subprocess.Popen([sys.executable, "-m", "shelfcast", "dashboard", "--port",
                                str(port)], env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        wait_for_http(f"{url}/_stcore/health", process, log_path)
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.fixture(scope="module")
def browser_page() -> Iterator[Page]:
    assert Path(CHROMIUM).exists(), f"{CHROMIUM} is missing: run `make browser` (apt-get)"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS,
                                             headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        try:
            yield page
        finally:
            browser.close()


@pytest.fixture(scope="module")
def screenshots(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = Path(os.environ.get("SHELFCAST_SCREENSHOTS") or tmp_path_factory.mktemp("screens"))
    folder.mkdir(parents=True, exist_ok=True)
    print(f"screenshots in {folder}")
    return folder


@pytest.mark.slow
@pytest.mark.parametrize(("path", "heading", "text", "has_chart"), PAGES,
                         ids=[p[0] or "live" for p in PAGES])
def test_each_page_in_chromium(path: str, heading: str, text: str, has_chart: bool,
                               dashboard_url: str, browser_page: Page, screenshots: Path) -> None:
    page = browser_page
    page.goto(f"{dashboard_url}/{path}", wait_until="domcontentloaded")
    expect(page.get_by_role("heading", name=heading).first).to_be_visible(timeout=WAIT_MS)
    expect(page.get_by_text(text).first).to_be_visible(timeout=WAIT_MS)
    if has_chart:
        expect(page.locator(CHART).first).to_be_visible(timeout=WAIT_MS)
    # The sidebar routes to every page, by section.
    nav = page.get_by_test_id("stSidebarNav")
    for title in ("Live", "Sales trends", "Top sellers", "Forecasts", "Inventory", "Orders",
                  "Models", "Upload"):
        expect(nav.get_by_text(title, exact=True)).to_be_visible(timeout=WAIT_MS)
    assert page.get_by_test_id("stException").count() == 0
    assert page.get_by_text("Page not found").count() == 0
    shot = screenshots / f"{path or 'live'}.png"
    page.screenshot(path=str(shot), full_page=True)
    assert shot.stat().st_size > 0


@pytest.mark.slow
def test_the_live_page_follows_new_till_lines_without_a_reload(
        dashboard_api: ApiServer, dashboard_url: str, browser_page: Page,
        screenshots: Path) -> None:
    page = browser_page
    page.goto(dashboard_url, wait_until="domcontentloaded")
    units = page.get_by_test_id("stMetric").filter(has_text="Units today")
    expect(units).to_be_visible(timeout=WAIT_MS)
    before = httpx.get(f"{dashboard_api.url}/api/live/", timeout=60,
                       headers={"Authorization": f"Token {dashboard_api.key}"}).json()
    total = sum(s["units"] for s in before["stores"])
    expect(units).to_contain_text(f"{total:,.0f}", timeout=WAIT_MS)
    line = {"transaction_id": "browser-test-1", "store_id": before["stores"][0]["store_id"],
            "timestamp": f"{before['date']}T12:00:00+00:00", "item_id": "I0001",
            "quantity": 1000, "unit_price": 1.0}
    posted = httpx.post(f"{dashboard_api.url}/api/transactions/", json={"transactions": [line]},
                        headers={"Authorization": f"Token {dashboard_api.till_key}"}, timeout=60)
    assert posted.json()["accepted"] == 1, posted.text
    expect(units).to_contain_text(f"{total + 1000:,.0f}", timeout=WAIT_MS)  # no reload
    store = before["stores"][0]
    row = page.locator(f".sc-store[data-store='{store['store_id']}']")
    expect(row).to_have_attribute("data-units", repr(float(store["units"] + 1000)),
                                  timeout=WAIT_MS)
    page.screenshot(path=str(screenshots / "live_after_post.png"), full_page=True)


@pytest.mark.slow
def test_the_live_page_draws_with_streamlits_main_script_then_loads_plotly(
        dashboard_url: str, browser_page: Page) -> None:
    # A new tab of its own: a new document, nothing loaded yet.
    assert browser_page.context.browser is not None
    page = browser_page.context.browser.new_page()
    try:
        page.goto(dashboard_url, wait_until="domcontentloaded")
        expect(page.locator(".sc-store-progress .sc-store").first).to_be_visible(
            timeout=WAIT_MS)
        expect(page.locator(".sc-table table").first).to_be_visible(timeout=WAIT_MS)
        assert page.locator(".js-plotly-plot").count() == 0
        # Drawn without the scripts of Streamlit's charts and tables (Vega-Lite's renderer,
        # the Arrow tables, its Plotly element): none was fetched.
        fetched = page.evaluate("""() => performance.getEntriesByType('resource')
            .map((e) => e.name.split('/').pop())""")
        heavy = ("embed.", "ArrowVegaLiteChart.", "arrowFormatUtils.", "Table.", "PlotlyChart.")
        assert not [name for name in fetched if name.startswith(heavy)], fetched
        # Once the page is idle, plotly.js's basic build is loaded and run for the next page.
        page.wait_for_function("() => window.Plotly !== undefined", timeout=WAIT_MS)
        assert page.evaluate("() => performance.getEntriesByType('resource')"
                             ".some(e => e.name.includes('/app/static/plotly-basic.min.js'))")
    finally:
        page.close()


@pytest.mark.slow
def test_sales_trends_draws_interactive_figures_with_plotlys_basic_build(
        dashboard_url: str, browser_page: Page, screenshots: Path) -> None:
    page = browser_page
    page.goto(f"{dashboard_url}/sales_trends", wait_until="domcontentloaded")
    plot = page.locator(".sc-chart .js-plotly-plot")
    expect(plot).to_be_visible(timeout=WAIT_MS)

    sent_js = """() => JSON.parse(document.querySelector(
        ".sc-chart script[type='application/json']").textContent).data.map(t => t.name)"""
    sent = page.evaluate(sent_js)
    assert len(sent) > 1
    expect(plot.locator(".scatterlayer .trace")).to_have_count(len(sent), timeout=WAIT_MS)
    expect(plot.locator(".legend .legendtext")).to_have_text(sent, timeout=WAIT_MS)
    # Interactive: hovering the plot area shows the values of that date (x unified).
    box = plot.locator(".nsewdrag").first.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] * 0.5, box["y"] + box["height"] * 0.5)
    expect(plot.locator(".hoverlayer .legend")).to_be_visible(timeout=WAIT_MS)
    # Another grouping is a new figure, drawn in place of the first.
    page.get_by_test_id("stRadio").first.get_by_text("category").click()
    page.wait_for_function(f"(old) => JSON.stringify(({sent_js})()) !== JSON.stringify(old)",
                           arg=sent, timeout=WAIT_MS)
    sent_now = page.evaluate(sent_js)
    expect(plot).to_have_count(1, timeout=WAIT_MS)
    expect(plot.locator(".scatterlayer .trace")).to_have_count(len(sent_now), timeout=WAIT_MS)
    expect(plot.locator(".legend .legendtext")).to_have_text(sent_now, timeout=WAIT_MS)
    # By the basic build, not Streamlit's Plotly element.
    fetched = page.evaluate("() => performance.getEntriesByType('resource').map(e => e.name)")
    assert any("/app/static/plotly-basic.min.js" in name for name in fetched)
    assert not any("/static/js/PlotlyChart." in name for name in fetched)
    page.screenshot(path=str(screenshots / "sales_trends_by_category.png"))


TOKEN_LABEL = "Token for this action (analyst or admin); blank: the dashboard's own"


def _upload(page: Page, dashboard_url: str, analyst_key: str, files: list[Path]) -> None:
    page.goto(f"{dashboard_url}/upload", wait_until="domcontentloaded")
    expect(page.get_by_text("Upload and validate")).to_be_visible(timeout=WAIT_MS)
    page.locator("input[type=file]").first.set_input_files([str(f) for f in files])
    uploader = page.get_by_test_id("stFileUploader").first
    for name in (f.name for f in files):  # Streamlit lists each file in the uploader once sent
        # (scoped to the uploader: the page's help text names "sales.csv" too)
        expect(uploader.get_by_text(name, exact=True).first).to_be_visible(timeout=WAIT_MS)
    page.get_by_label(TOKEN_LABEL).first.fill(analyst_key)
    page.get_by_role("button", name="Upload and validate").click()


@pytest.mark.slow
def test_an_upload_with_a_bad_row_reports_the_row(
        dashboard_api: ApiServer, dashboard_worker: object, dashboard_url: str,
        browser_page: Page, screenshots: Path, tmp_path: Path) -> None:
    bad = tmp_path / "sales.csv"
    bad.write_text("date,store_id,item_id,sales\n2024-01-01,S01,I0001,3\n"
                   "2024-01-02,S01,I0001,-5\n2024-01-03,S01,I0001,not-a-number\n")
    page = browser_page
    _upload(page, dashboard_url, dashboard_api.analyst_key or "", [bad])
    expect(page.get_by_text("failed").first).to_be_visible(timeout=WAIT_MS)
    expect(page.get_by_text("Validation report")).to_be_visible(timeout=WAIT_MS)
    table = page.get_by_test_id("stDataFrame").first
    expect(table).to_be_visible(timeout=WAIT_MS)
    page.screenshot(path=str(screenshots / "upload_bad_row.png"), full_page=True)
    job = httpx.get(f"{dashboard_api.url}/api/jobs/", params={"kind": "upload"},
                    headers={"Authorization": f"Token {dashboard_api.key}"}, timeout=60).json()
    latest = job["results"][0]
    assert latest["status"] == "failed"
    # the page names the job the API has
    expect(page.get_by_text(latest["id"]).first).to_be_visible(timeout=WAIT_MS)


@pytest.mark.slow
def test_an_upload_of_a_small_dataset_is_followed_until_its_job_succeeds(
        dashboard_api: ApiServer, dashboard_worker: object, dashboard_url: str,
        browser_page: Page, screenshots: Path, tmp_path: Path,
        chain_tables: dict) -> None:
    import polars as pl

    sales = chain_tables["sales"]
    first_store = sales["store_id"].min()
    items = sorted(sales["item_id"].unique())[:2]
    small = sales.filter((pl.col("store_id") == first_store) & pl.col("item_id").is_in(items))
    path = tmp_path / "sales.csv"
    small.write_csv(path)
    page = browser_page
    _upload(page, dashboard_url, dashboard_api.analyst_key or "", [path])
    expect(page.get_by_text("Upload done.")).to_be_visible(timeout=WAIT_MS * 4)
    page.screenshot(path=str(screenshots / "upload_succeeded.png"), full_page=True)
    job = httpx.get(f"{dashboard_api.url}/api/jobs/", params={"kind": "upload"},
                    headers={"Authorization": f"Token {dashboard_api.key}"}, timeout=60).json()
    assert job["results"][0]["status"] == "succeeded"
