"""What drawing a first Plotly figure costs a new document in headless Chromium, with the full
plotly.js (every trace type, as Streamlit's own Plotly element carries it) and with the basic
build the dashboard serves (scatter, bar, pie: ``shelfcast.dashboard.charts``).

    .venv/bin/python benchmarks/bench_plotly_js.py [--runs 5]

Both builds are the same plotly.js version: the full one from the Python ``plotly`` package
(``package_data/plotly.min.js``), the basic one as ``make install`` put it beside the dashboard.
A bare page per build, served over loopback HTTP; each run a new browser (nothing cached).
Per run: the script's load (fetch, compile and run, from before its ``<script>`` element to
after it) and the first ``Plotly.newPlot`` of a two-trace figure (a line and bars), in ms of
``performance.now()``. Output: ``benchmarks/out/plotly_js.json`` and a table on stdout.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import json
import os
import platform
import shutil
import statistics
import sys
import tempfile
import threading
from datetime import UTC, datetime
from pathlib import Path

import plotly
from plotly.offline import get_plotlyjs_version

from shelfcast.dashboard import charts

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_dashboard import CHROMIUM, CHROMIUM_ARGS  # noqa: E402  (the same browser)

ROOT = Path(__file__).resolve().parent
OUT = ROOT / "out" / "plotly_js.json"
BUILDS = {"full": Path(plotly.__file__).parent / "package_data" / "plotly.min.js",
          "basic": charts.PLOTLY_JS}
PAGE = """<html><body><div id="figure" style="width:800px;height:400px"></div>
<script>window.before = performance.now()</script>
<script src="{script}"></script>
<script>
  window.loaded = performance.now();
  Plotly.newPlot("figure", [{{x: [1, 2, 3, 4, 5], y: [3, 1, 4, 1, 5], type: "scatter"}},
                            {{x: [1, 2, 3], y: [2, 2, 3], type: "bar"}}])
    .then(() => {{ window.drawn = performance.now(); }});
</script></body></html>"""


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002
        """No line on stderr per request."""


def _serve(folder: Path) -> http.server.ThreadingHTTPServer:
    handler = functools.partial(_Quiet, directory=str(folder))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="new browsers per build")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    missing = [str(path) for path in BUILDS.values() if not path.is_file()]
    if missing:
        raise SystemExit(f"missing: {', '.join(missing)} (run `make install`)")
    timings: dict[str, list[dict[str, float]]] = {name: [] for name in BUILDS}
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        for name, script in BUILDS.items():
            shutil.copy(script, folder / script.name)
            (folder / f"{name}.html").write_text(PAGE.format(script=script.name))
        server = _serve(folder)
        url = f"http://127.0.0.1:{server.server_address[1]}"
        try:
            with sync_playwright() as playwright:
                for _ in range(args.runs):
                    for name in BUILDS:  # interleaved, so a slow spell hits both
                        browser = playwright.chromium.launch(
                            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
                        page = browser.new_page()
                        page.goto(f"{url}/{name}.html")
                        page.wait_for_function("() => window.drawn !== undefined")
                        before, loaded, drawn = page.evaluate(
                            "[window.before, window.loaded, window.drawn]")
                        timings[name].append({"load_ms": round(loaded - before),
                                              "first_plot_ms": round(drawn - loaded)})
                        browser.close()
        finally:
            server.shutdown()
    result = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.machine()}, {os.cpu_count()} cores",
        "load_average": os.getloadavg(),
        "plotly_js": get_plotlyjs_version(),
        "sizes_bytes": {name: path.stat().st_size for name, path in BUILDS.items()},
        "runs": timings,
    }
    OUT.parent.mkdir(parents=True, exist_ok=True)
    OUT.write_text(json.dumps(result, indent=1))
    print(f"plotly.js {result['plotly_js']}, {args.runs} new browsers per build")
    for name, runs in timings.items():
        loads = [r["load_ms"] for r in runs]
        plots = [r["first_plot_ms"] for r in runs]
        print(f"{name:6s} {result['sizes_bytes'][name] / 1e6:4.1f} MB  load median "
              f"{statistics.median(loads):5.0f} ms {loads}  first newPlot median "
              f"{statistics.median(plots):4.0f} ms {plots}")


if __name__ == "__main__":
    main()
