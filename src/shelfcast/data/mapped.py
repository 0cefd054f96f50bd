"""Source rows read as an import mapping says: times, numbers, drop reasons, and the errors
that name the source, column, rows and values when a value cannot be read.

The import works on a source's own columns plus working columns with reserved names
(``__date``, ``__store``...), so that a source column can never be overwritten.
"""

from __future__ import annotations

from collections import Counter

import polars as pl

from shelfcast.data.mapping import DropRule, TimeSpec
from shelfcast.data.report import MAX_EXAMPLES, quote_rows
from shelfcast.errors import DataValidationError, MappingError

__all__ = [
    "ROW",
    "REASON",
    "PARSED",
    "W_DATE",
    "W_STORE",
    "W_ITEM",
    "W_QTY",
    "W_PRICE",
    "W_TS",
    "DST_GAP",
    "with_time",
    "check_time",
    "check_number",
    "check_columns",
    "number",
    "numbers_as_numbers",
    "with_reason",
    "count_reasons",
]

ROW, REASON, PARSED = "__row", "__reason", "__parsed"
"""The source row number (data rows from 1), why a row is dropped (null: kept), a time as read."""
W_DATE, W_STORE, W_ITEM, W_QTY, W_PRICE, W_TS = (
    "__date",
    "__store",
    "__item",
    "__qty",
    "__price",
    "__ts",
)
DST_GAP = "local time skipped by a daylight-saving change"
_TIME_CODES = ("%H", "%M", "%S", "%I", "%p", "%T", "%R", "%z", "%s")


def with_time(df: pl.DataFrame, spec: TimeSpec, tz: str, *, as_datetime: bool) -> pl.DataFrame:
    """Add ``__parsed`` (the value as read, null where unreadable) and the timestamp
    (``__ts``, aware, UTC) or the local date (``__date``) it means in the zone ``tz``."""
    dtypes = [df.schema[c] for c in spec.columns]
    date_only = False
    if len(spec.columns) == 1 and (dtypes[0] == pl.Date or isinstance(dtypes[0], pl.Datetime)):
        value = pl.col(spec.columns[0])
        if dtypes[0] == pl.Date:
            value, date_only = value.cast(pl.Datetime("us")), True
    else:
        parts = [pl.col(c).cast(pl.String) for c in spec.columns]
        text = parts[0] if len(parts) == 1 else pl.concat_str(parts, separator=" ")
        text = text.str.strip_chars()
        if spec.format is None:
            # Eagerly: only the values tell whether they carry an offset (an aware
            # result), which a lazy plan would have to know before reading them.
            series = df.select(text.alias(PARSED)).to_series()
            value = pl.lit(series.str.to_datetime(strict=False, time_unit="us"))
        elif any(code in spec.format for code in _TIME_CODES):
            value = text.str.strptime(pl.Datetime("us"), spec.format, strict=False)
        else:
            value = text.str.strptime(pl.Date, spec.format, strict=False)
            value, date_only = value.cast(pl.Datetime("us")), True
    parsed = df.select(value.alias(PARSED)).to_series()
    if date_only and not as_datetime:
        # A day as written is already the local day: no zone arithmetic.
        return df.with_columns(parsed, parsed.dt.date().alias(W_DATE))
    dtype = parsed.dtype
    if isinstance(dtype, pl.Datetime) and dtype.time_zone is not None:
        local = parsed.dt.convert_time_zone(tz)
    else:
        # A naive time is local time in the chain's zone. An hour skipped by the change to
        # summer time does not exist there (null, counted); an hour that happens twice
        # takes its first occurrence.
        local = parsed.dt.replace_time_zone(tz, ambiguous="earliest", non_existent="null")
    if as_datetime:
        return df.with_columns(parsed, local.dt.convert_time_zone("UTC").alias(W_TS))
    return df.with_columns(parsed, local.dt.date().alias(W_DATE))


def _checked(df: pl.DataFrame) -> pl.DataFrame:
    # Rows a mapping rule drops are not read further; rows with a missing value are.
    return df.filter(pl.col(REASON).is_null() | pl.col(REASON).str.starts_with("missing_"))


