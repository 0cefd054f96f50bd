"""What an import read, wrote and left out: printed by ``shelfcast ingest`` and saved as
``import_report.json`` beside the tables it wrote. Nothing is dropped without a count."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["Dropped", "ImportReport", "REPORT_FILE"]

REPORT_FILE = "import_report.json"


@dataclass(frozen=True)
class Dropped:
    """Rows left out on purpose: ``count`` rows of ``source`` (a source, or an output
    table for whole series) for ``reason``."""

    table: str
    source: str
    reason: str
    count: int
    unit: str = "rows"


@dataclass
class ImportReport:
    """What an import read, wrote and left out."""

    mapping: str
    out_dir: str
    rows_read: dict[str, int] = field(default_factory=dict)
    """Per source name."""
    rows_written: dict[str, int] = field(default_factory=dict)
    """Per output table."""
    files: dict[str, str] = field(default_factory=dict)
    dropped: list[Dropped] = field(default_factory=list)
    negative_days: int = 0
    """(store, item, day) rows whose returns outweighed their sales, written as 0."""
    time_zone: str = "UTC"
    notes: list[str] = field(default_factory=list)

    def dropped_total(self, table: str | None = None) -> int:
        return sum(
            d.count
            for d in self.dropped
            if d.unit == "rows" and (table is None or d.table == table)
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "mapping": self.mapping,
            "out_dir": self.out_dir,
            "time_zone": self.time_zone,
            "rows_read": dict(self.rows_read),
            "rows_written": dict(self.rows_written),
            "files": dict(self.files),
            "dropped": [asdict(d) for d in self.dropped],
            "negative_days": self.negative_days,
            "notes": list(self.notes),
        }

    def lines(self) -> list[str]:
        """The report for a person, one fact a line."""
        out = ["Read: " + ", ".join(f"{k} {v:,} rows" for k, v in self.rows_read.items())]
        for d in self.dropped:
            out.append(f"Dropped from {d.table} ({d.source}): {d.count:,} {d.unit} - {d.reason}")
        if self.negative_days:
            out.append(f"Days whose returns outweighed sales, written as 0: {self.negative_days:,}")
        out.append("Wrote: " + ", ".join(f"{k} {v:,} rows" for k, v in self.rows_written.items()))
        out += [f"Note: {n}" for n in self.notes]
        return out
