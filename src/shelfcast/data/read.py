"""Read one table file into a frame, and say precisely when the file cannot be one.

``read_raw`` checks what the file really is (a CSV named ``.parquet``, a binary named
``.csv``, an ``.xlsx`` that is no workbook), that it is not empty, and that it parses; the
columns come back as the file holds them (strings for text formats, except on the CSV fast
path below). ``read_table`` adds the typing and the rules of the table
(``shelfcast.data.validate``).

CSV fast path: the columns that the table's spec makes numbers are parsed by the CSV reader
itself (``pl.Float64``), dates too when the first values are ``YYYY-MM-DD``, with the
streaming engine: a 10-million-row file then never exists as strings. If any value does not
parse, the file is read again with every column as a string so that validation can name the
rows and values.
"""

from __future__ import annotations

import codecs
import gzip
import re
import zipfile
from pathlib import Path

import polars as pl

from shelfcast.config import Settings
from shelfcast.data.report import Issue, ValidationReport
from shelfcast.data.spec import SPECS, TableSpec
from shelfcast.data.tables import file_format
from shelfcast.data.validate import validate_tables

__all__ = ["read_raw", "read_table", "table_name"]

_SNIFF_BYTES = 64 * 1024
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_FAILED_COLUMN = re.compile(r"at column '([^']+)'")
_FAST_KINDS = {"number": pl.Float64, "integer": pl.Float64, "flag": pl.Float64}


def table_name(path: str | Path) -> str:
    """``sales.csv.gz`` -> ``sales``: the name without the format's suffix."""
    name = Path(path).name
    return name[: len(name) - len(file_format(path)) - 1]


def read_raw(
    path: str | Path, *, table: str | None = None
) -> tuple[pl.DataFrame | None, list[Issue]]:
    """The file as a frame (``None`` when it cannot be read), and what is wrong with it.

    A file with a header and no rows gives a frame of height 0 and an error for ``sales``
    and ``future`` (there is nothing to learn from or to forecast), a warning elsewhere.
    """
    path = Path(path)
    fmt = file_format(path)
    table = table or table_name(path)
    file = path.name

    def error(code: str, message: str, expected: str | None = None) -> tuple[None, list[Issue]]:
        return None, [Issue("error", code, file, message, expected=expected)]

    size = path.stat().st_size
    if size == 0:
        return error("empty_file", "the file is empty (0 bytes)",
                     "a header line naming the columns, then one line per row")
    with path.open("rb") as fh:
        head = fh.read(_SNIFF_BYTES)
    kind = _sniff(head)
    if fmt == "csv.gz" and kind == "gzip":
        try:
            with gzip.open(path, "rb") as fh:
                head = fh.read(_SNIFF_BYTES)
        except (OSError, EOFError) as exc:
            return error("unreadable_file", f"the gzip data is damaged ({exc})")
        if not head.strip():
            return error("empty_file", "the file is empty once decompressed",
                         "a header line naming the columns, then one line per row")
        kind = _sniff(head)
        fmt = "csv"
    wanted = {"csv": "text", "csv.gz": "gzip", "parquet": "parquet", "xlsx": "zip",
              "json": "text", "jsonl": "text"}[fmt]
    if kind != wanted:
        return error("wrong_format", f"the name says {_FORMAT_NAMES[fmt]} but the content is "
                     f"{_KIND_NAMES[kind]}{_rename_hint(path, kind)}", _FORMAT_NAMES[fmt])
    if fmt == "xlsx" and not _is_workbook(path):
        return error("wrong_format", "the name says an Excel workbook but the content is a zip "
                     "archive without one", "an .xlsx workbook (its first sheet is read)")
    if fmt in ("json", "jsonl"):
        start = head.lstrip()[:1]
        if fmt == "json" and start != b"[":
            hint = " (one record a line? name it .jsonl)" if start == b"{" else ""
            return error("wrong_format", f"the JSON is not an array of records{hint}",
                         'an array of records: [{"date": "2024-01-01", ...}, ...]')
        if fmt == "jsonl" and start != b"{":
            return error("wrong_format", "the JSON lines do not hold one record a line",
                         'one record a line: {"date": "2024-01-01", ...}')
    if kind == "text" and (problem := _encoding_problem(head, complete=size <= _SNIFF_BYTES)):
        return error("bad_encoding", problem, "text encoded as UTF-8")
    if kind == "text" and b"\r" in head and b"\n" not in head:
        return error("bad_line_endings", "the lines end with a bare carriage return (old Mac "
                     "style), so the file reads as one line; save it with Windows or Unix line "
                     "endings", "lines ending with \\n or \\r\\n")
    header = head.split(b"\n", 1)[0].decode("utf-8", "replace").strip()
    if fmt == "csv" and "," not in header and (sep := _other_separator(header)):
        return error("wrong_separator", f"the columns are separated by {sep!r}, not commas, "
                     f"so the header reads as one column ({header!r})",
                     "comma-separated values (save as 'CSV UTF-8 (Comma delimited)')")

    spec = SPECS.get(table)
    try:
        frame = _read(path, fmt, spec)
    except pl.exceptions.NoDataError:
        return error("empty_file", "the file has no header and no rows",
                     "a header line naming the columns, then one line per row")
    except (pl.exceptions.PolarsError, OSError, ValueError) as exc:
        return error("unreadable_file",
                     f"cannot be read as {_FORMAT_NAMES[fmt]}: {_first_line(exc)}")

    issues = _check_columns(frame, file)
    frame = frame.drop([c for c in frame.columns if c == "" or c.startswith("_duplicated_")])
    if frame.height == 0 and not any(i.level == "error" for i in issues):
        level = "error" if table in ("sales", "future") else "warning"
        issues.append(Issue(level, "no_rows", file, "the file has no data rows"
                            + ("" if level == "error" else "; the table is ignored"),
                            expected="at least one row after the header"))
    return frame, issues


