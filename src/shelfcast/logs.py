"""Structured logs: one JSON object a line (``LOG_FORMAT=json``), or plain text for a
person at a terminal (``LOG_FORMAT=text``, the default outside containers).

Every line carries what is known of the work it belongs to — the request id, the store,
the item, the model version, the latency — from two places: ``extra={...}`` on the call,
and the *log context*, a dict that an edge (the request middleware, a job, a command)
opens with ``log_context()`` and that anything below it fills with ``annotate()``. The
context is one mutable dict per request so that code running in another thread with a
copy of the request's context (Django's sync views under ASGI) still writes into it.

Standard library only: the core, the server, the worker and the commands all use it.
"""

from __future__ import annotations

import contextlib
import contextvars
import json
import logging
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

__all__ = [
    "FORMATS",
    "FIELDS",
    "JsonFormatter",
    "TextFormatter",
    "annotate",
    "current_context",
    "log_context",
    "process_context",
    "log_format",
    "logging_config",
    "configure_logging",
]

FORMATS = ("json", "text")
FIELDS = ("request_id", "store_id", "item_id", "model_version", "latency_ms", "method", "path",
          "status", "job_id", "command")
"""The fields a line may carry, in the order text logs show them."""

_context: contextvars.ContextVar[dict[str, Any] | None] = contextvars.ContextVar(
    "shelfcast_log_context", default=None)
# What every LogRecord has anyway: anything else on a record came from ``extra``.
_RECORD_ATTRS = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


@contextlib.contextmanager
def log_context(**fields: Any) -> Iterator[dict[str, Any]]:
    """Open a context for one unit of work; lines logged inside carry ``fields``."""
    token = _context.set({k: v for k, v in fields.items() if v is not None})
    try:
        yield _context.get()  # type: ignore[misc]
    finally:
        _context.reset(token)


def process_context(**fields: Any) -> None:
    """Fields every line of this process carries from now on (a command's name)."""
    _context.set({**current_context(), **{k: v for k, v in fields.items() if v is not None}})


def annotate(**fields: Any) -> None:
    """Add fields to the open context (nothing happens outside one)."""
    current = _context.get()
    if current is not None:
        current.update({k: v for k, v in fields.items() if v is not None})


def current_context() -> dict[str, Any]:
    return dict(_context.get() or {})


def _fields(record: logging.LogRecord) -> dict[str, Any]:
    fields = current_context()
    fields.update({k: v for k, v in record.__dict__.items()
                   if k not in _RECORD_ATTRS and not k.startswith("_")})
    return fields


class JsonFormatter(logging.Formatter):
    """``{"time", "level", "logger", "message", ...fields, "exception"?}`` on one line."""

    def format(self, record: logging.LogRecord) -> str:
        line: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        line.update(_fields(record))
        if record.exc_info:
            line["exception"] = self.formatException(record.exc_info)
        return json.dumps(line, default=str, ensure_ascii=False)


class TextFormatter(logging.Formatter):
    """``time LEVEL logger: message key=value ...`` for reading at a terminal."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        fields = _fields(record)
        ordered = [k for k in FIELDS if k in fields] + sorted(set(fields) - set(FIELDS))
        if not ordered:
            return text
        first, nl, rest = text.partition("\n")  # the fields stay on the message's line
        return first + " " + " ".join(f"{k}={fields[k]}" for k in ordered) + nl + rest


def log_format(value: str | None = None) -> str:
    """``LOG_FORMAT`` (json or text; default text), checked."""
    fmt = (value or os.environ.get("LOG_FORMAT") or "text").strip().lower()
    if fmt not in FORMATS:
        # Raised from settings and commands alike: a plain ValueError names the setting.
        raise ValueError(f"LOG_FORMAT={fmt!r}: expected one of {', '.join(FORMATS)}")
    return fmt


def logging_config(fmt: str | None = None, level: str | None = None) -> dict[str, Any]:
    """A ``logging.config.dictConfig`` dict (Django's ``LOGGING``) writing to stderr."""
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {
            "json": {"()": "shelfcast.logs.JsonFormatter"},
            "text": {"()": "shelfcast.logs.TextFormatter"},
        },
        "handlers": {"console": {"class": "logging.StreamHandler", "stream": "ext://sys.stderr",
                                 "formatter": log_format(fmt)}},
        "root": {"handlers": ["console"],
                 "level": (level or os.environ.get("LOG_LEVEL") or "INFO").upper()},
        # Each request is logged once, by shelfcast's request log; Django's own line for a
        # 4xx would repeat it.
        "loggers": {"django.request": {"level": "ERROR"},
                    # A line per HTTP call a client makes is noise (the simulator's, the
                    # dashboard's); the server logs each request once itself.
                    "httpx": {"level": "WARNING"}, "httpcore": {"level": "WARNING"}},
    }


def configure_logging(fmt: str | None = None, level: str | None = None) -> None:
    """Set up the process's logs (commands and the worker; Django uses ``LOGGING``)."""
    import logging.config

    logging.config.dictConfig(logging_config(fmt, level))
    logging.captureWarnings(True)
