"""``shelfcast ingest``: a user's files or database -> the dataset folder, and a report.

The mapping (``shelfcast.data.mapping``) says what every table is made of. Nothing is
dropped silently: each row left out on purpose is counted under a reason (the mapping's
own ``drop`` rules, a missing key, a return, a series too short to forecast ...), and the
``ImportReport`` (also written as ``import_report.json`` beside the tables) gives rows
read per source, rows written per table, and those counts. A value that cannot be read
as the mapping says (a date not in the stated format, text in a number column) is an
error naming the source, column, rows and values: the mapping is wrong, not the row.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import polars as pl

from shelfcast.config import Settings
from shelfcast.data.import_report import REPORT_FILE, Dropped, ImportReport
from shelfcast.data.mapped import (
    DST_GAP,
    PARSED,
    REASON,
    ROW,
    W_DATE,
    W_ITEM,
    W_PRICE,
    W_QTY,
    W_STORE,
    W_TS,
    check_columns,
    check_number,
    check_time,
    count_reasons,
    number,
    numbers_as_numbers,
    with_reason,
    with_time,
)
from shelfcast.data.mapping import (
    AttributesSpec,
    CovariatesSpec,
    EventsSpec,
    ImportMapping,
    SalesSpec,
    load_mapping,
)
from shelfcast.data.report import MAX_EXAMPLES
from shelfcast.data.schema import (
    DATE,
    EVENT,
    ITEM,
    PRICE,
    QUANTITY,
    SALES,
    STORE,
    TABLES,
    TIMESTAMP,
    TRANSACTION_ID,
    UNIT_PRICE,
)
from shelfcast.data.sources import DEFAULT_BATCH_SIZE, SourceRef, read_chunks, resolve_sources
from shelfcast.data.tables import write_table
from shelfcast.data.transactions import finish_daily, local_day, partial_daily
from shelfcast.errors import DataValidationError, MappingError, ShelfcastError

__all__ = ["ingest", "ingest_sql", "Dropped", "ImportReport", "REPORT_FILE"]


# --- entry points ---------------------------------------------------------------------


def ingest(
    mapping: ImportMapping | str | Path,
    sources: Sequence[str | Path],
    out_dir: str | Path,
    *,
    sql: str | None = None,
    query: str | None = None,
    settings: Settings | None = None,
    batch_size: int = DEFAULT_BATCH_SIZE,
    overwrite: bool = False,
) -> ImportReport:
    """Build the dataset folder ``out_dir`` from ``sources`` (files, or folders holding
    them) and/or a database (``sql`` URL, ``query`` for the sales source), as ``mapping``
    says. Writes the tables and ``import_report.json``; returns the report."""
    if not isinstance(mapping, ImportMapping):
        mapping = load_mapping(mapping)
    settings = settings or Settings.from_env()
    out = Path(out_dir)
    _existing_dataset(out, overwrite=overwrite)  # fail before the work, not after it
    refs = resolve_sources(mapping, sources, sql=sql, query=query)
    run = _Run(mapping, refs, mapping.time_zone or settings.time_zone, batch_size)
    tables = run.build()
    for name in _existing_dataset(out, overwrite=overwrite):  # only what an import writes
        (out / name).unlink()
    out.mkdir(parents=True, exist_ok=True)
    report = run.report
    report.out_dir = str(out)
    for name, df in tables.items():
        path = write_table(df, out / f"{name}.{mapping.format}")
        report.rows_written[name] = df.height
        report.files[name] = path.name
    (out / REPORT_FILE).write_text(json.dumps(report.to_dict(), indent=2, default=str) + "\n")
    return report


def ingest_sql(
    mapping: ImportMapping | str | Path,
    url: str,
    out_dir: str | Path,
    *,
    query: str | None = None,
    **kwargs: Any,
) -> ImportReport:
    """``ingest`` from a database only: ``url`` is a SQLAlchemy URL such as
    ``postgresql+psycopg://user@host/db`` or ``mssql+pyodbc://...``."""
    return ingest(mapping, (), out_dir, sql=url, query=query, **kwargs)


