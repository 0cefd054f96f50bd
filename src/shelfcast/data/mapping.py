"""The import mapping of ``shelfcast ingest``: how a user's tables become the dataset folder.

A YAML (``.yaml``/``.yml``) or TOML (``.toml``) file, parsed into frozen dataclasses and
checked up front: every mistake is a ``MappingError`` naming the key (``sales.store``)
and what was expected, before a single data row is read. ``docs/dataset-folder.md``
walks through a complete one; ``examples/`` has one per public data set. In short::

    time_zone: Europe/London          # a naive timestamp is local time there
    sources:                          # name -> a file (matched by name among SRC...) or a query
      lines: {file: online_retail.parquet}
    sales:
      source: lines
      kind: transactions              # till lines, aggregated to days; or `daily`
      timestamp: InvoiceDate          # or {columns: [Date, Time], format: "%m/%d/%Y %H:%M"}
      store: Country                  # a column, a list of columns, or {constant: "main"}
      item: StockCode
      quantity: Quantity
      unit_price: UnitPrice           # -> a daily price
      returns: net                    # net | drop (negative lines)
      drop:                           # rows dropped on purpose, counted by reason
        - {reason: cancellation, where: {column: InvoiceNo, starts_with: C}}
    events: [...]                     # extra tables -> events, scoped to stores
    stores: {source: ..., store: ..., attributes: {city: City}}
    items: {source: ..., item: ..., attributes: {...}}

The spec also turns itself into Polars expressions (keys, dates, conditions), so that
what a key means is written once.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping as AbcMapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import polars as pl
import yaml

from shelfcast.data.schema import DATE, ITEM, NOT_KNOWN_IN_ADVANCE, STORE
from shelfcast.errors import MappingError

__all__ = [
    "KeySpec",
    "TimeSpec",
    "Condition",
    "DropRule",
    "SeriesFilter",
    "TransactionsOut",
    "SalesSpec",
    "ScopeSpec",
    "EventsSpec",
    "CovariatesSpec",
    "FutureSpec",
    "AttributesSpec",
    "SourceSpec",
    "ImportMapping",
    "load_mapping",
    "parse_mapping",
    "OPERATORS",
]

OPERATORS: tuple[str, ...] = (
    "equals",
    "not_equals",
    "in",
    "not_in",
    "starts_with",
    "not_starts_with",
    "matches",
    "not_matches",
    "less_than",
    "at_most",
    "greater_than",
    "at_least",
    "is_null",
    "not_null",
)
"""What a ``where`` condition may test; string tests compare the value as text."""
_NUMERIC_OPS = {"less_than", "at_most", "greater_than", "at_least"}
_LIST_OPS = {"in", "not_in"}
_FLAG_OPS = {"is_null", "not_null"}
_REGEX_OPS = {"matches", "not_matches"}
_OUTPUT_FORMATS = ("parquet", "csv")


# --- the spec -------------------------------------------------------------------------


@dataclass(frozen=True)
class KeySpec:
    """What a store (or an item, or an event name) is: one column, several joined, or a constant."""

    columns: tuple[str, ...] = ()
    constant: str | None = None
    separator: str = "-"

    def expr(self, alias: str) -> pl.Expr:
        if self.constant is not None:
            return pl.lit(self.constant, dtype=pl.String).alias(alias)
        parts = [_text(pl.col(c)) for c in self.columns]
        joined = parts[0] if len(parts) == 1 else pl.concat_str(parts, separator=self.separator)
        return joined.str.strip_chars().alias(alias)


@dataclass(frozen=True)
class TimeSpec:
    """A date or date-time: one column, or several joined with a space, read with ``format``
    (strftime codes; None: the column's own type, or ISO 8601 text)."""

    columns: tuple[str, ...]
    format: str | None = None

    @property
    def label(self) -> str:
        return " + ".join(self.columns)


@dataclass(frozen=True)
class Condition:
    column: str
    op: str
    value: Any = None

    def expr(self) -> pl.Expr:
        col = pl.col(self.column)
        text = _text(col)
        op, value = self.op, self.value
        if op == "is_null":
            return col.is_null()
        if op == "not_null":
            return col.is_not_null()
        if op in _NUMERIC_OPS:
            num = text.str.strip_chars().cast(pl.Float64, strict=False)
            test = {
                "less_than": num < value,
                "at_most": num <= value,
                "greater_than": num > value,
                "at_least": num >= value,
            }[op]
        elif op in ("equals", "not_equals", "in", "not_in"):
            values = value if op in _LIST_OPS else [value]
            # A boolean in the mapping matches TRUE, True and true alike.
            if any(isinstance(v, bool) for v in values):
                text = text.str.to_lowercase()
            test = text.is_in([_as_text(v) for v in values])
            if op.startswith("not_"):
                test = ~test
        elif op == "starts_with":
            test = text.str.starts_with(str(value))
        elif op == "not_starts_with":
            test = ~text.str.starts_with(str(value))
        elif op == "matches":
            test = text.str.contains(str(value))
        else:  # not_matches
            test = ~text.str.contains(str(value))
        # A missing value matches no test but the null ones.
        return test.fill_null(False)


@dataclass(frozen=True)
class DropRule:
    """Rows where every condition holds are dropped and counted under ``reason``."""

    reason: str
    where: tuple[Condition, ...]

    def expr(self) -> pl.Expr:
        out = self.where[0].expr()
        for cond in self.where[1:]:
            out = out & cond.expr()
        return out


@dataclass(frozen=True)
class SeriesFilter:
    """Keep only series worth forecasting; the rest are dropped and counted."""

    min_days_with_sales: int = 0
    top_stores: int | None = None
    """Keep the N stores with the most units sold."""


@dataclass(frozen=True)
class TransactionsOut:
    """The ``transactions`` table: the kept lines of the last ``keep_days`` days, which
    teach the intraday profile and can be replayed to the live API."""

    keep_days: int
    transaction_id: KeySpec | None = None
    """What identifies a line (a repeat gets ``-2``, ``-3``...); None: the source row number."""


@dataclass(frozen=True)
class SalesSpec:
    source: str
    kind: Literal["transactions", "daily"]
    store: KeySpec
    item: KeySpec
    date: TimeSpec | None = None
    timestamp: TimeSpec | None = None
    quantity: str | None = None
    """transactions: the units of a line (negative for a return)."""
    sales: str | None = None
    """daily: the day's units (or money)."""
    unit_price: str | None = None
    columns: dict[str, str] = field(default_factory=dict)
    """Further columns of ``sales`` (price, promo, open, stockout, covariates) -> source column."""
    returns: Literal["net", "drop"] = "net"
    drop: tuple[DropRule, ...] = ()
    keep_series: SeriesFilter = field(default_factory=SeriesFilter)
    transactions: TransactionsOut | None = None
    """Also write the last days' lines as the ``transactions`` table (kind 'transactions')."""
    closed_days_event: str | None = None
    """If set, each day inside the sales span on which no store sold anything becomes an
    event of that name for every store (a closure, a weekday without trading)."""


@dataclass(frozen=True)
class ScopeSpec:
    """Which stores an event row concerns, from a locale column (Favorita's holidays):
    values in ``all`` -> every store; a value in ``by`` -> the stores whose attribute (of the
    ``stores`` table) equals the row's ``value`` column."""

    column: str
    value: str | None = None
    all: tuple[str, ...] = ()
    by: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class EventsSpec:
    source: str
    date: TimeSpec
    event: KeySpec
    store: KeySpec | None = None
    scope: ScopeSpec | None = None
    drop: tuple[DropRule, ...] = ()


@dataclass(frozen=True)
class CovariatesSpec:
    """Numeric columns known per day (and store) from another table, joined into ``sales``
    (and ``future``): a price index, a flyer, the oil price..."""

    source: str
    date: TimeSpec
    columns: dict[str, str]
    """Output column -> source column, read as numbers."""
    store: KeySpec | None = None
    """None: the same value for every store."""
    fill: Literal["none", "forward"] = "none"
    """forward: a day without a value takes the last known one (the first known one
    before the first value), e.g. prices on days without trading."""


@dataclass(frozen=True)
class FutureSpec:
    """Write ``future``: the next ``days`` days of every series sold in the last 8 weeks,
    with the covariates' values (which must cover them) and the last known ``price``."""

    days: int


@dataclass(frozen=True)
class AttributesSpec:
    """``stores`` or ``items``: the key plus attribute columns (output name -> source column)."""

    source: str
    key: KeySpec
    attributes: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class SourceSpec:
    name: str
    file: str | None = None
    """A file name or glob, matched against the SRC paths (or looked up inside SRC folders)."""
    query: str | None = None
    """SQL for ``--sql URL`` (``--query`` on the command line wins for the sales source)."""
    separator: str = ","
    encoding: str = "utf8"
    sheet: str | None = None


@dataclass(frozen=True)
class ImportMapping:
    sources: dict[str, SourceSpec]
    sales: SalesSpec
    events: tuple[EventsSpec, ...] = ()
    stores: AttributesSpec | None = None
    items: AttributesSpec | None = None
    covariates: tuple[CovariatesSpec, ...] = ()
    future: FutureSpec | None = None
    time_zone: str | None = None
    """None: the settings' TIME_ZONE."""
    format: str = "parquet"
    origin: str = "mapping"
    """Where the mapping came from, for messages."""


# --- reading and checking -------------------------------------------------------------


def load_mapping(path: str | Path) -> ImportMapping:
    """Read and check a mapping file (YAML or TOML, by its suffix)."""
    path = Path(path)
    if not path.is_file():
        raise MappingError(f"{path}: mapping file not found", details={"file": str(path)})
    text = path.read_text(encoding="utf8")
    try:
        if path.suffix.lower() == ".toml":
            raw = tomllib.loads(text)
        elif path.suffix.lower() in (".yaml", ".yml"):
            raw = yaml.safe_load(text)
        else:
            raise MappingError(
                f"{path.name}: a mapping is a .yaml, .yml or .toml file",
                details={"file": str(path)},
            )
    except (yaml.YAMLError, tomllib.TOMLDecodeError) as exc:
        raise MappingError(
            f"{path.name}: not valid {path.suffix[1:].upper()}: {exc}", details={"file": str(path)}
        ) from exc
    return parse_mapping(raw, origin=path.name)


def parse_mapping(raw: Any, *, origin: str = "mapping") -> ImportMapping:
    """Check a mapping given as a dict (what the YAML/TOML file holds)."""
    p = _Parser(origin)
    top = p.table(
        raw,
        "",
        required=("sources", "sales"),
        optional=(
            "time_zone",
            "format",
            "events",
            "stores",
            "items",
            "covariates",
            "future",
            "name",
            "description",
        ),
    )
    sources = p.sources(top["sources"])
    time_zone = p.opt_str(top, "time_zone", "")
    if time_zone is not None:
        try:
            ZoneInfo(time_zone)
        except (ZoneInfoNotFoundError, ValueError):
            p.fail("time_zone", f"an IANA time zone such as 'Europe/London', got {time_zone!r}")
    fmt = p.opt_str(top, "format", "") or "parquet"
    if fmt not in _OUTPUT_FORMATS:
        p.fail("format", f"one of {', '.join(_OUTPUT_FORMATS)}, got {fmt!r}")
    sales = p.sales(top["sales"])
    events_raw = top.get("events") or []
    if isinstance(events_raw, AbcMapping):
        events_raw = [events_raw]
    if not isinstance(events_raw, list):
        p.fail("events", "a list of event tables")
    events = tuple(p.events(e, f"events[{i}]") for i, e in enumerate(events_raw))
    stores = p.attributes(top["stores"], "stores", "store") if top.get("stores") else None
    items = p.attributes(top["items"], "items", "item") if top.get("items") else None
    cov_raw = top.get("covariates") or []
    if isinstance(cov_raw, AbcMapping):
        cov_raw = [cov_raw]
    if not isinstance(cov_raw, list):
        p.fail("covariates", "a list of covariate tables")
    covariates = tuple(p.covariates(c, f"covariates[{i}]") for i, c in enumerate(cov_raw))
    future = p.future(top["future"]) if top.get("future") is not None else None
    mapping = ImportMapping(
        sources=sources,
        sales=sales,
        events=events,
        stores=stores,
        items=items,
        covariates=covariates,
        future=future,
        time_zone=time_zone,
        format=fmt,
        origin=origin,
    )
    p.check_sources(mapping)
    return mapping


class _Parser:
    """Reads the raw dict; every failure names the key path and what was expected."""

    def __init__(self, origin: str) -> None:
        self.origin = origin

    def fail(self, key: str, expected: str) -> None:
        raise MappingError(
            f"{self.origin}: {key or 'the mapping'} must be {expected}",
            details={"mapping": self.origin, "key": key, "expected": expected},
        )

    def table(
        self, raw: Any, key: str, *, required: tuple[str, ...] = (), optional: tuple[str, ...] = ()
    ) -> dict[str, Any]:
        if not isinstance(raw, AbcMapping):
            self.fail(key, f"a table of keys ({', '.join(required + optional)}), got {_show(raw)}")
        unknown = sorted(set(raw) - set(required) - set(optional))
        if unknown:
            raise MappingError(
                f"{self.origin}: unknown key(s) {', '.join(_join(key, u) for u in unknown)}; "
                f"allowed here: {', '.join(required + optional)}",
                details={"mapping": self.origin, "key": key, "unknown": unknown},
            )
        missing = [k for k in required if raw.get(k) in (None, "")]
        if missing:
            raise MappingError(
                f"{self.origin}: missing key(s) {', '.join(_join(key, m) for m in missing)}",
                details={"mapping": self.origin, "key": key, "missing": missing},
            )
        return dict(raw)

    def string(self, raw: Any, key: str) -> str:
        if isinstance(raw, bool) or not isinstance(raw, (str, int, float)) or str(raw) == "":
            self.fail(key, f"a non-empty text, got {_show(raw)}")
        return str(raw)

    def opt_str(self, table: dict[str, Any], name: str, prefix: str) -> str | None:
        value = table.get(name)
        return None if value is None else self.string(value, _join(prefix, name))

    def columns(self, raw: Any, key: str) -> tuple[str, ...]:
        if isinstance(raw, list) and raw:
            return tuple(self.string(c, f"{key}[{i}]") for i, c in enumerate(raw))
        return (self.string(raw, key),)

    def key(self, raw: Any, key: str) -> KeySpec:
        if isinstance(raw, AbcMapping):
            t = self.table(raw, key, optional=("column", "columns", "constant", "separator"))
            given = [k for k in ("column", "columns", "constant") if k in t]
            if len(given) != 1:
                self.fail(key, "one of {column: NAME}, {columns: [A, B]} or {constant: VALUE}")
            sep = self.opt_str(t, "separator", key) or "-"
            if "constant" in t:
                return KeySpec(constant=self.string(t["constant"], _join(key, "constant")))
            cols = self.columns(t[given[0]], _join(key, given[0]))
            return KeySpec(columns=cols, separator=sep)
        if raw is None:
            self.fail(key, "a column, a list of columns or {constant: VALUE}")
        return KeySpec(columns=self.columns(raw, key))

    def time(self, raw: Any, key: str) -> TimeSpec:
        if isinstance(raw, AbcMapping):
            t = self.table(raw, key, optional=("column", "columns", "format"))
            given = [k for k in ("column", "columns") if k in t]
            if len(given) != 1:
                self.fail(
                    key, "{column: NAME, format: ...} or {columns: [DATE, TIME], format: ...}"
                )
            fmt = self.opt_str(t, "format", key)
            if fmt is not None and "%" not in fmt:
                self.fail(_join(key, "format"), f"strftime codes such as '%m/%d/%Y', got {fmt!r}")
            return TimeSpec(columns=self.columns(t[given[0]], _join(key, given[0])), format=fmt)
        return TimeSpec(columns=self.columns(raw, key))

    def condition(self, raw: Any, key: str) -> Condition:
        t = self.table(raw, key, required=("column",), optional=OPERATORS)
        ops = [k for k in OPERATORS if k in t]
        if len(ops) != 1:
            self.fail(key, f"a column and exactly one test of {', '.join(OPERATORS)}")
        op, value = ops[0], t[ops[0]]
        where = _join(key, op)
        if op in _LIST_OPS:
            if not isinstance(value, list) or not value:
                self.fail(where, f"a non-empty list of values, got {_show(value)}")
        elif op in _NUMERIC_OPS:
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                self.fail(where, f"a number, got {_show(value)}")
        elif op in _FLAG_OPS:
            if value is not True:
                self.fail(where, "true")
        elif value is None or isinstance(value, (list, dict)):
            self.fail(where, f"a single value, got {_show(value)}")
        if op in _REGEX_OPS:
            try:
                re.compile(str(value))
            except re.error as exc:
                self.fail(where, f"a regular expression ({exc}), got {value!r}")
        return Condition(column=self.string(t["column"], _join(key, "column")), op=op, value=value)

    def drop_rules(self, raw: Any, key: str) -> tuple[DropRule, ...]:
        if raw is None:
            return ()
        if not isinstance(raw, list):
            self.fail(key, "a list of {reason: ..., where: {column: ..., <test>: ...}}")
        rules = []
        for i, item in enumerate(raw):
            k = f"{key}[{i}]"
            t = self.table(item, k, required=("reason", "where"))
            where = t["where"]
            conds = where if isinstance(where, list) else [where]
            rules.append(
                DropRule(
                    reason=self.string(t["reason"], _join(k, "reason")),
                    where=tuple(self.condition(c, f"{k}.where[{j}]") for j, c in enumerate(conds)),
                )
            )
        return tuple(rules)

    def sources(self, raw: Any) -> dict[str, SourceSpec]:
        if not isinstance(raw, AbcMapping) or not raw:
            self.fail("sources", "a table of named sources, e.g. {lines: {file: sales.csv}}")
        out = {}
        for name, spec in raw.items():
            k = f"sources.{name}"
            if isinstance(spec, str):
                spec = {"file": spec}
            t = self.table(spec, k, optional=("file", "query", "separator", "encoding", "sheet"))
            out[str(name)] = SourceSpec(
                name=str(name),
                file=self.opt_str(t, "file", k),
                query=self.opt_str(t, "query", k),
                separator=self.opt_str(t, "separator", k) or ",",
                encoding=self.opt_str(t, "encoding", k) or "utf8",
                sheet=self.opt_str(t, "sheet", k),
            )
        return out

    def sales(self, raw: Any) -> SalesSpec:
        t = self.table(
            raw,
            "sales",
            required=("source", "kind", "store", "item"),
            optional=(
                "date",
                "timestamp",
                "quantity",
                "sales",
                "unit_price",
                "columns",
                "returns",
                "drop",
                "keep_series",
                "closed_days_event",
                "transactions",
            ),
        )
        kind = t["kind"]
        if kind not in ("transactions", "daily"):
            self.fail(
                "sales.kind",
                f"'transactions' (till lines, aggregated to days) or 'daily', got {kind!r}",
            )
        date = self.time(t["date"], "sales.date") if t.get("date") is not None else None
        stamp = (
            self.time(t["timestamp"], "sales.timestamp") if t.get("timestamp") is not None else None
        )
        if (date is None) == (stamp is None):
            self.fail("sales", "given exactly one of 'date' (the local day) and 'timestamp'")
        if kind == "daily" and stamp is not None:
            self.fail("sales.date", "given for kind 'daily' (the day of each row), not 'timestamp'")
        quantity, sales = self.opt_str(t, "quantity", "sales"), self.opt_str(t, "sales", "sales")
        if kind == "transactions" and (quantity is None or sales is not None):
            self.fail(
                "sales.quantity",
                "the column of units per line for kind 'transactions' (not 'sales')",
            )
        if kind == "daily" and (sales is None or quantity is not None):
            self.fail(
                "sales.sales", "the column of the day's sales for kind 'daily' (not 'quantity')"
            )
        unit_price = self.opt_str(t, "unit_price", "sales")
        if unit_price is not None and kind == "daily":
            self.fail(
                "sales.unit_price", "left out for kind 'daily' (map a price column under 'columns')"
            )
        columns = self.column_map(t.get("columns"), "sales.columns")
        if columns and kind == "transactions":
            self.fail(
                "sales.columns",
                "left out for kind 'transactions' (a line has a quantity "
                "and a unit_price; other daily columns need kind 'daily')",
            )
        for name in columns:
            if name in (DATE, STORE, ITEM) or name in NOT_KNOWN_IN_ADVANCE - {"stockout"}:
                self.fail(
                    f"sales.columns.{name}",
                    "a further column (price, promo, open, stockout or a covariate), "
                    "not a key or the target",
                )
        returns = t.get("returns", "net")
        if returns not in ("net", "drop"):
            self.fail(
                "sales.returns", f"'net' (returns subtract from the day) or 'drop', got {returns!r}"
            )
        keep = t.get("keep_series") or {}
        kt = self.table(keep, "sales.keep_series", optional=("min_days_with_sales", "top_stores"))
        min_days = kt.get("min_days_with_sales", 0)
        top = kt.get("top_stores")
        if not isinstance(min_days, int) or isinstance(min_days, bool) or min_days < 0:
            self.fail(
                "sales.keep_series.min_days_with_sales", f"an integer >= 0, got {_show(min_days)}"
            )
        if top is not None and (not isinstance(top, int) or isinstance(top, bool) or top < 1):
            self.fail("sales.keep_series.top_stores", f"an integer >= 1, got {_show(top)}")
        tx_out = None
        if t.get("transactions") is not None:
            tt = self.table(
                t["transactions"],
                "sales.transactions",
                required=("keep_days",),
                optional=("transaction_id",),
            )
            days = tt["keep_days"]
            if not isinstance(days, int) or isinstance(days, bool) or days < 1:
                self.fail("sales.transactions.keep_days", f"an integer >= 1, got {_show(days)}")
            if kind != "transactions" or stamp is None:
                self.fail(
                    "sales.transactions",
                    "left out unless kind is 'transactions' with a 'timestamp'",
                )
            tx_id = tt.get("transaction_id")
            tx_out = TransactionsOut(
                keep_days=days,
                transaction_id=self.key(tx_id, "sales.transactions.transaction_id")
                if tx_id is not None
                else None,
            )
        return SalesSpec(
            source=self.string(t["source"], "sales.source"),
            kind=kind,
            transactions=tx_out,
            store=self.key(t["store"], "sales.store"),
            item=self.key(t["item"], "sales.item"),
            date=date,
            timestamp=stamp,
            quantity=quantity,
            sales=sales,
            unit_price=unit_price,
            columns=columns,
            returns=returns,
            drop=self.drop_rules(t.get("drop"), "sales.drop"),
            keep_series=SeriesFilter(min_days_with_sales=min_days, top_stores=top),
            closed_days_event=self.opt_str(t, "closed_days_event", "sales"),
        )

    def column_map(self, raw: Any, key: str) -> dict[str, str]:
        if raw is None:
            return {}
        if not isinstance(raw, AbcMapping):
            self.fail(key, "a table of output column -> source column")
        out = {}
        for name, src in raw.items():
            name = str(name)
            if name != name.lower() or not re.fullmatch(r"[a-z_][a-z0-9_]*", name):
                self.fail(
                    f"{key}.{name}",
                    "named in lower case (letters, digits, _), as the dataset folder's columns are",
                )
            out[name] = self.string(src, f"{key}.{name}")
        return out

    def events(self, raw: Any, key: str) -> EventsSpec:
        t = self.table(
            raw, key, required=("source", "date", "event"), optional=("store", "scope", "drop")
        )
        scope = None
        if t.get("scope") is not None:
            st = self.table(
                t["scope"], f"{key}.scope", required=("column",), optional=("value", "all", "by")
            )
            by = st.get("by") or {}
            if not isinstance(by, AbcMapping):
                self.fail(
                    f"{key}.scope.by",
                    "a table of locale value -> stores attribute, e.g. {Regional: state}",
                )
            if by and st.get("value") is None:
                self.fail(
                    f"{key}.scope.value",
                    "the column naming the place (e.g. locale_name) when 'by' is given",
                )
            all_ = st.get("all") or []
            scope = ScopeSpec(
                column=self.string(st["column"], f"{key}.scope.column"),
                value=self.opt_str(st, "value", f"{key}.scope"),
                all=tuple(str(v) for v in (all_ if isinstance(all_, list) else [all_])),
                by={str(k): self.string(v, f"{key}.scope.by.{k}") for k, v in by.items()},
            )
        if scope is not None and t.get("store") is not None:
            self.fail(key, "given 'store' (a store column) or 'scope', not both")
        return EventsSpec(
            source=self.string(t["source"], f"{key}.source"),
            date=self.time(t["date"], f"{key}.date"),
            event=self.key(t["event"], f"{key}.event"),
            store=self.key(t["store"], f"{key}.store") if t.get("store") is not None else None,
            scope=scope,
            drop=self.drop_rules(t.get("drop"), f"{key}.drop"),
        )

    def covariates(self, raw: Any, key: str) -> CovariatesSpec:
        t = self.table(raw, key, required=("source", "date", "columns"), optional=("store", "fill"))
        columns = self.column_map(t["columns"], f"{key}.columns")
        if not columns:
            self.fail(f"{key}.columns", "at least one output column -> source column")
        reserved = sorted(set(columns) & {DATE, STORE, ITEM, "sales", "stockout", "price"})
        if reserved:
            self.fail(f"{key}.columns", f"covariates, not {', '.join(reserved)}")
        fill = t.get("fill", "none")
        if fill not in ("none", "forward"):
            self.fail(f"{key}.fill", f"'none' or 'forward', got {fill!r}")
        return CovariatesSpec(
            source=self.string(t["source"], f"{key}.source"),
            date=self.time(t["date"], f"{key}.date"),
            columns=columns,
            fill=fill,
            store=self.key(t["store"], f"{key}.store") if t.get("store") is not None else None,
        )

    def future(self, raw: Any) -> FutureSpec:
        t = self.table(raw, "future", required=("days",))
        days = t["days"]
        if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= 366:
            self.fail("future.days", f"an integer from 1 to 366, got {_show(days)}")
        return FutureSpec(days=days)

    def attributes(self, raw: Any, key: str, id_key: str) -> AttributesSpec:
        t = self.table(raw, key, required=("source", id_key), optional=("attributes",))
        attrs = self.column_map(t.get("attributes"), f"{key}.attributes")
        if STORE in attrs or ITEM in attrs:
            self.fail(f"{key}.attributes", f"attribute columns other than the key ({id_key})")
        return AttributesSpec(
            source=self.string(t["source"], f"{key}.source"),
            key=self.key(t[id_key], f"{key}.{id_key}"),
            attributes=attrs,
        )

    def check_sources(self, m: ImportMapping) -> None:
        used = [("sales.source", m.sales.source)]
        used += [(f"events[{i}].source", e.source) for i, e in enumerate(m.events)]
        used += [
            (f"{k}.source", a.source) for k, a in (("stores", m.stores), ("items", m.items)) if a
        ]
        used += [(f"covariates[{i}].source", c.source) for i, c in enumerate(m.covariates)]
        clash = sorted({n for c in m.covariates for n in c.columns} & set(m.sales.columns))
        if clash:
            self.fail(
                "covariates", f"columns other than those of sales.columns ({', '.join(clash)})"
            )
        for key, name in used:
            if name not in m.sources:
                self.fail(key, f"one of the sources ({', '.join(m.sources)}), got {name!r}")
        for e_i, e in enumerate(m.events):
            if e.scope and e.scope.by and m.stores is None:
                self.fail(
                    f"events[{e_i}].scope.by",
                    "used with a 'stores' table whose attributes "
                    f"include {', '.join(sorted(set(e.scope.by.values())))}",
                )
            if e.scope and m.stores is not None:
                missing = sorted(set(e.scope.by.values()) - set(m.stores.attributes))
                if missing:
                    self.fail(
                        f"events[{e_i}].scope.by",
                        f"attributes of the 'stores' table "
                        f"({', '.join(m.stores.attributes) or 'none'}); not {', '.join(missing)}",
                    )


# --- small helpers --------------------------------------------------------------------


def _text(col: pl.Expr) -> pl.Expr:
    """A column as text (ingest has already turned integral floats into integers)."""
    return col.cast(pl.String)


def _as_text(value: Any) -> str:
    # YAML reads TRUE/false as booleans; compared in lower case (see Condition.expr).
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _join(prefix: str, name: str) -> str:
    return f"{prefix}.{name}" if prefix else name


def _show(value: Any) -> str:
    return f"{type(value).__name__} {value!r}" if value is not None else "nothing"