def read_table(path: str | Path, *, table: str | None = None,
               settings: Settings | None = None) -> pl.DataFrame:
    """One table file read, typed and checked alone (no cross-table rules).

    Raises ``DataValidationError`` listing every error of the file.
    """
    path = Path(path)
    table = table or table_name(path)
    frame, issues = read_raw(path, table=table)
    report = ValidationReport(issues=list(issues))
    if frame is not None and report.ok:
        frames, checked = validate_tables({table: frame}, files={table: path.name},
                                          settings=settings, cross_checks=False)
        report.extend(checked)
        frame = frames.get(table, frame)
    report.raise_for_errors()
    assert frame is not None
    return frame


# -- what a file really is ---------------------------------------------------------------

_FORMAT_NAMES = {"csv": "CSV", "csv.gz": "gzip-compressed CSV", "parquet": "Parquet",
                 "xlsx": "an Excel workbook", "json": "JSON", "jsonl": "JSON lines"}
_KIND_NAMES = {"parquet": "a Parquet file", "zip": "a zip archive (an Excel workbook?)",
               "gzip": "gzip-compressed", "binary": "binary data, not text", "text": "text",
               "ole": "an old Excel .xls (or other Office) file"}
_RENAME = {"parquet": ".parquet", "zip": ".xlsx", "gzip": ".csv.gz"}


def _sniff(head: bytes) -> str:
    if head.startswith(b"PAR1"):
        return "parquet"
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    if head.startswith(b"\x1f\x8b"):
        return "gzip"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "ole"
    return "binary" if b"\x00" in head else "text"


def _rename_hint(path: Path, kind: str) -> str:
    if kind in _RENAME:
        return f" (rename it {table_name(path)}{_RENAME[kind]}?)"
    if kind == "ole":
        return " (save it as .xlsx or .csv)"
    if kind == "text":
        return f" (a CSV? rename it {table_name(path)}.csv)"
    return ""