def _existing_dataset(out: Path, *, overwrite: bool) -> list[str]:
    """The tables and report of an earlier import in ``out`` (an error unless ``overwrite``)."""
    if out.exists() and not out.is_dir():
        raise ShelfcastError(f"{out}: exists and is not a folder", details={"path": str(out)})
    existing = (
        sorted(
            p.name
            for p in out.glob("*")
            if p.is_file() and (p.name == REPORT_FILE or p.name.split(".")[0] in TABLES)
        )
        if out.exists()
        else []
    )
    if existing and not overwrite:
        raise ShelfcastError(
            f"{out}: already holds a dataset ({', '.join(existing)}); choose an empty folder "
            "or overwrite (--force)",
            details={"path": str(out), "files": existing},
        )
    return existing


# --- the pipeline ---------------------------------------------------------------------


class _Run:
    def __init__(
        self, mapping: ImportMapping, refs: dict[str, SourceRef], tz: str, batch_size: int
    ) -> None:
        self.m, self.refs, self.tz, self.batch = mapping, refs, tz, batch_size
        self.report = ImportReport(mapping=mapping.origin, out_dir="", time_zone=tz)
        self._cache: dict[str, pl.DataFrame] = {}
        self._lines: list[pl.DataFrame] = []
        self.transactions: pl.DataFrame | None = None

    def chunks(self, name: str) -> Iterable[pl.DataFrame]:
        """A source's rows; files are read once and kept, queries are streamed each time."""
        ref = self.refs[name]
        if name in self._cache:
            yield self._cache[name]
            return
        rows = 0
        for chunk in read_chunks(ref, batch_size=self.batch):
            rows += chunk.height
            if ref.path is not None:
                self._cache[name] = chunk
            yield chunk
        self.report.rows_read.setdefault(name, rows)

    def build(self) -> dict[str, pl.DataFrame]:
        stores_all = self.attributes(self.m.stores, STORE) if self.m.stores else None
        sales = self.sales()
        if self.m.covariates:
            covariates = [
                self.covariate(spec, i, sales[DATE].min())
                for i, spec in enumerate(self.m.covariates)
            ]
            sales = _join_covariates(sales, covariates)
            for name in (n for c in self.m.covariates for n in c.columns):
                if missing := sales[name].null_count():
                    self.report.notes.append(
                        f"sales: {missing:,} rows have no value of covariate {name!r}"
                    )
        else:
            covariates = []
        out = {"sales": sales}
        if self.m.future is not None:
            out["future"] = self.future(sales, covariates, self.m.future.days)
        if self.transactions is not None:
            out["transactions"] = self.transactions
        in_sales = {STORE: sales.select(STORE).unique(), ITEM: sales.select(ITEM).unique()}
        events = [
            self.events(spec, i, stores_all, in_sales[STORE])
            for i, spec in enumerate(self.m.events)
        ]
        if self.m.sales.closed_days_event:
            events.append(self.closed_days(sales, self.m.sales.closed_days_event))
        events = [e for e in events if e.height]
        if events:
            out["events"] = self.dedupe_events(pl.concat(events, how="vertical_relaxed"))
        if stores_all is not None:
            out["stores"] = self.only_in_sales(stores_all, STORE, in_sales[STORE], "stores")
        if self.m.items:
            items = self.attributes(self.m.items, ITEM)
            out["items"] = self.only_in_sales(items, ITEM, in_sales[ITEM], "items")
        return out

    # sales ---------------------------------------------------------------------------

    def sales(self) -> pl.DataFrame:
        spec = self.m.sales
        label = self.refs[spec.source].label
        reasons: Counter[str] = Counter()
        partials: list[pl.DataFrame] = []
        lines = offset = 0
        for chunk in self.chunks(spec.source):
            check_columns(chunk, _sales_columns(spec), label)
            df = chunk.with_row_index(ROW, offset=offset + 1)
            offset += chunk.height
            when = spec.timestamp or spec.date
            assert when is not None
            stamp = spec.timestamp is not None
            df = with_time(df, when, self.tz, as_datetime=stamp)
            derived = [
                spec.store.expr(W_STORE),
                spec.item.expr(W_ITEM),
                number(spec.quantity or spec.sales).alias(W_QTY),  # type: ignore[arg-type]
            ]
            if spec.unit_price:
                derived.append(number(spec.unit_price).alias(W_PRICE))
            derived += [number(src).alias(f"__c_{name}") for name, src in spec.columns.items()]
            df = df.with_columns(derived)
            extra = [
                (
                    DST_GAP,
                    pl.col(PARSED).is_not_null() & pl.col(W_TS if stamp else W_DATE).is_null(),
                ),
                ("missing_date", pl.col(W_TS if stamp else W_DATE).is_null()),
                ("missing_store_id", pl.col(W_STORE).is_null() | (pl.col(W_STORE) == "")),
                ("missing_item_id", pl.col(W_ITEM).is_null() | (pl.col(W_ITEM) == "")),
                (f"missing_{'quantity' if spec.quantity else 'sales'}", pl.col(W_QTY).is_null()),
            ]
            if spec.kind == "transactions" and spec.returns == "drop":
                extra.append(("return", pl.col(W_QTY) < 0))
            df = with_reason(df, spec.drop, extra)
            check_time(df, when, label)
            _check_sales_numbers(df, spec, label)
            reasons.update(count_reasons(df))
            kept = df.filter(pl.col(REASON).is_null())
            if spec.kind == "transactions":
                tx = kept.select(
                    pl.col(W_TS if stamp else W_DATE).alias(TIMESTAMP if stamp else DATE),
                    pl.col(W_STORE).alias(STORE),
                    pl.col(W_ITEM).alias(ITEM),
                    pl.col(W_QTY).alias(QUANTITY),
                    *([pl.col(W_PRICE).alias(UNIT_PRICE)] if spec.unit_price else []),
                )
                partials.append(partial_daily(tx, time_zone=self.tz))
                lines += tx.height
                if spec.transactions is not None:
                    key = spec.transactions.transaction_id
                    line_id = (
                        key.expr(TRANSACTION_ID)
                        if key
                        else pl.format("L{}", pl.col(ROW)).alias(TRANSACTION_ID)
                    )
                    self._lines.append(
                        kept.with_columns(line_id).select(TRANSACTION_ID, *tx_columns(kept))
                    )
            else:
                partials.append(
                    kept.select(
                        pl.col(W_DATE).alias(DATE),
                        pl.col(W_STORE).alias(STORE),
                        pl.col(W_ITEM).alias(ITEM),
                        pl.col(W_QTY).alias(SALES),
                        pl.col(ROW),
                        *[pl.col(f"__c_{n}").alias(n) for n in spec.columns],
                    )
                )
        self.add_dropped("sales", spec.source, reasons, [r.reason for r in spec.drop])
        if spec.kind == "transactions":
            daily = finish_daily(partials, lines=lines)
            sales, self.report.negative_days = daily.sales, daily.negative_days
        else:
            sales = self.daily(partials, label)
        if not sales.height:
            raise DataValidationError(
                f"{label}: no sales row left to write (read {offset:,} rows; dropped: "
                + (", ".join(f"{n:,} {r}" for r, n in reasons.most_common()) or "none")
                + ")",
                details={"source": label, "rows_read": offset, "dropped": dict(reasons)},
            )
        sales = self.keep_series(sales)
        if not sales.height:
            raise DataValidationError(
                f"{self.m.origin}: sales.keep_series left no series to write; lower "
                "min_days_with_sales or raise top_stores",
                details={"key": "sales.keep_series"},
            )
        if spec.transactions is not None:
            self.transactions = self.last_lines(sales, spec.transactions.keep_days)
        span = f"{sales[DATE].min()} to {sales[DATE].max()}" if sales.height else "no days"
        self.report.notes.append(
            f"sales: {sales.select(STORE, ITEM).unique().height:,} series, "
            f"{sales[STORE].n_unique():,} stores, {sales[ITEM].n_unique():,} items, {span}"
        )
        return sales

    # covariates, future -------------------------------------------------------------

    def covariate(self, spec: CovariatesSpec, index: int, start: date) -> pl.DataFrame:
        """One row per day (and store) with the covariate columns, filled as the mapping says."""
        ref = self.refs[spec.source]
        table = f"covariates[{index}]"
        keys = [DATE] + ([STORE] if spec.store else [])
        reasons: Counter[str] = Counter()
        frames = []
        offset = 0
        for chunk in self.chunks(spec.source):
            needed = {
                f"{table}.date": spec.date.columns,
                **{f"{table}.columns.{k}": (v,) for k, v in spec.columns.items()},
            }
            if spec.store:
                needed[f"{table}.store"] = spec.store.columns
            check_columns(chunk, needed, ref.label)
            df = chunk.with_row_index(ROW, offset=offset + 1)
            offset += chunk.height
            df = with_time(df, spec.date, self.tz, as_datetime=False)
            df = df.with_columns(
                *[number(src).alias(f"__c_{n}") for n, src in spec.columns.items()],
                *([spec.store.expr(W_STORE)] if spec.store else []),
            )
            extra = [
                (DST_GAP, pl.col(PARSED).is_not_null() & pl.col(W_DATE).is_null()),
                ("missing_date", pl.col(W_DATE).is_null()),
            ]
            if spec.store:
                extra.append(("missing_store_id", pl.col(W_STORE).is_null()))
            df = with_reason(df, (), extra)
            check_time(df, spec.date, ref.label)
            for name, src in spec.columns.items():
                check_number(df, src, f"__c_{name}", ref.label)
            reasons.update(count_reasons(df))
            frames.append(
                df.filter(pl.col(REASON).is_null()).select(
                    pl.col(W_DATE).alias(DATE),
                    *([pl.col(W_STORE).alias(STORE)] if spec.store else []),
                    pl.col(ROW),
                    *[pl.col(f"__c_{n}").alias(n) for n in spec.columns],
                )
            )
        self.add_dropped(table, spec.source, reasons)
        cov = pl.concat(frames, how="vertical_relaxed")
        dup = cov.filter(pl.struct(keys).is_duplicated()).sort(ROW)
        if dup.height:
            rows = dup[ROW].head(MAX_EXAMPLES).to_list()
            raise DataValidationError(
                f"{ref.label}: {dup.height:,} rows give {table} for the same "
                f"{' and '.join(keys)} (rows {', '.join(map(str, rows))})",
                details={"source": ref.label, "rows": rows},
            )
        cov = cov.drop(ROW)
        if spec.fill == "forward":
            # Filled inside the covariate's own span only: past its last value it is unknown.
            days = (
                pl.date_range(min(start, cov[DATE].min()), cov[DATE].max(), "1d", eager=True)
                .alias(DATE)
                .to_frame()
            )
            grid = days.join(cov.select(STORE).unique(), how="cross") if spec.store else days
            names = list(spec.columns)
            by = [STORE] if spec.store else None
            filled = grid.join(cov, on=keys, how="left").sort(*(by or []), DATE)
            fill = [pl.col(n).forward_fill().backward_fill() for n in names]
            cov = filled.with_columns([f.over(by) for f in fill] if by else fill)
        return cov

    def future(
        self, sales: pl.DataFrame, covariates: list[pl.DataFrame], days: int
    ) -> pl.DataFrame:
        extra = sorted(set(self.m.sales.columns))
        if extra:
            raise MappingError(
                f"{self.m.origin}: future cannot be written when sales.columns maps "
                f"{', '.join(extra)}: their values for the days to forecast are not known here; "
                "give a future table of your own",
                details={"key": "future"},
            )
        last = sales[DATE].max()
        recent = (
            sales.filter((pl.col(DATE) > last - timedelta(days=56)) & (pl.col(SALES) > 0))
            .select(STORE, ITEM)
            .unique()
        )
        dates = (
            pl.date_range(last + timedelta(days=1), last + timedelta(days=days), "1d", eager=True)
            .alias(DATE)
            .to_frame()
        )
        future = recent.join(dates, how="cross").select(DATE, STORE, ITEM)
        if PRICE in sales.columns:
            # No planned price change is known: the series' last price.
            last_price = (
                sales.filter(pl.col(PRICE).is_not_null())
                .sort(DATE)
                .group_by(STORE, ITEM)
                .agg(pl.col(PRICE).last())
            )
            future = future.join(last_price, on=[STORE, ITEM], how="left")
        future = _join_covariates(future, covariates)
        for name in (n for c in self.m.covariates for n in c.columns):
            unknown = future.filter(pl.col(name).is_null())
            if unknown.height:
                first = sorted(set(unknown[DATE].to_list()))[:MAX_EXAMPLES]
                raise DataValidationError(
                    f"future: covariate {name!r} has no value for {unknown[DATE].n_unique()} "
                    f"of the {days} days to forecast (from {first[0]}: "
                    f"{', '.join(map(str, first))}); a covariate must be known for the days "
                    "to forecast: shorten future.days or give its values",
                    details={"column": name, "dates": [str(d) for d in first]},
                )
        self.report.notes.append(
            f"future: {recent.height:,} series sold in the last 8 weeks x {days} days after {last}"
        )
        return future.sort(STORE, ITEM, DATE)

    def last_lines(self, sales: pl.DataFrame, days: int) -> pl.DataFrame:
        """The kept lines of the last ``days`` local days, of the series written to sales;
        a repeated id gets ``-2``, ``-3``... so that every line has its own."""
        lines = pl.concat(self._lines, how="vertical_relaxed")
        day = local_day(pl.col(TIMESTAMP), self.tz)
        last = lines.select(day.max()).item()
        recent = lines.filter(day > pl.lit(last) - pl.duration(days=days))
        kept = recent.join(sales.select(STORE, ITEM).unique(), on=[STORE, ITEM], how="semi")
        if kept.height < recent.height:
            self.report.dropped.append(
                Dropped(
                    "transactions",
                    self.m.sales.source,
                    "series left out of sales",
                    recent.height - kept.height,
                )
            )
        n = pl.int_range(pl.len()).over(TRANSACTION_ID) + 1
        unique_id = (
            pl.when(n == 1)
            .then(pl.col(TRANSACTION_ID))
            .otherwise(pl.format("{}-{}", pl.col(TRANSACTION_ID), n))
        )
        return kept.with_columns(unique_id.alias(TRANSACTION_ID)).sort(TIMESTAMP, TRANSACTION_ID)

    def daily(self, parts: list[pl.DataFrame], label: str) -> pl.DataFrame:
        df = (
            pl.concat(parts, how="vertical_relaxed")
            if parts
            else pl.DataFrame(
                schema={
                    DATE: pl.Date,
                    STORE: pl.String,
                    ITEM: pl.String,
                    SALES: pl.Float64,
                    ROW: pl.UInt32,
                }
            )
        )
        dup = df.filter(pl.struct(DATE, STORE, ITEM).is_duplicated()).sort(ROW)
        if dup.height:
            first = dup.head(MAX_EXAMPLES)
            keys = ", ".join(
                f"({r[DATE]}, {r[STORE]}, {r[ITEM]})" for r in first.iter_rows(named=True)
            )
            raise DataValidationError(
                f"{label}: {dup.height:,} rows share a (date, store, item) with another row "
                f"(rows {', '.join(str(r) for r in first[ROW])}; keys {keys}); "
                "expected one row per store, item and day: map the store/item to the columns "
                "that make a row unique, or use kind 'transactions' to add them up",
                details={"source": label, "count": dup.height, "rows": first[ROW].to_list()},
            )
        self.report.negative_days = int((df[SALES] < 0).sum())
        return (
            df.drop(ROW).with_columns(pl.col(SALES).clip(lower_bound=0.0)).sort(STORE, ITEM, DATE)
        )

    def keep_series(self, sales: pl.DataFrame) -> pl.DataFrame:
        keep = self.m.sales.keep_series
        if keep.top_stores is not None:
            top = (
                sales.group_by(STORE)
                .agg(pl.col(SALES).sum())
                .sort(SALES, STORE, descending=[True, False])
                .head(keep.top_stores)
                .select(STORE)
            )
            sales = self.drop_series(
                sales,
                sales.join(top, on=STORE, how="semi"),
                f"store not among the top {keep.top_stores} by units",
            )
        if keep.min_days_with_sales:
            active = (
                sales.group_by(STORE, ITEM)
                .agg((pl.col(SALES) > 0).sum().alias("n"))
                .filter(pl.col("n") >= keep.min_days_with_sales)
                .select(STORE, ITEM)
            )
            sales = self.drop_series(
                sales,
                sales.join(active, on=[STORE, ITEM], how="semi"),
                f"series with fewer than {keep.min_days_with_sales} days with sales",
            )
        return sales.sort(STORE, ITEM, DATE)

    def drop_series(self, before: pl.DataFrame, after: pl.DataFrame, reason: str) -> pl.DataFrame:
        n_series = (
            before.select(STORE, ITEM).unique().height - after.select(STORE, ITEM).unique().height
        )
        if n_series:
            units = before[SALES].sum() - after[SALES].sum()
            self.report.dropped.append(
                Dropped(
                    "sales", "keep_series", reason, before.height - after.height, unit="daily rows"
                )
            )
            self.report.notes.append(f"{reason}: {n_series:,} series ({units:,.0f} units) left out")
        return after

    # events --------------------------------------------------------------------------

    def events(
        self, spec: EventsSpec, index: int, stores: pl.DataFrame | None, sales_stores: pl.DataFrame
    ) -> pl.DataFrame:
        ref = self.refs[spec.source]
        table = f"events[{index}]"
        reasons: Counter[str] = Counter()
        frames = []
        offset = 0
        for chunk in self.chunks(spec.source):
            needed = {f"{table}.date": spec.date.columns, f"{table}.event": spec.event.columns}
            if spec.store:
                needed[f"{table}.store"] = spec.store.columns
            if spec.scope:
                needed[f"{table}.scope"] = tuple(
                    c for c in (spec.scope.column, spec.scope.value) if c
                )
            needed.update({f"{table}.drop": tuple(c.column for r in spec.drop for c in r.where)})
            check_columns(chunk, needed, ref.label)
            df = chunk.with_row_index(ROW, offset=offset + 1)
            offset += chunk.height
            df = with_time(df, spec.date, self.tz, as_datetime=False).with_columns(
                spec.event.expr(W_ITEM)
            )
            extra = [
                (DST_GAP, pl.col(PARSED).is_not_null() & pl.col(W_DATE).is_null()),
                ("missing_date", pl.col(W_DATE).is_null()),
                ("missing_event", pl.col(W_ITEM).is_null()),
            ]
            if spec.store:
                df = df.with_columns(spec.store.expr(W_STORE))
            elif spec.scope:
                known = [*spec.scope.all, *spec.scope.by]
                extra.append(
                    (
                        "scope not mapped (not in scope.all or scope.by)",
                        ~pl.col(spec.scope.column).cast(pl.String).is_in(known).fill_null(False),
                    )
                )
            df = with_reason(df, spec.drop, extra)
            check_time(df, spec.date, ref.label)
            reasons.update(count_reasons(df))
            frames.append(df.filter(pl.col(REASON).is_null()))
        df = pl.concat(frames, how="vertical_relaxed")
        if spec.store:
            out = df.select(
                pl.col(W_DATE).alias(DATE),
                pl.col(W_ITEM).alias(EVENT),
                pl.col(W_STORE).alias(STORE),
            )
            unknown = out.join(sales_stores, on=STORE, how="anti").height
            if unknown:
                reasons["store not in sales"] += unknown
                out = out.join(sales_stores, on=STORE, how="semi")
        elif spec.scope:
            out, unmatched = _scoped(df, spec, stores, sales_stores)
            if unmatched:
                reasons["no store of sales in its scope"] += unmatched
        else:
            out = df.select(
                pl.col(W_DATE).alias(DATE),
                pl.col(W_ITEM).alias(EVENT),
                pl.lit(None, pl.String).alias(STORE),
            )
        self.add_dropped("events", spec.source, reasons, [r.reason for r in spec.drop])
        return out

    def closed_days(self, sales: pl.DataFrame, name: str) -> pl.DataFrame:
        if not sales.height:
            return pl.DataFrame(schema={DATE: pl.Date, EVENT: pl.String, STORE: pl.String})
        days = pl.date_range(sales[DATE].min(), sales[DATE].max(), "1d", eager=True).alias(DATE)
        closed = days.to_frame().join(sales.select(DATE).unique(), on=DATE, how="anti").sort(DATE)
        self.report.notes.append(
            f"{closed.height:,} days inside the sales span without any sale anywhere "
            f"became the event {name!r} for every store"
        )
        return closed.with_columns(pl.lit(name).alias(EVENT), pl.lit(None, pl.String).alias(STORE))

    def dedupe_events(self, events: pl.DataFrame) -> pl.DataFrame:
        unique = events.unique(subset=[DATE, EVENT, STORE], keep="first", maintain_order=True)
        if unique.height < events.height:
            self.report.dropped.append(
                Dropped(
                    "events",
                    "events",
                    "same event, day and store twice",
                    events.height - unique.height,
                )
            )
        return unique.sort(DATE, EVENT, STORE, nulls_last=False)

    # stores, items -------------------------------------------------------------------

    def attributes(self, spec: AttributesSpec, key: str) -> pl.DataFrame:
        """One row per key; an attribute takes the key's last non-blank value."""
        ref = self.refs[spec.source]
        table = "stores" if key == STORE else "items"
        parts = []
        missing = 0
        for chunk in self.chunks(spec.source):
            check_columns(
                chunk,
                {
                    f"{table}.{key.split('_')[0]}": spec.key.columns,
                    **{f"{table}.attributes.{k}": (v,) for k, v in spec.attributes.items()},
                },
                ref.label,
            )
            df = chunk.select(
                spec.key.expr(key), *[pl.col(v).alias(k) for k, v in spec.attributes.items()]
            )
            missing += df.filter(pl.col(key).is_null() | (pl.col(key) == "")).height
            df = df.filter(pl.col(key).is_not_null() & (pl.col(key) != ""))
            parts.append(df.group_by(key, maintain_order=True).agg(pl.all().drop_nulls().last()))
        both = pl.concat(parts, how="vertical_relaxed")
        out = both.group_by(key, maintain_order=True).agg(pl.all().drop_nulls().last()).sort(key)
        out = out.with_columns(numbers_as_numbers(out, exclude=key))
        if missing:
            self.add_dropped(table, spec.source, Counter({f"missing_{key}": missing}))
        return out

    def only_in_sales(
        self, df: pl.DataFrame, key: str, in_sales: pl.DataFrame, table: str
    ) -> pl.DataFrame:
        kept = df.join(in_sales, on=key, how="semi")
        if kept.height < df.height:
            self.report.dropped.append(
                Dropped(table, table, f"{key} not in sales", df.height - kept.height)
            )
        return kept

    # shared --------------------------------------------------------------------------

    def add_dropped(
        self, table: str, source: str, reasons: Counter[str], order: Iterable[str] = ()
    ) -> None:
        """Counts in the order the rules were written (then any other reason)."""
        rank = {r: i for i, r in enumerate(dict.fromkeys(order))}
        for reason in sorted(reasons, key=lambda r: (rank.get(r, len(rank)), r)):
            if reasons[reason]:
                self.report.dropped.append(Dropped(table, source, reason, reasons[reason]))


