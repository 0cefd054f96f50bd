"""Dashboard benchmark: each page's time to first full render in headless Chromium, against a
running API with 100 stores x 1,000 items of data.

    .venv/bin/python benchmarks/bench_dashboard.py make   # data + database (once; minutes)
    .venv/bin/python benchmarks/bench_dashboard.py run    # serve, open every page, time it

Both steps run on a PostgreSQL 15 cluster kept in ``benchmarks/out/dashboard/pg``
(``_stack.KeptPostgres``: started for the step, stopped after it), as a deployment would.

``make``: ``shelfcast generate`` of 100 stores x 1,000 items x 42 days (14 future days, one
day of till lines) into ``benchmarks/out/data/dashboard_s100_i1000_d42``, loaded into that
database with the server's own ``dataset_load`` (which also fills the sales roll-ups); a
forecast for every series (the last 28 days' mean with negative-binomial quantiles, published
as model version ``bench-naive``: training the Forecaster on 100,000 series does not fit this
benchmark, and the pages' work does not depend on how the forecast was made) and the order
proposals and alerts ``propose`` makes from it, published with the server's services.

``run``: ``shelfcast serve`` and ``shelfcast dashboard`` as processes (viewer token), Debian's
Chromium driven by Playwright (as tests/dashboard does). The data's day of till lines is posted
to the server dated the first forecast day (new transaction ids): the day after the forecast
was published, as a chain's Live page sees it, so ``/api/live/`` blends the morning forecast of
all 100,000 series into its nowcast. Per page, the time from navigation start to "first full
render": the first animation frame in which the page's heading, the text it shows once its
data arrived and, for pages with one, a drawn chart (Plotly's, or Live's per-store rows) are
visible and Streamlit's running indicator is gone. The page checks this itself every frame
(``RENDER_PROBE``) and stamps the frame's ``performance.now()``: Playwright's own waits poll
every 0.5 s once a wait is longer than about 0.3 s, which overstated a render by up to 0.5 s
per wait. The driver then checks the same with Playwright's locators; both times are kept
(``cold_s``: the page's; ``cold_driver_s``: the driver's, from before ``goto`` to its checks).
Each page is opened cold (the first visit after the dashboard started: nothing cached) and
then ``--repeat`` times warm (a reload; the loaders' 60 s cache answers); the median warm time
is reported. The pages are opened in one browser, in the sidebar's order, so a page after the
first finds Streamlit's own scripts in the browser's caches; ``--new-browser`` opens each in a
browser of its own instead (a visitor arriving by a link), ``--returning`` has the browser
open a page untimed first. ``--dwell`` seconds pass after each load, as a reader's (0 by
default: the next load starts at once). A page that fails (an error shown, or not rendered within
``PAGE_LIMIT_S``) is reported as failed with the reason, and the run goes on to the next page.
Output: ``benchmarks/out/dashboard/render.json`` and a table on stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import textwrap
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _stack import KeptPostgres  # noqa: E402

ROOT = Path(__file__).resolve().parent
DATA = ROOT / "out" / "data" / "dashboard_s100_i1000_d42"
OUT = ROOT / "out" / "dashboard"
HOME = OUT / "home"
CHROMIUM = os.environ.get("SHELFCAST_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
PG = OUT / "pg"
STARTUP_LIMIT_S = 300
PAGE_LIMIT_S = 120.0  # a hang guard on a loaded machine; the measurement is the elapsed time
DATABASE_URL = ""  # the kept cluster's, set by main() while it runs

# A drawn chart: Plotly's, or Live's per-store rows (plain HTML: html_parts).
CHART = ".js-plotly-plot, .sc-store-progress .sc-store"
# url path, heading, the text shown once the data arrived, whether a chart must show
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

# Run in every document before Streamlit's scripts: on each animation frame, whether the page
# (by its path) is fully rendered, as ``_render`` asks it below; the first frame that is stamps
# ``window.__shelfcastRendered`` with ``performance.now()`` (ms from the navigation start).
RENDER_PROBE = """
(() => {
  const pages = %(pages)s;
  const visible = (el) => {
    const box = el.getBoundingClientRect();
    return box.width > 0 && box.height > 0 && getComputedStyle(el).visibility !== "hidden";
  };
  const rendered = (want) => {
    if (document.querySelector('[data-testid="stStatusWidget"]')) return false;
    const headings = document.querySelectorAll("h1, h2, h3, h4, h5, h6");
    if (![...headings].some((h) => h.textContent.includes(want.heading) && visible(h)))
      return false;
    if (want.chart && ![...document.querySelectorAll(%(chart)s)].some(visible)) return false;
    return document.body.innerText.includes(want.text);
  };
  const frame = () => {
    const want = pages[location.pathname.replace(/^[/]+|[/]+$/g, "")];
    if (want && document.body && rendered(want)) {
      window.__shelfcastRendered = performance.now();
      return;
    }
    requestAnimationFrame(frame);
  };
  requestAnimationFrame(frame);
})();
""" % {"pages": json.dumps({path: {"heading": heading, "text": text, "chart": chart}
                            for path, heading, text, chart in PAGES}),
       "chart": json.dumps(CHART)}

PUBLISH = textwrap.dedent("""
    import sys
    from datetime import timedelta
    from pathlib import Path
    import polars as pl
    import shelfcast.server as server
    server.setup()
    from django.core.management import call_command
    call_command("migrate", verbosity=0)
    from django.conf import settings
    from shelfcast.config import DEFAULT_QUANTILES
    from shelfcast.data.load import load_dataset
    from shelfcast.data.schema import quantile_column
    from shelfcast.replenish.demand import nb_quantile
    from shelfcast.replenish.proposals import propose
    from shelfcast.server.forecasts.models import ModelVersion
    from shelfcast.server.jobs import pipeline

    dataset = load_dataset(Path(sys.argv[1]))
    last = dataset.last_date
    mean = (dataset.sales.filter(pl.col("date") > pl.lit(last) - pl.duration(days=28))
            .group_by("store_id", "item_id").agg((pl.col("sales").sum() / 28).alias("m")))
    days = pl.DataFrame({"date": pl.date_range(last + timedelta(days=1),
                                               last + timedelta(days=14), "1d", eager=True)})
    fc = mean.join(days, how="cross").rename({"m": "forecast"})
    m = fc["forecast"].to_numpy()
    fc = fc.with_columns([pl.Series(quantile_column(q), nb_quantile(q, m, 2 * m))
                          for q in DEFAULT_QUANTILES])
    ModelVersion.objects.get_or_create(version="bench-naive", defaults={"path": "/nowhere"})
    proposals = propose(fc, dataset.inventory, settings=settings.SHELFCAST, as_of=last,
                        sales=dataset.sales, future=dataset.future, events=dataset.events,
                        items=dataset.items)
    counts = pipeline.publish(dataset, pipeline.Outputs("bench-naive", fc, proposals.orders,
                                                        proposals.alerts))
    print(counts)
