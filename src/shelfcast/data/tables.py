"""Files <-> frames, by the file's name: ``.csv``, ``.csv.gz``, ``.parquet``, ``.xlsx``, ``.json``, ``.jsonl``.

Writing lives here; reading (with type coercion and the checks on what a file really is)
is in ``shelfcast.data.read``.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import polars as pl

from shelfcast.errors import ShelfcastError

__all__ = ["FILE_SUFFIXES", "file_format", "write_table"]

FILE_SUFFIXES: tuple[str, ...] = (".csv.gz", ".csv", ".parquet", ".xlsx", ".jsonl", ".json")
"""The suffixes a table may have, longest first so that ``.csv.gz`` wins over ``.csv``."""


def file_format(path: str | Path) -> str:
    """The format named by a file's suffix: ``csv``, ``csv.gz``, ``parquet``, ``xlsx``, ``json``, ``jsonl``."""
    name = Path(path).name.lower()
    for suffix in FILE_SUFFIXES:
        if name.endswith(suffix):
            return suffix[1:]
    raise ShelfcastError(
        f"{Path(path).name}: cannot tell the file type from its name "
        f"(expected one of {', '.join(FILE_SUFFIXES)})",
        details={"file": str(path)},
    )


def write_table(df: pl.DataFrame, path: str | Path) -> Path:
    """Write ``df`` in the format its name says; dates as ``YYYY-MM-DD``. Returns the path."""
    path = Path(path)
    fmt = file_format(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "parquet":
        df.write_parquet(path)
    elif fmt == "csv":
        df.write_csv(path)
    elif fmt == "csv.gz":
        with gzip.open(path, "wb") as fh:
            df.write_csv(fh)
    elif fmt == "xlsx":
        df.write_excel(path, autofit=False)
    elif fmt == "json":
        df.write_json(path)
    else:  # jsonl
        df.write_ndjson(path)
    return path