# --- helpers --------------------------------------------------------------------------


def _join_covariates(frame: pl.DataFrame, covariates: list[pl.DataFrame]) -> pl.DataFrame:
    for cov in covariates:
        frame = frame.join(cov, on=[c for c in (DATE, STORE) if c in cov.columns], how="left")
    return frame


def tx_columns(kept: pl.DataFrame) -> list[pl.Expr]:
    """The contract's transaction columns from the working names."""
    cols = [
        pl.col(W_TS).alias(TIMESTAMP),
        pl.col(W_STORE).alias(STORE),
        pl.col(W_ITEM).alias(ITEM),
        pl.col(W_QTY).alias(QUANTITY),
    ]
    if W_PRICE in kept.columns:
        cols.append(pl.col(W_PRICE).alias(UNIT_PRICE))
    return cols


def _check_sales_numbers(df: pl.DataFrame, spec: SalesSpec, label: str) -> None:
    checks = [(spec.quantity or spec.sales, W_QTY)]
    if spec.unit_price:
        checks.append((spec.unit_price, W_PRICE))
    checks += [(src, f"__c_{name}") for name, src in spec.columns.items()]
    for src, col in checks:
        check_number(df, src, col, label)  # type: ignore[arg-type]


def _sales_columns(spec: SalesSpec) -> dict[str, tuple[str, ...]]:
    when = spec.timestamp or spec.date
    needed = {
        f"sales.{'timestamp' if spec.timestamp else 'date'}": when.columns,
        "sales.store": spec.store.columns,
        "sales.item": spec.item.columns,
        f"sales.{'quantity' if spec.quantity else 'sales'}": (spec.quantity or spec.sales,),
        "sales.drop": tuple(c.column for r in spec.drop for c in r.where),
    }
    if spec.unit_price:
        needed["sales.unit_price"] = (spec.unit_price,)
    if spec.transactions is not None and spec.transactions.transaction_id is not None:
        needed["sales.transactions.transaction_id"] = spec.transactions.transaction_id.columns
    needed.update({f"sales.columns.{k}": (v,) for k, v in spec.columns.items()})
    return needed