""")


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "DEBUG", "SHELFCAST_API_URL", "SHELFCAST_TOKEN")
           and not k.startswith("STREAMLIT_")}
    env.update(DJANGO_SETTINGS_MODULE="shelfcast.server.settings.local", SHELFCAST_HOME=str(HOME),
               HOME=str(OUT), DATABASE_URL=DATABASE_URL)
    return env


def _cli(*args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "shelfcast", *args], capture_output=True,
                          text=True, env=_env(), check=False)
    if done.returncode != 0:
        sys.exit(f"shelfcast {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return done.stdout


def make() -> None:
    t0 = time.perf_counter()
    if not (DATA / "sales.parquet").exists():
        _cli("generate", str(DATA), "--stores", "100", "--items", "1000", "--days", "42",
             "--future-days", "14", "--transactions-days", "1", "--seed", "0")
    print(f"generated in {time.perf_counter() - t0:.0f} s", flush=True)
    HOME.mkdir(parents=True, exist_ok=True)
    done = subprocess.run([sys.executable, "-c", PUBLISH, str(DATA)], env=_env(), text=True,
                          capture_output=True, check=False)
    if done.returncode != 0:
        sys.exit(f"publishing failed:\n{done.stdout}{done.stderr}")
    print(done.stdout.strip())
    print(f"made in {time.perf_counter() - t0:.0f} s")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _answers(url: str) -> bool:
    """True once ``url`` answers 200; a refused connection means "not listening yet"."""
    try:
        return httpx.get(url, timeout=2).status_code == 200
    except httpx.TransportError:
        return False


def _start(args: list[str], health: str, log: Path) -> subprocess.Popen:
    out = log.open("w")
    process = subprocess.Popen([sys.executable, "-m", "shelfcast", *args], env=_env(),
                               stdout=out, stderr=subprocess.STDOUT)
    deadline = time.monotonic() + STARTUP_LIMIT_S
    while True:
        if process.poll() is not None:
            sys.exit(f"{args[0]} stopped:\n{log.read_text()}")
        if _answers(health):
            return process
        if time.monotonic() > deadline:
            process.kill()
            sys.exit(f"{args[0]} did not answer in {STARTUP_LIMIT_S} s:\n{log.read_text()}")
        time.sleep(0.5)


def _stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


class PageFailed(Exception):
    """A page that showed an error or did not render in time (the run goes on)."""


def _render(page, url: str, heading: str, text: str, chart: bool) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    """Seconds from navigation start to the page's first fully rendered frame (stamped by
    ``RENDER_PROBE`` in the page), and as the driver saw it (from before ``goto`` to its own
    checks passing); ``PageFailed`` when the page shows an error or is not rendered within
    ``PAGE_LIMIT_S``."""
    from playwright.sync_api import Error as PlaywrightError
    from playwright.sync_api import expect

    start = time.perf_counter()

    def left_ms() -> float:
        return max(1.0, (PAGE_LIMIT_S - (time.perf_counter() - start)) * 1000)

    try:
        page.goto(url, wait_until="domcontentloaded", timeout=left_ms())
        stamped = page.wait_for_function("() => window.__shelfcastRendered",
                                         timeout=left_ms()).json_value()
        # The same conditions through Playwright's locators: the probe cannot pass alone.
        expect(page.get_by_role("heading", name=heading).first).to_be_visible(timeout=left_ms())
        expect(page.get_by_text(text).first).to_be_visible(timeout=left_ms())
        if chart:
            expect(page.locator(CHART).first).to_be_visible(timeout=left_ms())
        expect(page.get_by_test_id("stStatusWidget")).to_have_count(0, timeout=left_ms())
    except (AssertionError, PlaywrightError) as exc:
        shown = _shown_error(page)
        raise PageFailed(shown or f"not rendered within {PAGE_LIMIT_S:.0f} s: "
                                  f"{str(exc).splitlines()[0][:300]}") from None
    driver = time.perf_counter() - start
    shown = _shown_error(page)
    if shown:
        raise PageFailed(shown)
    return float(stamped) / 1000, driver


def _loaded_s(page) -> float:  # type: ignore[no-untyped-def]
    """Seconds from navigation start to DOMContentLoaded: Streamlit's main script in."""
    return page.evaluate("() => performance.getEntriesByType('navigation')[0]"
                         ".domContentLoadedEventEnd") / 1000


