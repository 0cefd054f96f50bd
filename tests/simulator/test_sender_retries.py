"""The sender against a flaky HTTP server (a stand-in for a proxy or a server in trouble):
5xx and 429 answers are retried with the very same batch; other 4xx stop at once."""

from __future__ import annotations

import json
import random
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from shelfcast.simulator.sender import MAX_DELAY_S, Sender, SimulatorError, backoff_delay

BATCH = [{"transaction_id": "T1", "timestamp": "2024-03-01T09:00:00+00:00", "store_id": "S1",
          "item_id": "I1", "quantity": 1.0}]


class Flaky:
    """Answers from a script of (status, headers); records every body it was sent."""

    def __init__(self, script: list[tuple[int, dict[str, str]]]) -> None:
        self.script, self.bodies = list(script), []
        flaky = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                flaky.bodies.append(self.rfile.read(int(self.headers["Content-Length"])))
                status, headers = flaky.script.pop(0) if flaky.script else (200, {})
                body = (json.dumps({"accepted": 1, "duplicate": 0, "rejected": []})
                        if status == 200 else
                        json.dumps({"error": "e", "message": "said by the server"}))
                self.send_response(status)
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(body.encode())

            def log_message(self, *_args: object) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"


@pytest.fixture
def flaky(request: pytest.FixtureRequest) -> Iterator[Flaky]:
    server = Flaky(request.param)
    thread = threading.Thread(target=server.server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.server.shutdown()
    server.server.server_close()


@pytest.mark.parametrize("flaky", [[(503, {}), (502, {}), (429, {"Retry-After": "0"})]],
                         indirect=True)
def test_failing_answers_are_retried_with_the_same_batch(flaky: Flaky) -> None:
    reasons: list[str] = []
    with Sender(flaky.url, "k", retry_for=30, on_retry=reasons.append) as sender:
        answer = sender.send(BATCH)
    assert answer == {"accepted": 1, "duplicate": 0, "rejected": []}
    assert reasons == ["HTTP 503", "HTTP 502", "HTTP 429"]
    assert len(flaky.bodies) == 4 and len(set(flaky.bodies)) == 1  # byte for byte the same


@pytest.mark.parametrize("flaky", [[(400, {})]], indirect=True)
def test_a_refused_batch_stops_with_the_servers_message(flaky: Flaky) -> None:
    with Sender(flaky.url, "k") as sender, pytest.raises(SimulatorError) as caught:
        sender.send(BATCH)
    assert "HTTP 400, e: said by the server" in caught.value.message
    assert len(flaky.bodies) == 1


@pytest.mark.parametrize("flaky", [[(500, {})] * 1000], indirect=True)
def test_a_server_failing_too_long_is_given_up(flaky: Flaky) -> None:
    with Sender(flaky.url, "k", retry_for=0.5) as sender, pytest.raises(SimulatorError) as caught:
        sender.send(BATCH)
    assert "did not take the batch for 0.5 s (last: HTTP 500)" in caught.value.message


def test_the_backoff_doubles_with_jitter_up_to_the_cap() -> None:
    rng = random.Random(0)
    for attempt in range(12):
        ceiling = min(MAX_DELAY_S, 0.25 * 2**attempt)
        delays = [backoff_delay(attempt, rng=rng) for _ in range(200)]
        assert all(0 <= d <= ceiling for d in delays)
        assert max(delays) > 0.8 * ceiling  # spread over the whole range: jittered
