"""Reading back the HTML of ``shelfcast.dashboard.html_parts`` with the standard library's
parser: the per-store rows' ``data-`` attributes and a table's header and cells; and the
figure a ``shelfcast.dashboard.charts`` element carries."""

from __future__ import annotations

import json
import re
from html.parser import HTMLParser
from typing import Any


class _Reader(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stores: list[dict[str, str]] = []
        self.header: list[str] = []
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None
        self._in_head = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = {k: v or "" for k, v in attrs}
        if "sc-store" in found.get("class", "").split():
            self.stores.append(found)
        if tag == "thead":
            self._in_head = True
        elif tag == "tr" and not self._in_head:
            self.rows.append([])
        elif tag in ("th", "td"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "thead":
            self._in_head = False
        elif tag in ("th", "td") and self._cell is not None:
            text = "".join(self._cell)
            (self.header if self._in_head else self.rows[-1]).append(text)
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def read(markup: str) -> _Reader:
    reader = _Reader()
    reader.feed(markup)
    reader.close()
    return reader


def as_number(text: str) -> float:
    """A cell's number back: ``1,234.5`` -> 1234.5."""
    return float(text.replace(",", ""))


def figure(body: str) -> dict[str, Any]:
    """The Plotly figure in the body of a ``charts.plotly_chart`` element (its JSON)."""
    found = re.search(r'<script type="application/json">(.*?)</script>', body, re.S)
    assert found, body[:200]
    return json.loads(found.group(1))