def _is_workbook(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as archive:
            return "xl/workbook.xml" in archive.namelist()
    except zipfile.BadZipFile:
        return False


def _encoding_problem(head: bytes, *, complete: bool) -> str | None:
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        decoder.decode(head, final=complete)
    except UnicodeDecodeError as exc:
        byte = head[exc.start]
        return (f"the text is not UTF-8 (byte 0x{byte:02X} at offset {exc.start}); "
                "save it as UTF-8 (in Excel: 'CSV UTF-8')")
    return None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return text[0] if text else type(exc).__name__


# -- reading -------------------------------------------------------------------------------

def _read(path: Path, fmt: str, spec: TableSpec | None) -> pl.DataFrame:
    if fmt in ("csv", "csv.gz"):
        return _read_csv(path, spec)
    if fmt == "parquet":
        return pl.read_parquet(path)
    if fmt == "xlsx":
        return pl.read_excel(path, sheet_id=1, engine="calamine")
    if fmt == "json":
        return pl.read_json(path)
    return pl.read_ndjson(path)


def _read_csv(path: Path, spec: TableSpec | None) -> pl.DataFrame:
    sample = pl.read_csv(path, n_rows=100, infer_schema=False)
    names = [_clean_name(c) for c in sample.columns]
    if not names or sample.height == 0:
        return sample.rename(dict(zip(sample.columns, names, strict=True)))
    overrides: dict[str, pl.DataType] = {}
    for raw, name in zip(sample.columns, names, strict=True):
        kind = spec.kind(name) if spec else None
        if kind in _FAST_KINDS:
            overrides[raw] = _FAST_KINDS[kind]
        elif kind == "date" and _looks_iso(sample[raw]):
            # The reader keeps the layout of the first value for the whole column, so a
            # D/M/Y file fails (slow path) instead of being read in another order.
            overrides[raw] = pl.Date
        else:
            overrides[raw] = pl.String
    # A value the reader cannot parse: read that column as text (validation then names the
    # rows), and only that one, so a single typo costs one more pass, not a file of strings.
    for _ in range(len(overrides)):
        try:
            frame = pl.scan_csv(path, schema_overrides=overrides).collect(engine="streaming")
            break
        except pl.exceptions.ComputeError as exc:
            failed = _FAILED_COLUMN.search(str(exc))
            if failed is None or overrides.get(failed.group(1)) in (None, pl.String):
                frame = pl.scan_csv(path, infer_schema=False).collect(engine="streaming")
                break
            overrides[failed.group(1)] = pl.String
    else:
        frame = pl.scan_csv(path, infer_schema=False).collect(engine="streaming")
    return frame.rename(dict(zip(frame.columns, names, strict=True)))


def _looks_iso(values: pl.Series) -> bool:
    present = values.drop_nulls()
    return present.len() > 0 and bool(present.str.contains(_ISO_DATE.pattern).all())


def _other_separator(header: str) -> str | None:
    return next((sep for sep in (";", "\t", "|") if sep in header), None)


def _clean_name(name: str) -> str:
    return name.lstrip("\ufeff").strip()


def _check_columns(frame: pl.DataFrame, file: str) -> list[Issue]:
    issues: list[Issue] = []
    blank = [i + 1 for i, c in enumerate(frame.columns) if c == "" or c.startswith("_duplicated_")]
    doubled = sorted({c.rsplit("_duplicated_", 1)[0] for c in frame.columns
                      if "_duplicated_" in c and not c.startswith("_duplicated_")})
    if doubled:
        issues.append(Issue("error", "duplicate_column", file,
                            f"column name{'s' if len(doubled) > 1 else ''} "
                            f"{', '.join(map(repr, doubled))} appear more than once",
                            count=len(doubled), expected="each column name once"))
    if blank:
        issues.append(Issue("warning", "unnamed_column", file,
                            f"{len(blank)} column(s) without a name (positions "
                            f"{', '.join(map(str, blank[:5]))}); they are ignored",
                            count=len(blank)))
    nested = [c for c, t in frame.schema.items() if isinstance(t, (pl.List, pl.Struct, pl.Array))]
    if nested:
        issues.append(Issue("error", "nested_column", file,
                            f"columns {', '.join(map(repr, nested))} hold lists or records",
                            count=len(nested), expected="one plain value per cell"))
    return issues
