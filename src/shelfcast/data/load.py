"""The dataset folder -> a validated ``Dataset``, or a report of everything that is wrong.

Each table is the file named after it, with any allowed suffix (``sales.csv``,
``sales.parquet``...). Two files for one table are an error (which one would be meant?);
other files are noted and ignored.
"""

from __future__ import annotations

from pathlib import Path

import polars as pl

from shelfcast.config import Settings
from shelfcast.data.dataset import Dataset
from shelfcast.data.read import read_raw, table_name
from shelfcast.data.report import Issue, ValidationReport
from shelfcast.data.schema import REQUIRED_TABLES, TABLES
from shelfcast.data.tables import FILE_SUFFIXES, file_format
from shelfcast.data.validate import validate_tables
from shelfcast.errors import DatasetNotFoundError, ShelfcastError

__all__ = ["find_tables", "validate_folder", "load_dataset", "IMPORT_REPORT"]

IMPORT_REPORT = "import_report.json"
"""Written by ``shelfcast ingest`` beside the tables."""


def find_tables(path: str | Path) -> tuple[dict[str, Path], ValidationReport]:
    """The file of each table in the folder, and what is odd about the folder's files.

    Raises ``DatasetNotFoundError`` when ``path`` is not a folder.
    """
    folder = Path(path)
    if not folder.exists():
        raise DatasetNotFoundError(f"{folder}: no such folder", details={"path": str(folder)})
    if not folder.is_dir():
        raise DatasetNotFoundError(
            f"{folder}: not a folder (give the folder that holds sales.csv and the other tables)",
            details={"path": str(folder)},
        )
    report = ValidationReport()
    found: dict[str, list[Path]] = {}
    for entry in sorted(folder.iterdir()):
        name = entry.name
        if name.startswith((".", "~$")):
            continue  # hidden files, Excel's lock files
        if entry.is_dir():
            report.notes.append(f"{name}/: a folder, ignored")
            continue
        try:
            file_format(entry)
        except ShelfcastError:
            stem = name.split(".", 1)[0]
            if stem.lower() in TABLES:
                report.add(Issue(
                    "warning", "unsupported_format", name,
                    "looks like the table " f"{stem.lower()!r} but its format is not supported; "
                    "the file is ignored", expected=f"one of {', '.join(FILE_SUFFIXES)}",
                ))
            else:
                report.notes.append(f"{name}: not a table of the dataset folder, ignored")
            continue
        table = table_name(entry)
        if name == IMPORT_REPORT:
            report.notes.append(f"{name}: the import report of shelfcast ingest, not a table")
        elif table in TABLES:
            found.setdefault(table, []).append(entry)
        elif table.lower() in TABLES:
            report.add(Issue(
                "warning", "file_name_case", name,
                f"looks like the table {table.lower()!r}, but table names are lower-case; "
                f"the file is ignored (rename it {table.lower()}{name[len(table):]})",
            ))
        else:
            report.notes.append(f"{name}: not a table of the dataset folder, ignored")

    tables: dict[str, Path] = {}
    for table, paths in found.items():
        if len(paths) > 1:
            names = [p.name for p in paths]
            report.add(Issue(
                "error", "duplicate_table", names[0],
                f"{len(names)} files for the table {table!r}: {', '.join(names)}; "
                "which one is meant?", count=len(names), values=tuple(names),
                expected="one file per table: remove or rename the others",
            ))
        else:
            tables[table] = paths[0]
    for table in REQUIRED_TABLES:
        if table not in found:
            report.add(Issue(
                "error", "missing_table", table,
                f"the required table {table!r} is not in {folder} "
                f"(found: {', '.join(p.name for p in sorted(folder.iterdir())) or 'nothing'})",
                expected=f"a file {table}.csv (or {table}.parquet, .xlsx, .json, .csv.gz ...)",
            ))
    return tables, report


def _read_folder(path: str | Path, settings: Settings | None, *, sort: bool
                 ) -> tuple[dict[str, pl.DataFrame], ValidationReport]:
    tables, report = find_tables(path)
    frames: dict[str, pl.DataFrame] = {}
    files: dict[str, str] = {}
    for table in TABLES:  # in the contract's order, so that sales is read first
        if table not in tables:
            continue
        frame, issues = read_raw(tables[table], table=table)
        report.issues.extend(issues)
        if frame is not None:
            frames[table] = frame
            files[table] = tables[table].name
    typed, checked = validate_tables(frames, files=files, settings=settings, sort=sort)
    report.extend(checked)
    # Sort the issues by table so that each file's problems read together.
    order = {files.get(t, t): i for i, t in enumerate(TABLES)}
    report.issues.sort(key=lambda issue: order.get(issue.file, len(order)))
    return typed, report


def validate_folder(path: str | Path, *, settings: Settings | None = None) -> ValidationReport:
    """Every problem of the dataset folder at ``path``; raises only when there is no folder."""
    return _read_folder(path, settings, sort=False)[1]


def load_dataset(path: str | Path, *, settings: Settings | None = None) -> Dataset:
    """The dataset folder at ``path``, read, typed and validated.

    Raises ``DatasetNotFoundError`` when the folder or its ``sales`` table is missing and
    ``DataValidationError`` listing every error otherwise; warnings stay in
    ``dataset.report``.
    """
    typed, report = _read_folder(path, settings, sort=True)
    missing = [i for i in report.errors if i.code == "missing_table"]
    if missing:
        raise DatasetNotFoundError(missing[0].message, details={"path": str(path)})
    report.raise_for_errors()
    return Dataset(
        sales=typed["sales"],
        future=typed.get("future"),
        events=typed.get("events"),
        stores=typed.get("stores"),
        items=typed.get("items"),
        weather=typed.get("weather"),
        inventory=typed.get("inventory"),
        transactions=typed.get("transactions"),
        source=Path(path),
        report=report,
    )