def _shown_error(page) -> str | None:  # type: ignore[no-untyped-def]
    """The error the page shows (a traceback or the API's message), if any."""
    for box in (page.get_by_test_id("stException"), page.get_by_test_id("stAlert").filter(
            has_text="The API answered with an error")):
        if box.count():
            return "the page shows an error: " + box.first.inner_text()[:300].replace("\n", " ")
    return None


def _post_till_lines(api: str) -> None:
    """The data's day of till lines, posted dated the first forecast day (the day after the
    last of ``sales``) with ids of their own, so the Live page has a day with a morning forecast
    (duplicates are counted once, so a second run changes nothing)."""
    import polars as pl

    till = _cli("token", "create", "--role", "till", "--name", "bench-dashboard-till").strip()
    lines = pl.read_parquet(DATA / "transactions.parquet")
    last_sale = pl.read_parquet(DATA / "sales.parquet", columns=["date"])["date"].max()
    shift = last_sale + timedelta(days=1) - lines["timestamp"].dt.date().max()
    lines = lines.with_columns(
        (pl.col("transaction_id") + "-d" + str(shift.days)).alias("transaction_id"),
        (pl.col("timestamp") + shift).dt.strftime("%Y-%m-%dT%H:%M:%S%.f%:z"))
    t0 = time.perf_counter()
    for start in range(0, lines.height, 5_000):
        batch = lines.slice(start, 5_000).to_dicts()
        answer = httpx.post(f"{api}/api/transactions/", json={"transactions": batch},
                            headers={"Authorization": f"Token {till}"}, timeout=300)
        if answer.status_code != 200:
            sys.exit(f"posting till lines: {answer.status_code} {answer.text[:500]}")
    print(f"posted {lines.height:,} till lines in {time.perf_counter() - t0:.0f} s", flush=True)