def _present(column: str) -> pl.Expr:
    col = pl.col(column)
    return col.is_not_null() & (col.cast(pl.String).str.strip_chars() != "")


def check_time(df: pl.DataFrame, spec: TimeSpec, label: str) -> None:
    """A date/time that is there but cannot be read as the mapping says is an error."""
    present = pl.all_horizontal([_present(c) for c in spec.columns])
    bad = _checked(df).filter(present & pl.col(PARSED).is_null())
    if bad.height:
        expected = f"the format {spec.format!r}" if spec.format else "an ISO 8601 date/time"
        _raise_unreadable(bad, spec.columns, label, spec.label, expected)


def check_number(df: pl.DataFrame, src: str, col: str, label: str) -> None:
    """A value of ``src`` that is there but did not become a number in ``col`` is an error."""
    bad = _checked(df).filter(_present(src) & pl.col(col).is_null())
    if bad.height:
        _raise_unreadable(bad, (src,), label, src, "a number")


def check_columns(df: pl.DataFrame, needed: dict[str, tuple[str, ...]], label: str) -> None:
    """Every column a mapping key names must be in the source."""
    have = set(df.columns)
    for key, cols in needed.items():
        missing = [c for c in cols if c not in have]
        if missing:
            raise MappingError(
                f"{label}: {key} names column(s) {', '.join(repr(c) for c in missing)} that the "
                f"source does not have; its columns are: {', '.join(df.columns)}",
                details={"source": label, "key": key, "missing": missing, "columns": df.columns},
            )


def number(column: str) -> pl.Expr:
    """A column as a number, whether it holds numbers or text (null where it cannot)."""
    col = pl.col(column)
    text = col.cast(pl.String).str.strip_chars()
    return pl.coalesce(col.cast(pl.Float64, strict=False), text.cast(pl.Float64, strict=False))


def numbers_as_numbers(df: pl.DataFrame, *, exclude: str) -> list[pl.Expr]:
    """Text attributes whose every value is a number become numbers (text becomes a
    category, numbers stay numbers), e.g. a store's size read from CSV."""
    out = []
    for name, dtype in df.schema.items():
        if name == exclude or dtype != pl.String:
            continue
        as_num = df[name].str.strip_chars().cast(pl.Float64, strict=False)
        if as_num.null_count() == df[name].null_count() < df.height:
            out.append(as_num.alias(name))
    return out


def with_reason(
    df: pl.DataFrame, rules: tuple[DropRule, ...], extra: list[tuple[str, pl.Expr]]
) -> pl.DataFrame:
    """Add ``__reason``: the first rule that matches a row names why it is dropped."""
    cases = [(r.reason, r.expr()) for r in rules] + extra
    if not cases:
        return df.with_columns(pl.lit(None, pl.String).alias(REASON))
    chain = pl.when(cases[0][1]).then(pl.lit(cases[0][0]))
    for reason, test in cases[1:]:
        chain = chain.when(test).then(pl.lit(reason))
    return df.with_columns(chain.otherwise(pl.lit(None, pl.String)).alias(REASON))


def count_reasons(df: pl.DataFrame) -> Counter[str]:
    counts = df.filter(pl.col(REASON).is_not_null()).group_by(REASON).len()
    return Counter(dict(zip(counts[REASON].to_list(), counts["len"].to_list(), strict=True)))


def _raise_unreadable(
    bad: pl.DataFrame, columns: tuple[str, ...], label: str, what: str, expected: str
) -> None:
    first = bad.head(MAX_EXAMPLES)
    raw = pl.concat_str([pl.col(c).cast(pl.String) for c in columns], separator=" ")
    values = first.select(raw).to_series().to_list()
    rows = first[ROW].to_list()
    raise DataValidationError(
        f"{label}, column {what!r}: {bad.height:,} value(s) cannot be read as {expected} "
        f"({quote_rows(rows, values, count=bad.height)})",
        details={
            "source": label,
            "column": what,
            "count": bad.height,
            "rows": rows,
            "values": values,
            "expected": expected,
        },
    )
