"""The rules of DATA_FORMAT.md, as functions over frames: one module for the CLI, the upload
API and Spark.

``validate_tables`` types every column (``shelfcast.data.coerce``), checks every rule of
each table and then the rules across tables, and reports each problem with the file,
column, row count, first rows and values, and what was expected. It never raises for bad
data. Every check is vectorised; on ``sales`` the costly steps (sorting, per-series
statistics) run once, and not at all when the file is already sorted.

Decisions the format leaves open (docs/validation.md explains them):

- A non-numeric extra column of ``sales``, ``future`` or ``weather`` is dropped with a
  warning (covariates must be numbers); extra columns of the other tables are attributes.
- Rows of ``events``, ``stores``, ``items``, ``weather``, ``inventory`` or ``transactions``
  for a store or item that ``sales`` lacks are warnings: they are ignored, nothing breaks.
  Rows of ``future`` for a series that ``sales`` lacks are errors: there is no history to
  forecast from.
- Blank covariates in ``sales`` are warnings (unknown that day); in ``future`` errors.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import polars as pl

from shelfcast.config import Settings
from shelfcast.data.coerce import coerce_table
from shelfcast.data.issues import Level, count_rows, keys_text, rows_issue
from shelfcast.data.report import MAX_EXAMPLES, Issue, ValidationReport
from shelfcast.data.schema import (
    DATE,
    ITEM,
    KEYS,
    NOT_KNOWN_IN_ADVANCE,
    OPEN,
    PRICE,
    SALES,
    SALES_RESERVED,
    SERIES,
    STOCKOUT,
    STORE,
    TRANSACTION_ID,
    UNIT_PRICE,
)
from shelfcast.data.series import SeriesIndex, series_index, series_stats
from shelfcast.data.spec import SPECS

__all__ = ["validate_tables", "STALE_DAYS", "SPIKE_FACTOR"]

STALE_DAYS = 56
"""A series with no sales for this many days before the last date is reported (8 weeks)."""
SPIKE_FACTOR = 50.0
"""A day with more than this times the series' median non-zero sales is reported."""

_ROW = "__row"


@dataclass
class _Context:
    """What the rules of one table need, and what ``sales`` leaves for the others."""

    file: str
    report: ValidationReport
    invalid: dict[str, pl.Series]
    shared: dict[str, Any] = field(default_factory=dict)
    sort: bool = True


def validate_tables(
    frames: Mapping[str, pl.DataFrame],
    *,
    files: Mapping[str, str] | None = None,
    settings: Settings | None = None,  # noqa: ARG001 - no rule depends on a setting yet
    cross_checks: bool = True,
    sort: bool = True,
) -> tuple[dict[str, pl.DataFrame], ValidationReport]:
    """Type and check ``frames`` (table name -> frame); return the typed frames and the report.

    ``files`` names the file of each table in messages (default: the table name). The frames
    returned follow the contract: ``sales`` sorted by store, item and date, ``future``
    restricted to the keys and the covariates of ``sales``, exact duplicate ``transactions``
    lines dropped (and counted). A table whose required columns are missing, or an optional
    table without rows, is left out; an invalid ``sales`` comes back in file order.
    ``cross_checks=False`` checks each table alone; ``sort=False`` leaves ``sales`` in file
    order (for a report only: sorting is the costliest step on a big unsorted file).
    """
    files = dict(files or {})
    report = ValidationReport()
    typed: dict[str, pl.DataFrame] = {}
    shared: dict[str, Any] = {}
    for name in sorted(frames, key=lambda t: t != "sales"):  # sales first: others use it
        frame, file = frames[name], files.get(name, name)
        spec = SPECS.get(name)
        if spec is None:
            report.notes.append(f"{file}: not a table of the dataset folder; ignored")
            continue
        report.tables[name] = frame.height
        if frame.height == 0 and name not in ("sales", "future"):
            continue  # a header only: the reader warned; the table is ignored
        coerced = coerce_table(frame, spec, file=file)
        report.issues.extend(coerced.issues)
        if coerced.frame is None:
            continue
        ctx = _Context(file, report, coerced.invalid, shared, sort)
        result, issues = _TABLE_RULES[name](coerced.frame, ctx)
        report.issues.extend(issues)
        typed[name] = result

    if cross_checks:
        _cross_checks(typed, files, shared, report)
    future = typed.get("future")
    if future is not None and not any(future[k].null_count() for k in KEYS):
        typed["future"] = future.sort(STORE, ITEM, DATE, maintain_order=True)
    return typed, report


