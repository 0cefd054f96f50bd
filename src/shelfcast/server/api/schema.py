"""OpenAPI additions: the error shape as a component, answered by every operation."""

from __future__ import annotations

from typing import Any

__all__ = ["ERROR_SCHEMA", "add_error_responses"]

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "error": {"type": "string", "description": "A stable code for programs"},
        "message": {"type": "string", "description": "What went wrong, for a person"},
        "details": {"type": "object", "additionalProperties": True,
                    "description": "The data behind the message (fields, values, limits)"},
    },
    "required": ["error", "message", "details"],
}

_ERRORS = {
    "400": "Invalid input or malformed JSON",
    "401": "No token, or an invalid one",
    "403": "The token's role may not do this",
    "404": "Not found",
    "405": "Method not allowed",
    "406": "Not acceptable",
    "413": "Body too large",
    "415": "Unsupported media type",
    "429": "Throttled",
    "500": "Server error",
    "503": "Unavailable: at capacity (retry after Retry-After) or no live model yet",
}
_OPEN = {"400", "404", "405", "406", "413", "415", "429", "500", "503"}


def add_error_responses(result: dict[str, Any], generator: Any, request: Any, public: bool
                        ) -> dict[str, Any]:
    """drf-spectacular post-processing hook: add ``Error`` and the error responses."""
    components = result.setdefault("components", {}).setdefault("schemas", {})
    components["Error"] = ERROR_SCHEMA
    ref = {"$ref": "#/components/schemas/Error"}
    for path_item in result.get("paths", {}).values():
        for operation in path_item.values():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            secured = bool(operation.get("security")) and {} not in operation["security"]
            for code, description in _ERRORS.items():
                if not secured and code not in _OPEN:
                    continue
                operation["responses"].setdefault(code, {
                    "description": description,
                    "content": {"application/json": {"schema": ref}},
                })
    return result
