"""Over real HTTP: a ``shelfcast serve`` process whose request threads and queue are full
answers at once 503 in the error shape with ``Retry-After``, and serves again once a thread
is free (``cli/serve_app.py``)."""

from __future__ import annotations

import socket
import time
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from tests.server.test_serve_http import _environment, _serving

FULL_WITHIN_S = 60  # how long the held request may take to reach its thread (not a measurement)
ANSWER_WAIT_S = 1.0  # how long to look for an answer to the held request (not a measurement)


def _hold_the_thread(host: str | None, port: int | None, body: bytes) -> socket.socket:
    """A connection whose request holds the one request thread: its body has not all arrived
    (the request takes its thread before Django reads the body). The thread is handed back
    just after an answer has left, so a request sent right after one (the start-up's health
    check) may find it not yet back and be turned away at once: then it has an answer
    waiting, and it is sent again."""
    for _ in range(20):
        held = socket.create_connection((host, port))
        held.sendall(b"POST /api/predict/ HTTP/1.1\r\nHost: localhost\r\n"
                     b"Content-Type: application/json\r\n"
                     + f"Content-Length: {len(body)}\r\n\r\n".encode() + body[:3])
        held.settimeout(ANSWER_WAIT_S)
        try:
            early = held.recv(65536)
        except TimeoutError:
            return held  # no answer: it holds the thread
        held.close()
        assert early.startswith(b"HTTP/1.1 503"), early[:200]
    raise AssertionError("every request meant to hold the thread was turned away")


def test_a_full_server_answers_503_with_retry_after_then_recovers(tmp_path: Path) -> None:
    env = _environment(tmp_path)
    env.update(SHELFCAST_REQUEST_THREADS="1", SHELFCAST_REQUEST_QUEUE="0")
    body = b'{"items": []}'
    with _serving(env, tmp_path) as (url, _):
        parts = urlsplit(url)
        held = _hold_the_thread(parts.hostname, parts.port, body)
        deadline = time.monotonic() + FULL_WITHIN_S
        while True:
            busy = httpx.get(f"{url}/api/health/", timeout=30)
            if busy.status_code == 503:
                break
            assert busy.status_code == 200, busy.text
            assert time.monotonic() < deadline, "the held request never took the thread"
            time.sleep(0.05)
        assert busy.headers["Retry-After"] == "1"
        assert busy.json() == {"error": "overloaded", "message": busy.json()["message"],
                               "details": {}}

        held.sendall(body[3:])  # the held request completes: answered, not turned away
        held.settimeout(30)
        answer = held.recv(65536)
        held.close()
        assert answer.startswith(b"HTTP/1.1 401"), answer[:200]  # no token: the view ran
        assert httpx.get(f"{url}/api/health/", timeout=30).status_code == 200
        metrics = httpx.get(f"{url}/metrics", timeout=30).text
        assert 'shelfcast_http_requests_total{method="GET",route="overloaded",status="503"}' \
            in metrics