# -- helpers ---------------------------------------------------------------------------------


def _blank_issues(frame: pl.DataFrame, columns: list[str] | tuple[str, ...], ctx: _Context,
                  *, level: Level = "error", expected: str = "a value in every row"
                  ) -> list[Issue]:
    """Empty cells; values already reported as invalid are not counted again."""
    issues = []
    for name in columns:
        if name in frame.columns and frame[name].null_count():
            mask = frame[name].is_null()
            if name in ctx.invalid:
                mask = mask & ~ctx.invalid[name]
            issue = rows_issue(mask, None, level=level, code="blank_value", file=ctx.file,
                               column=name, message="no value in {rows}", expected=expected)
            if issue:
                issues.append(issue)
    return issues


def _range_issue(frame: pl.DataFrame, column: str, bad: pl.Expr, ctx: _Context, *,
                 expected: str, what: str | None = None) -> list[Issue]:
    if column not in frame.columns:
        return []
    mask = frame.select(bad.fill_null(False)).to_series()
    issue = rows_issue(mask, frame[column], level="error", code="out_of_range", file=ctx.file,
                       column=column, message=(what or f"{column} out of range") + " in {rows}",
                       expected=expected)
    return [issue] if issue else []


def _repeat_issue(repeat: pl.Series, rows: pl.Series, frame: pl.DataFrame,
                  keys: tuple[str, ...], file: str) -> Issue | None:
    """Rows (``repeat``, in key order) whose key equals the previous row's in key order.

    ``rows`` are the row numbers of ``frame``'s rows in the file.
    """
    count = int(repeat.sum())
    if count == 0:
        return None
    idx = repeat.arg_true()
    pair = (int(rows[idx[0]]), int(rows[idx[0] - 1]))
    hits = frame.select(keys).with_columns(rows.alias(_ROW)).filter(repeat)
    hits = hits.sort(_ROW).head(MAX_EXAMPLES)  # quote rows in file order
    return Issue(
        "error", "duplicate_key", file,
        f"the same ({', '.join(keys)}) as an earlier row in {count_rows(count)} "
        f"(row {pair[0]} repeats row {pair[1]})",
        count=count, rows=tuple(hits[_ROW].to_list()),
        values=tuple(keys_text(hits, keys).to_list()),
        expected=f"one row per ({', '.join(keys)})",
    )


def _duplicates(frame: pl.DataFrame, keys: tuple[str, ...], file: str) -> Issue | None:
    """An issue naming the rows whose ``keys`` an earlier row has (small tables)."""
    ordered = frame.select(keys).with_row_index(_ROW, offset=1).sort(
        list(keys), maintain_order=True, multithreaded=True)
    repeat = ordered.select(pl.all_horizontal(
        (pl.col(k) == pl.col(k).shift(1)).fill_null(False) for k in keys
    )).to_series()
    return _repeat_issue(repeat, ordered[_ROW], ordered, keys, file)


# -- sales -------------------------------------------------------------------------------------


