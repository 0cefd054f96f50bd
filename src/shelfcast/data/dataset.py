"""The dataset object: every table of the dataset folder, read, typed and validated."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import polars as pl

from shelfcast.data.report import ValidationReport
from shelfcast.data.schema import DATE, SALES_RESERVED

__all__ = ["Dataset"]


@dataclass(frozen=True)
class Dataset:
    """A validated dataset folder. Only ``sales`` is required; absent tables are ``None``.

    Column types follow ``shelfcast.data.schema``. ``sales`` is sorted by store, item, date
    and has no duplicate keys; ``future`` (when given) has the same covariate columns as
    ``sales``.
    """

    sales: pl.DataFrame
    future: pl.DataFrame | None = None
    events: pl.DataFrame | None = None
    stores: pl.DataFrame | None = None
    items: pl.DataFrame | None = None
    weather: pl.DataFrame | None = None
    inventory: pl.DataFrame | None = None
    transactions: pl.DataFrame | None = None
    source: Path | None = None
    report: ValidationReport = field(default_factory=ValidationReport)

    @property
    def covariates(self) -> list[str]:
        """Columns of ``sales`` known in advance (price, promo, open and any extra numbers)."""
        return [c for c in self.sales.columns if c not in SALES_RESERVED]

    @property
    def first_date(self) -> date:
        return self.sales[DATE].min()  # type: ignore[return-value]

    @property
    def last_date(self) -> date:
        return self.sales[DATE].max()  # type: ignore[return-value]
