"""``shelfcast validate DATA_DIR``: the report, the exit code, ``--json``, ``--help``."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from shelfcast.cli.main import app

runner = CliRunner()

GOOD = "date,store_id,item_id,sales,holiday\n2024-01-01,S1,I1,3,\n2024-01-02,S1,I1,0,xmas\n"
BAD = "date,store_id,item_id,sales,holiday\n2024-01-01,S1,I1,-3,\n2024-01-02,S1,I1,abc,xmas\n"


def make(tmp_path: Path, sales: str) -> Path:
    (tmp_path / "sales.csv").write_text(sales)
    return tmp_path


def test_a_valid_folder_exits_0_and_shows_warnings_and_rows(tmp_path: Path) -> None:
    result = runner.invoke(app, ["validate", str(make(tmp_path, GOOD))])
    assert result.exit_code == 0, result.output
    assert "1 warning" in result.output
    assert "column 'holiday': text, not numbers" in result.output
    assert "Rows read" in result.output and "sales" in result.output
    assert f"{tmp_path}: valid, 1 warning" in result.output


def test_errors_exit_1_and_come_before_warnings(tmp_path: Path) -> None:
    result = runner.invoke(app, ["validate", str(make(tmp_path, BAD))])
    assert result.exit_code == 1
    out = result.output
    assert "2 errors" in out
    assert "column 'sales': negative sales in 1 row (row 1; value -3.0)" in out
    assert "column 'sales': not a number in 1 row (row 2; value 'abc')" in out
    assert out.index("2 errors") < out.index("1 warning")
    assert "not valid (2 errors)" in out


def test_json_report_is_machine_readable(tmp_path: Path) -> None:
    result = runner.invoke(app, ["validate", str(make(tmp_path, BAD)), "--json"])
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["ok"] is False and report["tables"] == {"sales": 2}
    assert {e["code"] for e in report["errors"]} == {"out_of_range", "not_number"}
    negative = next(e for e in report["errors"] if e["code"] == "out_of_range")
    assert (negative["file"], negative["column"], negative["rows"], negative["values"]) == (
        "sales.csv", "sales", [1], [-3.0])
    assert [w["code"] for w in report["warnings"]] == ["non_numeric_column"]


def test_a_missing_folder_is_a_clear_error(tmp_path: Path) -> None:
    result = runner.invoke(app, ["validate", str(tmp_path / "missing")])
    assert result.exit_code == 1
    assert "error:" in result.output and "no such folder" in result.output
    assert "Traceback" not in result.output


def test_help_shows_an_example() -> None:
    result = runner.invoke(app, ["validate", "--help"])
    assert result.exit_code == 0
    assert "Example" in result.output and "shelfcast validate data/shop" in result.output
    assert "--json" in result.output