def _sales_rules(frame: pl.DataFrame, ctx: _Context) -> tuple[pl.DataFrame, list[Issue]]:
    issues = _blank_issues(frame, KEYS + (SALES,), ctx)
    issues += _range_issue(frame, SALES, pl.col(SALES) < 0, ctx, expected="units sold >= 0",
                           what="negative sales")
    issues += _range_issue(frame, PRICE, pl.col(PRICE) <= 0, ctx, expected="a price > 0",
                           what="price <= 0")
    if OPEN in frame.columns:
        mask = frame.select((pl.col(OPEN) == 0) & (pl.col(SALES) > 0)).to_series()
        if (issue := rows_issue(mask, frame[SALES], level="error", code="sales_on_closed_day",
                                file=ctx.file, column=SALES,
                                message="sales > 0 on a closed day (open = 0) in {rows}",
                                expected="sales 0 when open is 0")):
            issues.append(issue)
    optional = [c for c in frame.columns if c not in SALES_RESERVED or c == STOCKOUT]
    issues += _blank_issues(frame, optional, ctx, level="warning",
                            expected="a value in every row (a blank is taken as unknown)")
    whole, rows = frame, pl.int_range(1, frame.height + 1, eager=True, dtype=pl.UInt32)
    if any(frame[c].null_count() for c in KEYS):
        # Rows without a full key are reported above; check the others all the same.
        keep = frame.select(pl.all_horizontal(pl.col(c).is_not_null() for c in KEYS)).to_series()
        frame, rows = frame.filter(keep), rows.filter(keep)
    if frame.height == 0:
        return whole, issues
    index = series_index(frame)
    # Most exports come sorted: then a repeated key follows its twin and no sort is needed.
    # Otherwise one Int64 key sorts much faster than three columns with strings.
    order = None if index.in_order() else index.key.to_frame().select(
        pl.arg_sort_by("key", maintain_order=True)).to_series()
    repeat = _repeats(index.key, order)
    if repeat.any():
        issues.append(_repeated_keys(frame, rows, index.key, repeat, ctx.file))
    issues += _series_checks(frame, rows, index, ctx)
    if frame.height < whole.height or repeat.any():
        return whole, issues  # an invalid table comes back whole, in file order
    if ctx.sort and order is not None:
        frame = index.sort(frame, order)
    return frame, issues


def _repeats(key: pl.Series, order: pl.Series | None) -> pl.Series:
    """Rows (in file order) whose key an earlier row has; ``order`` sorts ``key`` stably."""
    if order is None:
        return (key.diff() == 0).fill_null(False)
    ordered = key.gather(order)
    later = order.filter((ordered.diff() == 0).fill_null(False))
    mask = pl.Series("repeat", [False] * key.len(), pl.Boolean)
    return mask.scatter(later, True) if later.len() else mask


def _repeated_keys(frame: pl.DataFrame, rows: pl.Series, key: pl.Series, repeat: pl.Series,
                   file: str) -> Issue:
    """The rows whose (date, store_id, item_id) came before, in file order."""
    count = int(repeat.sum())
    idx = repeat.arg_true().head(MAX_EXAMPLES)
    first = int(idx[0])
    earlier = int(rows[int((key == key[first]).arg_true()[0])])
    hits = frame[idx]
    return Issue(
        "error", "duplicate_key", file,
        f"the same ({', '.join(KEYS)}) as an earlier row in {count_rows(count)} "
        f"(row {int(rows[first])} repeats row {earlier})",
        count=count, rows=tuple(int(r) for r in rows.gather(idx).to_list()),
        values=tuple(keys_text(hits, KEYS).to_list()),
        expected=f"one row per ({', '.join(KEYS)})",
    )