def run(repeat: int, settle: float, returning: bool, dwell: float, new_browser: bool) -> None:
    from playwright.sync_api import sync_playwright

    token = _cli("token", "create", "--role", "viewer", "--name", "bench-dashboard").strip()
    api_port, ui_port = _free_port(), _free_port()
    api = f"http://127.0.0.1:{api_port}"
    ui = f"http://127.0.0.1:{ui_port}"
    server = _start(["serve", "--port", str(api_port), "--log-level", "warning"],
                    f"{api}/api/health/", OUT / "serve.log")
    dashboard = None
    try:
        _post_till_lines(api)
        # The server's live worker digests the burst of 215,000 lines (every SKU's round) for
        # some seconds: --settle waits that out, so the pages are timed on an idle server.
        time.sleep(settle)
        dashboard = subprocess.Popen(
            [sys.executable, "-m", "shelfcast", "dashboard", "--port", str(ui_port)],
            env={**_env(), "SHELFCAST_API_URL": api, "SHELFCAST_TOKEN": token},
            stdout=(OUT / "dashboard.log").open("w"), stderr=subprocess.STDOUT)
        deadline = time.monotonic() + STARTUP_LIMIT_S
        while True:
            if _answers(f"{ui}/_stcore/health"):
                break
            if dashboard.poll() is not None or time.monotonic() > deadline:
                sys.exit(f"the dashboard did not start:\n{(OUT / 'dashboard.log').read_text()}")
            time.sleep(0.5)
        rows = []
        with sync_playwright() as playwright:
            def open_browser():  # type: ignore[no-untyped-def]
                browser = playwright.chromium.launch(executable_path=CHROMIUM,
                                                     args=CHROMIUM_ARGS, headless=True)
                page = browser.new_page(viewport={"width": 1400, "height": 1000})
                page.add_init_script(RENDER_PROBE)
                return browser, page

            browser, page = open_browser()
            if returning:
                # A returning visitor: the browser holds Streamlit's JavaScript from an earlier
                # visit (the Upload page reads no data, so no page's data cache is warmed).
                _render(page, f"{ui}/upload", "Upload", "shelfcast validate", False)
            for path, heading, text, chart in PAGES:
                url = f"{ui}/{path}"
                if new_browser and rows:  # each page the first of a browser of its own
                    browser.close()
                    browser, page = open_browser()
                try:
                    cold, cold_driver = _render(page, url, heading, text, chart)
                    cold_loaded = _loaded_s(page)
                    time.sleep(dwell)
                    warm, warm_driver = [], []
                    for _ in range(repeat):
                        seen, driver = _render(page, url, heading, text, chart)
                        warm.append(seen)
                        warm_driver.append(driver)
                        time.sleep(dwell)
                except PageFailed as exc:
                    page.screenshot(path=str(OUT / f"{path or 'live'}.png"), full_page=True)
                    rows.append({"page": heading, "failed": str(exc)})
                    print(f"{heading:14s} FAILED: {exc}", flush=True)
                    continue
                page.screenshot(path=str(OUT / f"{path or 'live'}.png"), full_page=True)
                warm_median = statistics.median(warm) if warm else None
                rows.append({"page": heading, "cold_s": round(cold, 2),
                             "cold_driver_s": round(cold_driver, 2),
                             "cold_main_script_s": round(cold_loaded, 2),
                             "warm_median_s": None if warm_median is None
                             else round(warm_median, 2),
                             "warm_s": [round(w, 2) for w in warm],
                             "warm_driver_s": [round(w, 2) for w in warm_driver]})
                print(f"{heading:14s} cold {cold:6.2f} s (driver {cold_driver:5.2f}, main "
                      f"script {cold_loaded:4.2f})  warm "
                      f"{warm_median if warm else float('nan'):6.2f} s", flush=True)
            browser.close()
    finally:
        if dashboard is not None:
            _stop(dashboard)
        _stop(server)
    result = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "load_average": os.getloadavg(),
        "data": str(DATA.relative_to(ROOT)),
        "database": "postgresql",
        "repeat": repeat,
        "settle_s": settle,
        "returning_browser": returning,
        "dwell_s": dwell,
        "new_browser_each_page": new_browser,
        "pages": rows,
    }
    (OUT / "render.json").write_text(json.dumps(result, indent=1))
    print(json.dumps({k: v for k, v in result.items() if k != "pages"}, indent=1))
    failed = [row["page"] for row in rows if "failed" in row]
    if failed:  # every page was still timed; the exit status says some did not render
        sys.exit(f"{len(failed)} page(s) failed: {', '.join(failed)} (render.json has why)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("step", choices=["make", "run"])
    parser.add_argument("--repeat", type=int, default=3, help="warm loads per page")
    browsers = parser.add_mutually_exclusive_group()
    browsers.add_argument("--returning", action="store_true",
                          help="open the Upload page once first (a browser that has the app's "
                               "JavaScript cached), untimed")
    browsers.add_argument("--new-browser", action="store_true",
                          help="open each page in a new browser, as its first page (a visitor "
                               "arriving by a link: nothing of Streamlit's loaded yet)")
    parser.add_argument("--dwell", type=float, default=0.0,
                        help="seconds spent on each page once rendered, before the next load "
                             "(a reader; 0: the next load starts at once)")
    parser.add_argument("--settle", type=float, default=0.0,
                        help="seconds to wait after posting the till lines, before the pages")
    args = parser.parse_args()
    global DATABASE_URL
    OUT.mkdir(parents=True, exist_ok=True)
    with KeptPostgres(PG) as url:
        DATABASE_URL = url
        if args.step == "make":
            make()
        else:
            run(args.repeat, args.settle, args.returning, args.dwell, args.new_browser)


if __name__ == "__main__":
    main()
