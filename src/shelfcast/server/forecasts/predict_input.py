"""The body of ``POST /api/predict/`` checked as a whole (no serializer per item): every
problem named by item index and field, all of them in one answer."""

from __future__ import annotations

import math
from datetime import date
from typing import Any

from shelfcast.server.forecasts.serving import PredictionInputError as PredictInputError
from shelfcast.server.forecasts.serving import PredictRequest

__all__ = ["MAX_PREDICT_ITEMS", "MAX_ID_LENGTH", "MAX_PRICE", "MAX_PROMO", "PREDICT_REQUEST_SCHEMA", "PredictInputError", "predict_requests_parse"]

MAX_PREDICT_ITEMS = 1_000
"""Store-item-days in one call: a bigger batch is refused, not cut."""
MAX_ID_LENGTH = 64
MAX_PRICE = 1e9
MAX_PROMO = 1e6
"""Bounds far beyond any shelf, so that a what-if stays a finite number in float32."""
_FIELDS = frozenset({"store_id", "item_id", "date", "price", "promo"})


def _number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def _item(i: int, raw: Any, problems: list[dict[str, Any]]) -> PredictRequest | None:
    def bad(field: str, message: str) -> None:
        problems.append({"index": i, "field": field, "message": message})

    if not isinstance(raw, dict):
        bad("", f"expected an object with store_id and item_id, got {type(raw).__name__}")
        return None
    before = len(problems)
    for key in ("store_id", "item_id"):
        v = raw.get(key)
        if v is None:
            bad(key, "required")
        elif not isinstance(v, str) or not v:
            bad(key, f"expected a non-empty string, got {v!r}")
        elif len(v) > MAX_ID_LENGTH:
            bad(key, f"longer than {MAX_ID_LENGTH} characters")
    day = raw.get("date")
    if day is not None:
        try:
            day = date.fromisoformat(day) if isinstance(day, str) and len(day) == 10 else None
        except ValueError:
            day = None
        if day is None:
            bad("date", f"expected a date YYYY-MM-DD, got {raw.get('date')!r}")
    price = raw.get("price")
    if price is not None and not (_number(price) and 0 < price <= MAX_PRICE):
        bad("price", f"expected a number > 0 and at most {MAX_PRICE:g}, got {price!r}")
    promo = raw.get("promo")
    if promo is not None and not (_number(promo) and 0 <= promo <= MAX_PROMO):
        bad("promo", f"expected a number from 0 to {MAX_PROMO:g} (1 on promotion, 0 not), "
                     f"got {promo!r}")
    unknown = sorted(str(k) for k in raw if k not in _FIELDS)
    if unknown:
        bad(unknown[0], f"unknown field(s) {', '.join(unknown)}; expected {', '.join(sorted(_FIELDS))}")
    if len(problems) > before:
        return None
    return PredictRequest(store_id=raw["store_id"], item_id=raw["item_id"], date=day,
                          price=None if price is None else float(price),
                          promo=None if promo is None else float(promo))


def predict_requests_parse(body: Any) -> list[PredictRequest]:
    """The requests of a body ``{"items": [...]}``; raises ``PredictInputError`` listing
    every problem (``details.items``: index, field, message)."""
    if not isinstance(body, dict) or not isinstance(body.get("items"), list):
        raise PredictInputError(
            'expected a JSON object {"items": [{"store_id", "item_id", "date"?, "price"?, '
            '"promo"?}, ...]}', details={"field": "items"})
    items = body["items"]
    if len(items) > MAX_PREDICT_ITEMS:
        raise PredictInputError(
            f"{len(items)} items in one call; at most {MAX_PREDICT_ITEMS} are accepted",
            details={"field": "items", "limit": MAX_PREDICT_ITEMS, "count": len(items)})
    problems: list[dict[str, Any]] = []
    parsed = [_item(i, raw, problems) for i, raw in enumerate(items)]
    if problems:
        first = problems[0]
        where = f"items[{first['index']}]" + (f".{first['field']}" if first["field"] else "")
        more = f" (and {len(problems) - 1} more problems)" if len(problems) > 1 else ""
        raise PredictInputError(f"{where}: {first['message']}{more}", details={"items": problems})
    return [p for p in parsed if p is not None]


PREDICT_REQUEST_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["items"],
    "properties": {"items": {
        "type": "array", "maxItems": MAX_PREDICT_ITEMS,
        "items": {
            "type": "object", "additionalProperties": False,
            "required": ["store_id", "item_id"],
            "properties": {
                "store_id": {"type": "string", "minLength": 1, "maxLength": MAX_ID_LENGTH},
                "item_id": {"type": "string", "minLength": 1, "maxLength": MAX_ID_LENGTH},
                "date": {"type": "string", "format": "date", "nullable": True,
                         "description": "Default: tomorrow on the business clock"},
                "price": {"type": "number", "exclusiveMinimum": True, "minimum": 0,
                          "maximum": MAX_PRICE, "nullable": True,
                          "description": "What-if selling price that day"},
                "promo": {"type": "number", "minimum": 0, "maximum": MAX_PROMO, "nullable": True,
                          "description": "What-if promotion that day: 1 on, 0 off (or a depth)"},
            },
        },
    }},
}
"""The body as OpenAPI (3.0) says it: checked by ``predict_requests_parse``, not by this."""