def _series_checks(frame: pl.DataFrame, rows: pl.Series, index: SeriesIndex, ctx: _Context
                   ) -> list[Issue]:
    """Per series: silent at the end (warning), days missing inside the span (note), and
    single days far above the usual (warning)."""
    stats = series_stats(frame, index)
    last = stats["last"].max()
    ctx.shared["series"] = stats.select(STORE, ITEM)
    ctx.shared["last_date"] = last

    issues = []
    # A series that never sold has been silent since the day before its first row.
    since = pl.col("last_sale").fill_null(pl.col("first") - pl.duration(days=1))
    silent = (pl.lit(last) - since).dt.total_days()
    stale = stats.filter(silent >= STALE_DAYS)
    if stale.height:
        quoted = stale.head(MAX_EXAMPLES).select(pl.format(
            "{} / {} (last sale {})", STORE, ITEM,
            pl.col("last_sale").cast(pl.String).fill_null("never"),
        )).to_series().to_list()
        issues.append(Issue(
            "warning", "stale_series", ctx.file,
            f"{stale.height:,} of {stats.height:,} series have no sales in the "
            f"{STALE_DAYS // 7} weeks or more up to the last date ({last}); they are not "
            "forecast unless future lists them", count=stale.height, values=tuple(quoted),
            expected="recent sales for a series still on sale",
        ))
    gaps = stats.filter(pl.col("missing") > 0)
    if gaps.height:
        examples = gaps.head(3).select(pl.format("{} / {}", STORE, ITEM)).to_series()
        ctx.report.notes.append(
            f"{ctx.file}: {gaps.height:,} of {stats.height:,} series miss days inside their "
            f"span ({int(gaps['missing'].sum()):,} days in all, e.g. {', '.join(examples)}); "
            "a missing day counts as zero sales"
        )
    if stats.select((pl.col("top") > SPIKE_FACTOR * pl.col("usual")).any()).item():
        usual = stats["usual"].gather(stats["sid"].search_sorted(index.sid))
        mask = (frame[SALES] > SPIKE_FACTOR * usual).fill_null(False)
        if (issue := rows_issue(
                mask, frame[SALES], level="warning", code="sales_spike", file=ctx.file,
                column=SALES, positions=rows,
                message=f"sales over {SPIKE_FACTOR:g} times the series' usual (median "
                        "non-zero) sales in {rows}: a typing error, or a bulk order to remove?",
                expected="sales near the series' usual level")):
            issues.append(issue)
    return issues


# -- future --------------------------------------------------------------------------------------


def _future_rules(frame: pl.DataFrame, ctx: _Context) -> tuple[pl.DataFrame, list[Issue]]:
    issues = []
    outcome = [c for c in frame.columns if c in NOT_KNOWN_IN_ADVANCE]
    if outcome:
        issues.append(Issue(
            "error", "outcome_in_future", ctx.file,
            f"holds {', '.join(map(repr, outcome))}, which is not known in advance",
            count=len(outcome), values=tuple(outcome),
            expected="only the keys and the covariates of sales (no sales, no stockout)",
        ))
        frame = frame.drop(outcome)
    issues += _blank_issues(frame, KEYS, ctx)
    covariates = [c for c in frame.columns if c not in KEYS]
    issues += _blank_issues(frame, covariates, ctx,
                            expected="a value in every row: a covariate must be known for "
                                     "every day to forecast")
    issues += _range_issue(frame, PRICE, pl.col(PRICE) <= 0, ctx, expected="a price > 0",
                           what="price <= 0")
    if frame.height and not any(frame[c].null_count() for c in KEYS):
        # Still in file order: the rules across tables quote its rows.
        if (dup := _duplicates(frame, KEYS, ctx.file)) is not None:
            issues.append(dup)
    return frame, issues


# -- the other tables -----------------------------------------------------------------------------

Rules = Callable[[pl.DataFrame, _Context], tuple[pl.DataFrame, list[Issue]]]


def _keyed_rules(keys: tuple[str, ...], required: tuple[str, ...]) -> Rules:
    """Required values present; one row per ``keys`` (when given)."""
    def rules(frame: pl.DataFrame, ctx: _Context) -> tuple[pl.DataFrame, list[Issue]]:
        issues = _blank_issues(frame, required, ctx)
        issues += _range_issue(frame, "pack_size", pl.col("pack_size") < 1, ctx,
                               expected="a whole number >= 1", what="pack_size below 1")
        if keys and not any(frame[k].null_count() for k in keys):
            if (dup := _duplicates(frame, keys, ctx.file)) is not None:
                issues.append(dup)
        return frame, issues
    return rules


