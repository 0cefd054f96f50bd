"""shelfcast.logs: a JSON object a line carrying the context's fields, or plain text."""

from __future__ import annotations

import json
import logging
import threading

import pytest

from shelfcast.logs import (
    JsonFormatter,
    TextFormatter,
    annotate,
    log_context,
    log_format,
    logging_config,
)


def _record(msg: str = "hello %s", args: tuple = ("world",), **extra: object) -> logging.LogRecord:
    record = logging.makeLogRecord({"name": "shelfcast.test", "levelname": "INFO",
                                    "levelno": logging.INFO, "msg": msg, "args": args})
    record.__dict__.update(extra)
    return record


def test_a_json_line_carries_the_context_and_the_extra_fields() -> None:
    with log_context(request_id="r-1", store_id="S1") as context:
        # A view running in another thread with a copy of the context still annotates
        # the request's own dict (Django's sync views under ASGI).
        import contextvars

        ctx = contextvars.copy_context()
        worker = threading.Thread(target=ctx.run, args=(annotate,),
                                  kwargs={"model_version": "v3", "item_id": "I9"})
        worker.start()
        worker.join()
        line = JsonFormatter().format(_record(latency_ms=12.5))
    assert context["model_version"] == "v3"
    parsed = json.loads(line)
    assert "\n" not in line
    assert parsed["message"] == "hello world" and parsed["level"] == "INFO"
    assert parsed["logger"] == "shelfcast.test" and parsed["time"].endswith("+00:00")
    assert {k: parsed[k] for k in ("request_id", "store_id", "item_id", "model_version",
                                   "latency_ms")} == {
        "request_id": "r-1", "store_id": "S1", "item_id": "I9", "model_version": "v3",
        "latency_ms": 12.5}


def test_outside_a_context_a_line_has_only_its_own_fields() -> None:
    import contextvars

    def outside() -> str:
        annotate(store_id="S1")  # no context open: nothing to add to, nothing leaks
        return JsonFormatter().format(_record())

    parsed = json.loads(contextvars.Context().run(outside))
    assert "store_id" not in parsed and "request_id" not in parsed


def test_an_exception_stays_inside_the_one_json_line() -> None:
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        import sys

        record = _record(exc_info=sys.exc_info())
    line = JsonFormatter().format(record)
    assert len(line.splitlines()) == 1
    assert "RuntimeError: boom" in json.loads(line)["exception"]


def test_text_lines_put_the_fields_after_the_message() -> None:
    with log_context(request_id="r-2"):
        text = TextFormatter().format(_record(status=200))
    assert text.endswith("shelfcast.test: hello world request_id=r-2 status=200")


def test_the_format_setting_is_checked(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("LOG_FORMAT", raising=False)
    assert log_format() == "text"
    monkeypatch.setenv("LOG_FORMAT", "JSON")
    assert logging_config()["handlers"]["console"]["formatter"] == "json"
    with pytest.raises(ValueError, match="LOG_FORMAT='yaml': expected one of json, text"):
        log_format("yaml")
