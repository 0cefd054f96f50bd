"""An error raised by the core inside a Spark task, told on the driver as that error.

Spark wraps a Python worker's exception in its own (``PythonException`` with the worker's
traceback, or a Java one around it). The CLI must still print the core's message, not a
wall of stack traces: the last ``shelfcast.errors.<Name>: <message>`` in the text is it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from shelfcast import errors
from shelfcast.errors import ShelfcastError

__all__ = ["core_errors", "core_error_from"]

_MARK = "shelfcast.errors."
_STOPS = ("\n\tat ", "\nJVM stacktrace", "\n\n", "\n  File ")


def core_error_from(text: str) -> ShelfcastError | None:
    """The core error quoted in an executor's failure text, or None when there is none."""
    start = text.rfind(_MARK)
    if start < 0:
        return None
    name, _, message = text[start + len(_MARK):].partition(": ")
    for stop in _STOPS:
        message = message.split(stop, 1)[0]
    kind = getattr(errors, name.strip(), ShelfcastError)
    if not (isinstance(kind, type) and issubclass(kind, ShelfcastError)):
        kind = ShelfcastError
    return kind(message.strip())


@contextlib.contextmanager
def core_errors() -> Iterator[None]:
    """Run Spark actions; a core error raised on an executor comes out as itself."""
    from py4j.protocol import Py4JJavaError
    from pyspark.errors import PySparkException

    try:
        yield
    except (PySparkException, Py4JJavaError) as exc:
        found = core_error_from(str(exc))
        if found is None:
            raise ShelfcastError(f"the Spark job failed: {str(exc).splitlines()[0][:500]}") from exc
        raise found from exc
