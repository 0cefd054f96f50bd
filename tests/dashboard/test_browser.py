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

# url path, heading, a text the page shows once its data arrived, whether it has a chart
# (Live is the default page, at the root.)
PAGES = [
    ("", "Live", "Units today", True),
    ("sales_trends", "Sales trends", "Units sold in range", True),
    ("top_sellers", "Top sellers", "Units sold in range", True),
    ("forecasts", "Forecasts", "Forecast against actual", True),
    ("inventory", "Inventory", "Store-items", True),
    ("orders", "Orders", "Proposals", True),
    ("models", "Models", "/api/models/", False),
    ("upload", "Upload", "/api/uploads/", False),
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
        expect(page.locator(".js-plotly-plot").first).to_be_visible(timeout=WAIT_MS)
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
    page.screenshot(path=str(screenshots / "live_after_post.png"), full_page=True)
