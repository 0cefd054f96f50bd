"""Requests to a real ``shelfcast serve`` with LOG_FORMAT=json: one JSON log line each,
with the request id (the caller's, echoed in X-Request-ID, or one made up), the store and
item asked for, the status and the latency; the model version of a prediction's answer."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.simulator.live_server import LiveServer


@pytest.fixture(scope="module")
def json_server(tmp_path_factory: pytest.TempPathFactory, chain_dir: Path) -> Iterator[LiveServer]:
    live = LiveServer(tmp_path_factory.mktemp("json-logs"), extra_env={"LOG_FORMAT": "json"})
    live.prepare(chain_dir)
    live.start()
    try:
        yield live
    finally:
        live.stop()


def _request_lines(server: LiveServer, request_id: str) -> list[dict]:
    """The request log's lines for that id (stderr is line-buffered: they come at once,
    the short wait only covers the write reaching the file)."""
    for _ in range(50):
        found = [json.loads(line) for line in server.log().splitlines()
                 if line.startswith("{") and request_id in line]
        found = [line for line in found if line["logger"] == "shelfcast.request"]
        if found:
            return found
        time.sleep(0.1)
    return []


def test_a_request_logs_one_json_line_with_its_fields(json_server: LiveServer) -> None:
    answer = httpx.get(f"{json_server.url}/api/sales/",
                       params={"store_id": "S01", "item_id": "I0001", "page_size": 5},
                       headers={"Authorization": f"Token {json_server.viewer}",
                                "X-Request-ID": "till-7-batch-42"}, timeout=60)
    assert answer.status_code == 200, answer.text
    assert answer.headers["X-Request-ID"] == "till-7-batch-42"
    (line,) = _request_lines(json_server, "till-7-batch-42")
    assert line["request_id"] == "till-7-batch-42" and line["level"] == "INFO"
    assert (line["method"], line["path"], line["status"]) == ("GET", "/api/sales/", 200)
    assert line["store_id"] == "S01" and line["item_id"] == "I0001"
    assert isinstance(line["latency_ms"], float) and line["latency_ms"] > 0
    # Every line of that server is JSON (uvicorn's own lines aside, which --log-level
    # warning keeps quiet here).
    for raw in json_server.log().splitlines():
        if raw.startswith("{"):
            json.loads(raw)


def test_a_request_without_a_usable_id_gets_one(json_server: LiveServer) -> None:
    answer = httpx.get(f"{json_server.url}/api/sales/?store_id=S02",
                       headers={"X-Request-ID": "bad id with spaces"}, timeout=30)
    assert answer.status_code == 401  # no token: an error is logged like any answer
    made = answer.headers["X-Request-ID"]
    assert len(made) == 32 and made.isalnum()
    (line,) = _request_lines(json_server, made)
    assert line["status"] == 401 and line["store_id"] == "S02"


def test_a_prediction_answer_names_its_model_version_store_and_item() -> None:
    from rest_framework.response import Response

    from shelfcast.server.core.request_log import _from_answer

    one = Response({"model_version": "20240301-1", "predictions": [
        {"store_id": "S1", "item_id": "I1"}, {"store_id": "S1", "item_id": "I1"}]})
    assert _from_answer(one) == {"model_version": "20240301-1", "store_id": "S1",
                                 "item_id": "I1"}
    mixed = Response({"model_version": "v", "predictions": [
        {"store_id": "S1", "item_id": "I1"}, {"store_id": "S2", "item_id": "I1"}]})
    assert _from_answer(mixed) == {"model_version": "v", "item_id": "I1"}
    assert _from_answer(Response([1, 2])) == {}