def _below(column: str, limit: int) -> tuple[str, pl.Expr, str, str]:
    word = "whole number" if column.endswith("_days") and column != "shelf_life_days" else "number"
    what = f"negative {column}" if limit == 0 else f"{column} below {limit}"
    return column, pl.col(column) < limit, f"a {word} >= {limit}", what


_INVENTORY_RANGES: tuple[tuple[str, pl.Expr, str, str], ...] = (
    _below("on_hand", 0), _below("on_order", 0), _below("lead_time_days", 0),
    _below("review_period_days", 1), _below("min_order", 0), _below("max_stock", 0),
    _below("unit_cost", 0),
    ("service_level", (pl.col("service_level") <= 0) | (pl.col("service_level") >= 1),
     "a number strictly between 0 and 1, e.g. 0.95", "service_level not strictly between 0 and 1"),
    ("shelf_life_days", pl.col("shelf_life_days") <= 0, "a number > 0", "shelf_life_days <= 0"),
)


def _inventory_rules(frame: pl.DataFrame, ctx: _Context) -> tuple[pl.DataFrame, list[Issue]]:
    frame, issues = _keyed_rules(SERIES, (STORE, ITEM, "on_hand"))(frame, ctx)
    for column, bad, expected, what in _INVENTORY_RANGES:
        issues += _range_issue(frame, column, bad, ctx, expected=expected, what=what)
    return frame, issues


def _transactions_rules(frame: pl.DataFrame, ctx: _Context) -> tuple[pl.DataFrame, list[Issue]]:
    issues = _blank_issues(frame, SPECS["transactions"].required, ctx)
    issues += _range_issue(frame, UNIT_PRICE, pl.col(UNIT_PRICE) < 0, ctx,
                           expected="a price >= 0", what="negative unit_price")
    if frame[TRANSACTION_ID].null_count():
        return frame, issues
    data = frame.with_row_index(_ROW, offset=1)
    # The same line sent twice is one line; the same id with other content is a conflict.
    repeated = frame.select(pl.struct(frame.columns).is_first_distinct().not_()).to_series()
    distinct = data.filter(~repeated)
    conflict = distinct.select(pl.col(TRANSACTION_ID).is_duplicated()).to_series()
    if (issue := rows_issue(
            conflict, distinct[TRANSACTION_ID], level="error", code="conflicting_transaction",
            file=ctx.file, column=TRANSACTION_ID, positions=distinct[_ROW],
            message="the same transaction_id with different content in {rows}",
            expected="a unique transaction_id per till line")):
        issues.append(issue)
    if (issue := rows_issue(
            repeated, frame[TRANSACTION_ID], level="warning", code="repeated_transaction",
            file=ctx.file, column=TRANSACTION_ID,
            message="lines repeated exactly in {rows}; each line is counted once",
            expected="each till line once")):
        issues.append(issue)
        frame = distinct.drop(_ROW)
    return frame, issues


_TABLE_RULES: dict[str, Rules] = {
    "sales": _sales_rules,
    "future": _future_rules,
    "events": _keyed_rules((), (DATE, "event")),
    "stores": _keyed_rules((STORE,), (STORE,)),
    "items": _keyed_rules((ITEM,), (ITEM,)),
    "weather": _keyed_rules((DATE, STORE), (DATE, STORE)),
    "inventory": _inventory_rules,
    "transactions": _transactions_rules,
}


# -- rules across tables ------------------------------------------------------------------------

_UNKNOWN: dict[str, tuple[tuple[str, ...], str]] = {
    "events": ((STORE,), "they are ignored"),
    "stores": ((STORE,), "they are ignored"),
    "items": ((ITEM,), "they are ignored"),
    "weather": ((STORE,), "they are ignored"),
    "inventory": (SERIES, "no forecast exists for them, so no order is proposed"),
    "transactions": (SERIES, "they have no sales history (the live totals still count them)"),
}


