"""What validation found: issues that name the file, column, rows and values.

Row numbers count data rows from 1 (the header not included), as a spreadsheet shows
them from its second line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from collections.abc import Sequence
from typing import Any, Literal

from shelfcast.errors import DataValidationError

__all__ = ["Issue", "ValidationReport", "MAX_EXAMPLES", "quote_rows"]

MAX_EXAMPLES = 5
"""How many row numbers and values an issue quotes."""


def quote_rows(rows: Sequence[int], values: Sequence[Any] = (), *, count: int | None = None) -> str:
    """``row 4; value -2.0`` or ``rows 3, 17, ...; values 'x', 'y'``: the examples an issue quotes."""
    many = len(rows) > 1 or (count or 0) > 1
    more = ", ..." if count is not None and count > len(rows) else ""
    text = f"{'rows' if many else 'row'} {', '.join(map(str, rows))}{more}"
    if values:
        text += f"; {'values' if len(values) > 1 else 'value'} {', '.join(repr(v) for v in values)}"
    return text


@dataclass(frozen=True)
class Issue:
    """One problem (``level="error"``) or suspicion (``level="warning"``) in one file."""

    level: Literal["error", "warning", "info"]
    code: str
    file: str
    message: str
    column: str | None = None
    count: int = 0
    rows: tuple[int, ...] = ()
    values: tuple[Any, ...] = ()
    expected: str | None = None

    def __str__(self) -> str:
        where = self.file + (f", column {self.column!r}" if self.column else "")
        text = f"{where}: {self.message}"
        if self.rows:
            text += f" ({quote_rows(self.rows, self.values, count=self.count)})"
        if self.expected:
            text += f"; expected {self.expected}"
        return text

    def to_dict(self) -> dict[str, Any]:
        return {
            "level": self.level, "code": self.code, "file": self.file, "column": self.column,
            "count": self.count, "rows": list(self.rows), "values": [_jsonable(v) for v in self.values],
            "expected": self.expected, "message": str(self),
        }


def _jsonable(value: Any) -> Any:
    return value if isinstance(value, (str, int, float, bool, type(None))) else str(value)


@dataclass
class ValidationReport:
    """Every issue of every file, plus what was read (rows per table) and what was skipped."""

    issues: list[Issue] = field(default_factory=list)
    tables: dict[str, int] = field(default_factory=dict)
    """Rows read per table name."""
    notes: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.level == "error"]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.level == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors

    def add(self, issue: Issue) -> None:
        self.issues.append(issue)

    def extend(self, other: ValidationReport) -> None:
        self.issues.extend(other.issues)
        self.tables.update(other.tables)
        self.notes.extend(other.notes)

    def raise_for_errors(self) -> None:
        """Raise one DataValidationError listing every error, if there is any."""
        if self.errors:
            lines = [str(e) for e in self.errors]
            head = f"{len(lines)} error{'s' if len(lines) > 1 else ''} in the data:\n- "
            raise DataValidationError(
                head + "\n- ".join(lines), details={"issues": [e.to_dict() for e in self.errors]}
            )

    def to_dict(self) -> dict[str, Any]:
        return {
            "ok": self.ok, "tables": dict(self.tables), "notes": list(self.notes),
            "errors": [i.to_dict() for i in self.errors],
            "warnings": [i.to_dict() for i in self.warnings],
        }
