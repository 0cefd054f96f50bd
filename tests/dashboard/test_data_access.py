"""The dashboard's HTTP client against a real local HTTP/1.1 server: connections are kept
alive between reads, no cookie is kept from one request to the next, and the Live page's two
reads are in flight together."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from shelfcast.dashboard import data_access as da


class _JSONHandler(BaseHTTPRequestHandler):
    """A test API: answers JSON, keeps the test output free of its request log."""

    protocol_version = "HTTP/1.1"  # keep-alive unless the client closes

    def send_json(self, status: int, payload: object, *headers: tuple[str, str]) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers:
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        """Silenced: the base class writes every request to stderr."""


class _Handler(_JSONHandler):
    seen: list[dict[str, str | int]] = []

    def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
        type(self).seen.append({"port": self.client_address[1],
                                "cookie": self.headers.get("Cookie", ""),
                                "auth": self.headers.get("Authorization", "")})
        self.send_json(200, {"path": self.path}, ("Set-Cookie", "sessionid=visitor-a; Path=/"))


@pytest.fixture
def api() -> Iterator[da.Connection]:
    _Handler.seen = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield da.Connection(url=f"http://127.0.0.1:{server.server_address[1]}", token="t0k")
    finally:
        server.shutdown()
        server.server_close()


def test_reads_reuse_one_connection(api: da.Connection) -> None:
    for i in range(3):
        assert da.get_json(api, f"/api/x/{i}/") == {"path": f"/api/x/{i}/"}
    ports = {r["port"] for r in _Handler.seen}
    assert len(_Handler.seen) == 3
    assert len(ports) == 1, "each read opened a new connection"
    assert all(r["auth"] == "Token t0k" for r in _Handler.seen)


def test_no_cookie_is_kept_between_requests(api: da.Connection) -> None:
    da.get_json(api, "/api/a/")
    da.get_json(api, "/api/b/")
    assert [r["cookie"] for r in _Handler.seen] == ["", ""]


class _LiveHandler(_JSONHandler):
    """/api/live/ and /api/alerts/ answer only once both are in flight together."""

    both: threading.Barrier

    def do_GET(self) -> None:  # noqa: N802 (the standard library's name)
        try:
            type(self).both.wait(timeout=10)
            status, payload = 200, (
                {"date": "2026-11-24", "count": 7,
                 "stores": [{"store_id": "S1", "lines": 2, "units": 3.0}],
                 "results": [{"store_id": "S1", "item_id": "I1", "units": 3.0, "lines": 2}]}
                if self.path.startswith("/api/live/") else
                {"count": 12, "results": [{"store_id": "S1", "item_id": "I1", "kind": "low"}]})
        except threading.BrokenBarrierError:
            status, payload = 500, {"message": "the other read never came while this one waited"}
        self.send_json(status, payload)


def test_the_live_pages_two_reads_are_sent_at_once() -> None:
    _LiveHandler.both = threading.Barrier(2)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _LiveHandler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        conn = da.Connection(url=f"http://127.0.0.1:{server.server_address[1]}", token="t")
        live, alerts = da.load_live_view(conn, 10)
    finally:
        server.shutdown()
        server.server_close()
    assert live["date"] == "2026-11-24" and live["item_count"] == 7
    assert list(live["stores"]["units"]) == [3.0] and list(live["items"]["item_id"]) == ["I1"]
    assert list(alerts["kind"]) == ["low"] and alerts.attrs["count"] == 12
