"""One exception tree for the core; each edge (CLI, API, dashboard) translates it.

Every error carries a stable ``code`` (for programs) and a message a person can act on
(for people), plus ``details``: the data behind the message (file, column, rows, values).
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "ShelfcastError",
    "DataValidationError",
    "DatasetNotFoundError",
    "MappingError",
    "NotFittedError",
    "ModelNotFoundError",
    "ConfigurationError",
]


class ShelfcastError(Exception):
    """Base of every error the core raises on purpose."""

    code = "shelfcast_error"

    def __init__(self, message: str, *, details: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details or {}

    def to_dict(self) -> dict[str, Any]:
        """The API's error shape: ``{"error", "message", "details"}``."""
        return {"error": self.code, "message": self.message, "details": self.details}


class DataValidationError(ShelfcastError):
    """Input data break the contract. ``details["issues"]`` lists every problem found."""

    code = "invalid_data"


class DatasetNotFoundError(ShelfcastError):
    """The dataset folder, or its required ``sales`` table, does not exist."""

    code = "dataset_not_found"


class MappingError(ShelfcastError):
    """An import mapping (``shelfcast ingest --map``) is malformed or names missing columns."""

    code = "invalid_mapping"


class NotFittedError(ShelfcastError):
    """A model was asked to predict before ``fit`` (or ``load``)."""

    code = "not_fitted"


class ModelNotFoundError(ShelfcastError):
    """No saved model (or not the version asked for) in the model directory."""

    code = "model_not_found"


class ConfigurationError(ShelfcastError):
    """A setting is missing or has a value that cannot work."""

    code = "invalid_configuration"