def _scoped(
    df: pl.DataFrame, spec: EventsSpec, stores: pl.DataFrame | None, sales_stores: pl.DataFrame
) -> tuple[pl.DataFrame, int]:
    """Event rows scoped to stores: every store, or the stores sharing the row's place."""
    scope = spec.scope
    assert scope is not None
    where = pl.col(scope.column).cast(pl.String)
    base = [pl.col(W_DATE).alias(DATE), pl.col(W_ITEM).alias(EVENT)]
    parts = [
        df.filter(where.is_in(list(scope.all))).select(*base, pl.lit(None, pl.String).alias(STORE))
    ]
    unmatched = 0
    for value, attribute in scope.by.items():
        rows = df.filter(where == value)
        if not rows.height:
            continue
        assert stores is not None and scope.value is not None
        places = stores.join(sales_stores, on=STORE, how="semi").select(
            STORE, pl.col(attribute).cast(pl.String).alias("__place")
        )
        joined = rows.with_columns(pl.col(scope.value).cast(pl.String).alias("__place")).join(
            places, on="__place", how="left"
        )
        unmatched += joined.filter(pl.col(STORE).is_null()).height
        parts.append(joined.filter(pl.col(STORE).is_not_null()).select(*base, pl.col(STORE)))
    return pl.concat(parts, how="vertical_relaxed"), unmatched