def _cross_checks(typed: dict[str, pl.DataFrame], files: Mapping[str, str],
                  shared: dict[str, Any], report: ValidationReport) -> None:
    series: pl.DataFrame | None = shared.get("series")
    if series is None:
        others = [files.get(t, t) for t in typed if t != "sales"]
        if others:  # sales is missing or unreadable: reported already
            report.notes.append(f"{', '.join(others)}: not checked against sales, which "
                                "could not be read")
        return
    sales_file = files.get("sales", "sales")
    future = typed.get("future")
    if future is not None and future.height and not any(future[k].null_count() for k in KEYS):
        typed["future"] = _future_against_sales(
            future, typed["sales"], series, shared["last_date"], files.get("future", "future"),
            sales_file, report)

    for table, (keys, consequence) in _UNKNOWN.items():
        frame = typed.get(table)
        if frame is None or any(k not in frame.columns for k in keys):
            continue
        known = series.select(keys).unique() if len(keys) == 1 else series
        present = pl.all_horizontal(pl.col(k).is_not_null() for k in keys)
        stray = (frame.select(keys).with_row_index(_ROW, offset=1).filter(present)
                 .join(known, on=list(keys), how="anti").sort(_ROW))
        if stray.height:
            what = " / ".join(keys)
            distinct = stray.select(keys).unique().height
            report.add(Issue(
                "warning", "unknown_key", files.get(table, table),
                f"a {what} that {sales_file} does not have in {count_rows(stray.height)} "
                f"({distinct:,} distinct); {consequence}",
                column=keys[0] if len(keys) == 1 else None, count=stray.height,
                rows=tuple(stray[_ROW].head(MAX_EXAMPLES).to_list()),
                values=tuple(keys_text(stray.head(MAX_EXAMPLES), keys).to_list()),
                expected=f"a {what} that appears in {sales_file}",
            ))


def _future_against_sales(future: pl.DataFrame, sales: pl.DataFrame, series: pl.DataFrame,
                          last: date, file: str, sales_file: str,
                          report: ValidationReport) -> pl.DataFrame:
    covariates = [c for c in sales.columns if c not in SALES_RESERVED]
    given = [c for c in future.columns if c not in KEYS]
    expected = f"the covariates of {sales_file}: {', '.join(covariates) or 'none'}"
    if missing := [c for c in covariates if c not in given]:
        report.add(Issue(
            "error", "missing_covariate", file,
            f"lacks the column{'s' if len(missing) > 1 else ''} {', '.join(map(repr, missing))}"
            f" that {sales_file} has: a model that learns from a covariate needs its values "
            "for the days to forecast", count=len(missing), values=tuple(missing),
            expected=expected,
        ))
    if extra := [c for c in given if c not in covariates]:
        report.add(Issue(
            "error", "extra_covariate", file,
            f"has the column{'s' if len(extra) > 1 else ''} {', '.join(map(repr, extra))} that "
            f"{sales_file} lacks: no model can learn what it does",
            count=len(extra), values=tuple(extra), expected=expected,
        ))
    early = future[DATE] <= last
    issue = rows_issue(early, future[DATE], level="error", code="future_not_after_sales",
                       file=file, column=DATE,
                       message=f"dates on or before the last date of {sales_file} "
                               f"({last.isoformat()}) in {{rows}}",
                       expected=f"dates after {last.isoformat()}")
    if issue:
        report.add(issue)
    stray = (future.select(SERIES).with_row_index(_ROW, offset=1)
             .join(series, on=list(SERIES), how="anti").sort(_ROW))
    if stray.height:
        report.add(Issue(
            "error", "unknown_series", file,
            f"a store_id / item_id that {sales_file} does not have (no history to forecast "
            f"from) in {count_rows(stray.height)}",
            count=stray.height, rows=tuple(stray[_ROW].head(MAX_EXAMPLES).to_list()),
            values=tuple(keys_text(stray.head(MAX_EXAMPLES), SERIES).to_list()),
            expected=f"a store_id / item_id that appears in {sales_file}",
        ))
    keep = list(KEYS) + [c for c in covariates if c in future.columns]
    return future.select(keep)
