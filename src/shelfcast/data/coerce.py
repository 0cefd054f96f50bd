"""Typing the columns of a table by their kind, naming every value that does not fit.

Frames come as files hold them (strings from CSV, numbers from Parquet, datetimes from
Excel); ``coerce_table`` types each known column as the frame contract says
(``shelfcast.data.schema``). Values that do not fit become errors with rows and values.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

from shelfcast.data.issues import count_rows, rows_issue
from shelfcast.data.report import Issue
from shelfcast.data.spec import EXPECTED, Kind, TableSpec

__all__ = ["Coerced", "coerce_table", "coerce_column"]


@dataclass(frozen=True)
class Coerced:
    """A table typed: the frame (``None`` when required columns are missing), its issues,
    and per column the rows whose values did not fit (nulls in ``frame``, already reported).
    """

    frame: pl.DataFrame | None
    issues: list[Issue]
    invalid: dict[str, pl.Series] = field(default_factory=dict)


def coerce_table(frame: pl.DataFrame, spec: TableSpec, *, file: str) -> Coerced:
    """Every column typed by its kind.

    Required columns come first, in the spec's order, then the others in the file's order.
    Values that do not fit their kind become errors naming rows and values (and nulls in
    the frame returned); non-numeric extra columns of a covariate table (``sales``,
    ``future``, ``weather``) are dropped with a warning, since a model can only use numbers
    there.
    """
    issues: list[Issue] = []
    invalid: dict[str, pl.Series] = {}
    missing = [c for c in spec.required if c not in frame.columns]
    if missing:
        issues.append(Issue(
            "error", "missing_column", file,
            f"missing required column{'s' if len(missing) > 1 else ''} "
            f"{', '.join(map(repr, missing))} (found: {', '.join(frame.columns) or 'none'})",
            count=len(missing), values=tuple(missing),
            expected=f"columns {', '.join(spec.required)} (lower-case)",
        ))
        return Coerced(None, issues, invalid)

    columns: dict[str, pl.Series] = {}
    order = list(spec.required) + [c for c in frame.columns if c not in spec.required]
    for name in order:
        raw = frame.get_column(name)
        kind = spec.kind(name)
        if kind is not None:
            series, issue = coerce_column(raw, kind, file=file)
            if issue is not None:
                issues.append(issue)
                invalid[name] = series.is_null() & _present(raw)
            columns[name] = series
        elif spec.extra == "number":
            series, issue = coerce_column(raw, "number", file=file)
            if _is_empty(raw):
                issues.append(Issue(
                    "warning", "empty_column", file,
                    "has no values; the column is ignored", column=name,
                ))
            elif issue is not None:
                issues.append(Issue(
                    "warning", "non_numeric_column", file,
                    f"text, not numbers, in {count_rows(issue.count)}: an extra column of "
                    f"{spec.name} is a covariate and must be numeric, so it is ignored "
                    "(event names belong in events, attributes in stores or items)",
                    column=name, count=issue.count, rows=issue.rows, values=issue.values,
                    expected="a number in every row",
                ))
            else:
                columns[name] = series
        else:
            columns[name] = _auto(raw)
    return Coerced(pl.DataFrame(columns), issues, invalid)


def _present(raw: pl.Series) -> pl.Series:
    """Cells that hold something (a blank string is as empty as a null)."""
    if raw.dtype == pl.String:
        return raw.is_not_null() & (raw.str.strip_chars() != "")
    return raw.is_not_null()


def _is_empty(raw: pl.Series) -> bool:
    if raw.null_count() == raw.len():
        return True
    return raw.dtype == pl.String and bool((raw.str.strip_chars().fill_null("") == "").all())


_SHORT = {"date": "a date", "number": "a number", "integer": "a whole number",
          "flag": "0 or 1"}


def coerce_column(raw: pl.Series, kind: Kind, *, file: str) -> tuple[pl.Series, Issue | None]:
    """``raw`` as ``kind`` (invalid values become nulls); the issue names them."""
    if kind == "string":
        return _to_string(raw), None
    if kind == "date":
        out, bad = _to_date(raw)
    elif kind == "timestamp":
        return _to_timestamp(raw, file=file)
    else:
        out, bad = _to_number(raw)
        if kind == "integer":
            fraction = out.is_not_null() & (out != out.floor())
            bad = fraction if bad is None else (bad | fraction)
            out = pl.select(pl.when(fraction).then(None).otherwise(out)).to_series().cast(pl.Int64)
        elif kind == "flag":
            other = out.is_not_null() & ~out.is_in([0.0, 1.0])
            bad = other if bad is None else (bad | other)
    issue = None
    if bad is not None and bad.any():
        issue = rows_issue(
            bad, raw, level="error", code=f"not_{kind}", file=file, column=raw.name,
            message=f"not {_SHORT[kind]} in {{rows}}", expected=EXPECTED[kind],
        )
        out = pl.select(pl.when(bad).then(None).otherwise(out)).to_series().alias(raw.name)
    return out.alias(raw.name), issue


def _to_number(raw: pl.Series) -> tuple[pl.Series, pl.Series | None]:
    dtype = raw.dtype
    if dtype == pl.Float64:
        out = raw
    elif dtype.is_numeric() or dtype == pl.Boolean or dtype == pl.Null:
        out = raw.cast(pl.Float64)
    elif dtype == pl.String:
        text = raw.str.strip_chars()
        out = text.cast(pl.Float64, strict=False)
        bad = out.is_null() & text.is_not_null() & (text != "")
        return _finite(out, bad)
    else:
        return pl.Series(raw.name, [None] * raw.len(), pl.Float64), raw.is_not_null()
    return _finite(out, None)


def _finite(out: pl.Series, bad: pl.Series | None) -> tuple[pl.Series, pl.Series | None]:
    # NaN and infinities parse as floats but are no sales figure, price or covariate.
    if out.dtype.is_float() and not out.is_finite().fill_null(True).all():
        odd = ~out.is_finite().fill_null(True)
        bad = odd if bad is None else (bad | odd)
    return out, bad


_MIDNIGHT = r"^(\d{4}-\d{1,2}-\d{1,2})(?:[T ]00:00(?::00(?:\.0+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$"


def _to_date(raw: pl.Series) -> tuple[pl.Series, pl.Series | None]:
    dtype = raw.dtype
    if dtype == pl.Date:
        return raw, None
    if isinstance(dtype, pl.Datetime):
        bad = raw.is_not_null() & (raw.dt.truncate("1d") != raw)
        return raw.dt.date(), bad
    if dtype == pl.Null:
        return raw.cast(pl.Date), None
    if dtype != pl.String:
        return pl.Series(raw.name, [None] * raw.len(), pl.Date), raw.is_not_null()
    text = raw.str.strip_chars()
    out = text.str.to_date("%Y-%m-%d", strict=False)
    if out.null_count() > text.null_count():
        # Only then the slower pattern: ISO date-times at midnight keep their date.
        at_midnight = text.str.extract(_MIDNIGHT, 1).str.to_date("%Y-%m-%d", strict=False)
        out = out.fill_null(at_midnight)
    bad = out.is_null() & text.is_not_null() & (text != "")
    return out, bad


_TS_FORMATS = ("%Y-%m-%dT%H:%M:%S%.f%#z", "%Y-%m-%d %H:%M:%S%.f%#z")
_NAIVE_FORMATS = (
    "%Y-%m-%dT%H:%M:%S%.f", "%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M",
)


def _to_timestamp(raw: pl.Series, *, file: str) -> tuple[pl.Series, Issue | None]:
    name, expected = raw.name, EXPECTED["timestamp"]
    utc = pl.Datetime("us", "UTC")
    dtype = raw.dtype
    if isinstance(dtype, pl.Datetime):
        if dtype.time_zone is not None:
            return raw.dt.convert_time_zone("UTC").cast(utc), None
        naive = raw.is_not_null()
        issue = rows_issue(naive, raw, level="error", code="timestamp_without_time_zone",
                           file=file, column=name,
                           message="date-times without a time zone in {rows}", expected=expected)
        return pl.Series(name, [None] * raw.len(), utc), issue
    if dtype != pl.String:
        out = pl.Series(name, [None] * raw.len(), utc)
        return out, rows_issue(raw.is_not_null(), raw, level="error", code="not_timestamp",
                               file=file, column=name, message="not a date-time in {rows}",
                               expected=expected)
    text = raw.str.strip_chars()
    out = pl.select(pl.coalesce(
        text.str.to_datetime(f, strict=False, time_zone="UTC", time_unit="us") for f in _TS_FORMATS
    )).to_series()
    failed = out.is_null() & text.is_not_null() & (text != "")
    if not failed.any():
        return out.alias(name), None
    naive = pl.select(pl.coalesce(
        text.str.to_datetime(f, strict=False, time_unit="us") for f in _NAIVE_FORMATS
    )).to_series().is_not_null() & failed
    issue = rows_issue(naive, raw, level="error", code="timestamp_without_time_zone", file=file,
                       column=name, message="date-times without a time zone in {rows}",
                       expected=expected)
    other = rows_issue(failed & ~naive, raw, level="error", code="not_timestamp", file=file,
                       column=name, message="not a date-time in {rows}", expected=expected)
    # Both kinds may occur; the second is reported through a combined message.
    if issue is None or other is None:
        return out.alias(name), issue or other
    merged = Issue("error", "not_timestamp", file,
                   f"{issue.message}, and not a date-time at all in {count_rows(other.count)} "
                   f"(rows {', '.join(map(str, other.rows))})",
                   column=name, count=issue.count + other.count, rows=issue.rows,
                   values=issue.values, expected=expected)
    return out.alias(name), merged


def _to_string(raw: pl.Series) -> pl.Series:
    dtype = raw.dtype
    if dtype == pl.String:
        # JSON and Excel give "" where CSV gives nothing: both are blank.
        blank = raw == ""
        return raw.set(blank, None) if blank.any() else raw  # type: ignore[arg-type]
    if dtype.is_float():
        # Excel and JSON give numeric ids as floats: 17.0 is the id "17".
        integral = raw.is_not_null() & (raw == raw.floor())
        if integral.sum() == raw.is_not_null().sum():
            return raw.cast(pl.Int64).cast(pl.String)
    return raw.cast(pl.String)


def _auto(raw: pl.Series) -> pl.Series:
    """An attribute: a number when every value is one, else text (a category)."""
    dtype = raw.dtype
    if dtype.is_numeric() or dtype == pl.Boolean:
        return raw.cast(pl.Float64)
    if dtype == pl.String:
        out, bad = _to_number(raw)
        if out.null_count() < out.len() and (bad is None or not bad.any()):
            return out
    return raw


