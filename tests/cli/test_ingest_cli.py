"""``shelfcast ingest`` through Typer's CliRunner: files, SQL, the report, the errors."""

from __future__ import annotations

import json
from pathlib import Path

import sqlalchemy as sa
from typer.testing import CliRunner

from shelfcast.cli.main import app

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
runner = CliRunner()


def test_ingest_files_prints_the_report(favorita_dir: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = runner.invoke(
        app, ["ingest", "--map", str(EXAMPLES / "favorita.yaml"), str(favorita_dir), str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "Read: stores 4 rows, traffic 14 rows, holidays 5 rows" in result.output
    assert "Dropped from events (holidays): 1 rows - transferred to another day" in result.output
    assert "Wrote: sales 14 rows, events 4 rows, stores 3 rows" in result.output
    assert json.loads((out / "import_report.json").read_text())["rows_written"]["sales"] == 14


def test_ingest_sql(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'shop.db'}"
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(
            sa.text("CREATE TABLE traffic (date TEXT, store_nbr INTEGER, transactions INTEGER)")
        )
        conn.execute(
            sa.text("INSERT INTO traffic VALUES ('2013-01-01', 1, 10), ('2013-01-02', 1, 12)")
        )
    engine.dispose()
    mapping = tmp_path / "traffic.toml"
    mapping.write_text(
        '[sources.traffic]\nquery = "SELECT * FROM traffic"\n'
        '[sales]\nsource = "traffic"\nkind = "daily"\ndate = "date"\n'
        'store = "store_nbr"\nitem = {constant = "total"}\nsales = "transactions"\n'
    )
    out = tmp_path / "out"
    result = runner.invoke(
        app,
        [
            "ingest",
            "--map",
            str(mapping),
            "--sql",
            url,
            "--query",
            "SELECT * FROM traffic WHERE transactions > 10",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "Read: traffic 1 rows" in result.output and "Wrote: sales 1 rows" in result.output


def test_a_mapping_error_is_a_message_and_exit_1(tmp_path: Path) -> None:
    mapping = tmp_path / "m.yaml"
    mapping.write_text("sources: {a: a.csv}\nsales: {source: a, kind: weekly, store: s, item: i}\n")
    (tmp_path / "a.csv").write_text("s,i\n")
    result = runner.invoke(
        app, ["ingest", "--map", str(mapping), str(tmp_path / "a.csv"), str(tmp_path / "o")]
    )
    assert result.exit_code == 1
    assert "error: m.yaml: sales.kind must be 'transactions'" in result.output
    assert "Traceback" not in result.output


def test_no_source_at_all_is_an_error(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["ingest", "--map", str(EXAMPLES / "myanmar.yaml"), str(tmp_path / "o")]
    )
    assert result.exit_code == 1
    assert "give the source files before OUT_DIR, or --sql URL" in result.output


def test_help_shows_an_example() -> None:
    result = runner.invoke(app, ["ingest", "--help"])
    assert result.exit_code == 0
    assert "Example" in result.output and "--sql" in result.output
