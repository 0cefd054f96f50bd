"""The import mapping: parsed into a spec, and every mistake named by its key."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import polars as pl
import pytest

from shelfcast.data.mapping import Condition, KeySpec, load_mapping, parse_mapping
from shelfcast.errors import MappingError

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"

MINIMAL: dict[str, Any] = {
    "sources": {"lines": {"file": "lines.csv"}},
    "sales": {
        "source": "lines",
        "kind": "transactions",
        "timestamp": "ts",
        "store": "shop",
        "item": "sku",
        "quantity": "qty",
    },
}


def _with(path: str, value: Any) -> dict[str, Any]:
    raw = copy.deepcopy(MINIMAL)
    *parents, last = path.split(".")
    node = raw
    for p in parents:
        node = node[p]
    node[last] = value
    return raw


def test_a_minimal_mapping_and_its_defaults() -> None:
    m = parse_mapping(MINIMAL)
    assert m.sales.kind == "transactions" and m.sales.returns == "net"
    assert m.sales.store == KeySpec(columns=("shop",))
    assert m.sales.timestamp is not None and m.sales.timestamp.columns == ("ts",)
    assert m.format == "parquet" and m.time_zone is None and m.events == ()


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        ("sales.kind", "weekly", r"sales\.kind must be 'transactions' .* got 'weekly'"),
        ("sales.colour", "red", r"unknown key\(s\) sales\.colour; allowed here: source, kind"),
        (
            "sales.source",
            "nowhere",
            r"sales\.source must be one of the sources \(lines\), got 'nowhere'",
        ),
        ("sales.store", {"constant": "a", "column": "b"}, r"sales\.store must be one of \{column"),
        ("sales.returns", "keep", r"sales\.returns must be 'net' .* got 'keep'"),
        (
            "sales.timestamp",
            {"column": "ts", "format": "mm/dd/yyyy"},
            r"sales\.timestamp\.format must be strftime",
        ),
        (
            "sales.drop",
            [{"reason": "x", "where": {"column": "a", "roughly": 1}}],
            r"unknown key\(s\) sales\.drop\[0\]\.where\[0\]\.roughly",
        ),
        (
            "sales.drop",
            [{"reason": "x", "where": {"column": "a", "less_than": "ten"}}],
            r"sales\.drop\[0\]\.where\[0\]\.less_than must be a number, got str 'ten'",
        ),
        (
            "sales.drop",
            [{"reason": "x", "where": {"column": "a", "matches": "("}}],
            r"matches must be a regular expression",
        ),
        (
            "sales.drop",
            [{"where": {"column": "a", "equals": 1}}],
            r"missing key\(s\) sales\.drop\[0\]\.reason",
        ),
        (
            "sales.keep_series",
            {"min_days_with_sales": -1},
            r"min_days_with_sales must be an integer >= 0",
        ),
        ("sales.columns", {"Price": "p"}, r"sales\.columns\.Price must be named in lower case"),
        (
            "sales.columns",
            {"promo": "p"},
            r"sales\.columns must be left out for kind 'transactions'",
        ),
        (
            "sales.transactions",
            {"keep_days": 0},
            r"sales\.transactions\.keep_days must be an integer >= 1",
        ),
        ("future", {"days": 0}, r"future\.days must be an integer from 1 to 366, got int 0"),
        (
            "covariates",
            [{"source": "lines", "date": "d", "columns": {"price": "p"}}],
            r"covariates\[0\]\.columns must be covariates, not price",
        ),
        (
            "covariates",
            [{"source": "lines", "date": "d", "columns": {"oil": "p"}, "fill": "linear"}],
            r"covariates\[0\]\.fill must be 'none' or 'forward', got 'linear'",
        ),
        ("time_zone", "Mars/Olympus", r"time_zone must be an IANA time zone"),
        ("format", "xls", r"format must be one of parquet, csv"),
    ],
)
def test_a_mistake_names_its_key_and_what_was_expected(path: str, value: Any, message: str) -> None:
    with pytest.raises(MappingError, match=message) as info:
        parse_mapping(_with(path, value), origin="shop.yaml")
    assert info.value.message.startswith("shop.yaml: ")


def test_kind_decides_which_columns_are_needed() -> None:
    raw = _with("sales.kind", "daily")
    with pytest.raises(MappingError, match=r"sales\.date must be given for kind 'daily'"):
        parse_mapping(raw)
    raw["sales"]["date"] = raw["sales"].pop("timestamp")
    with pytest.raises(MappingError, match=r"sales\.sales must be the column of the day's sales"):
        parse_mapping(raw)
    raw["sales"]["sales"] = raw["sales"].pop("quantity")
    assert parse_mapping(raw).sales.date is not None


def test_missing_top_level_keys_are_listed() -> None:
    with pytest.raises(MappingError, match=r"missing key\(s\) sales"):
        parse_mapping({"sources": {"a": "a.csv"}})


def test_scoped_events_need_the_store_attributes_they_name() -> None:
    raw = copy.deepcopy(MINIMAL)
    raw["events"] = [
        {
            "source": "lines",
            "date": "d",
            "event": "name",
            "scope": {
                "column": "locale",
                "all": ["National"],
                "value": "place",
                "by": {"Local": "city"},
            },
        }
    ]
    with pytest.raises(
        MappingError, match=r"events\[0\]\.scope\.by must be used with a 'stores' table"
    ):
        parse_mapping(raw)
    raw["stores"] = {"source": "lines", "store": "shop", "attributes": {"region": "r"}}
    with pytest.raises(
        MappingError, match=r"attributes of the 'stores' table \(region\); not city"
    ):
        parse_mapping(raw)
    raw["stores"]["attributes"]["city"] = "c"
    assert parse_mapping(raw).events[0].scope.by == {"Local": "city"}  # type: ignore[union-attr]


def test_toml_and_yaml_give_the_same_mapping(tmp_path: Path) -> None:
    (tmp_path / "m.yaml").write_text(
        "sources: {lines: {file: lines.csv}}\n"
        "sales: {source: lines, kind: transactions, timestamp: ts, store: [region, shop],\n"
        "        item: {constant: total}, quantity: qty}\n"
    )
    (tmp_path / "m.toml").write_text(
        '[sources.lines]\nfile = "lines.csv"\n[sales]\nsource = "lines"\nkind = "transactions"\n'
        'timestamp = "ts"\nstore = ["region", "shop"]\nitem = {constant = "total"}\n'
        'quantity = "qty"\n'
    )
    yaml_m, toml_m = load_mapping(tmp_path / "m.yaml"), load_mapping(tmp_path / "m.toml")
    assert yaml_m.sales == toml_m.sales
    assert yaml_m.origin == "m.yaml"


def test_a_broken_or_missing_file_is_a_mapping_error(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text("sales: [unclosed\n")
    with pytest.raises(MappingError, match="bad.yaml: not valid YAML"):
        load_mapping(tmp_path / "bad.yaml")
    with pytest.raises(MappingError, match="mapping file not found"):
        load_mapping(tmp_path / "none.yaml")
    (tmp_path / "m.json").write_text("{}")
    with pytest.raises(MappingError, match=r"a \.yaml, \.yml or \.toml file"):
        load_mapping(tmp_path / "m.json")


@pytest.mark.parametrize(
    "name", ["online_retail.yaml", "favorita.yaml", "favorita_oil.yaml", "myanmar.yaml"]
)
def test_the_examples_are_valid_mappings(name: str) -> None:
    m = load_mapping(EXAMPLES / name)
    assert m.time_zone is not None


def test_keys_join_columns_or_are_constant() -> None:
    df = pl.DataFrame({"region": ["N", "S", None], "shop": [1, 2, 3]})
    joined = df.select(KeySpec(columns=("region", "shop"), separator="/").expr("k"))["k"]
    assert joined.to_list() == ["N/1", "S/2", None]
    assert df.with_columns(KeySpec(constant="total").expr("k"))["k"].to_list() == ["total"] * 3


@pytest.mark.parametrize(
    ("op", "value", "expected"),
    [
        ("equals", True, [True, False, False, False]),  # TRUE, True and true alike
        ("not_equals", True, [False, True, True, False]),  # a null matches no test
        ("in", ["FALSE", "x"], [False, True, True, False]),
        ("starts_with", "F", [False, True, False, False]),
        ("matches", "^(TRUE|x)$", [True, False, True, False]),
        ("is_null", True, [False, False, False, True]),
    ],
)
def test_conditions(op: str, value: Any, expected: list[bool]) -> None:
    df = pl.DataFrame({"flag": ["TRUE", "FALSE", "x", None]})
    assert df.select(Condition("flag", op, value).expr())["flag"].to_list() == expected


def test_numeric_conditions_read_text_as_numbers() -> None:
    df = pl.DataFrame({"qty": ["-2", "0", "3", "n/a"]})
    assert df.select(Condition("qty", "less_than", 0).expr())["qty"].to_list() == [
        True,
        False,
        False,
        False,
    ]
    assert df.select(Condition("qty", "at_least", 0).expr())["qty"].to_list() == [
        False,
        True,
        True,
        False,
    ]
