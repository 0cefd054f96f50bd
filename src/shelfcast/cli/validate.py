"""``shelfcast validate DATA_DIR``: the validation report of a dataset folder.

Exit code 0 when the folder is valid (warnings allowed), 1 on errors: scripts and CI can
gate on it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from shelfcast.cli._common import console, handle_errors, settings_from_env
from shelfcast.data.report import Issue, ValidationReport

__all__ = ["register", "validate_command", "render"]


def register(app: typer.Typer) -> None:
    app.command("validate")(validate_command)


@handle_errors
def validate_command(
    data_dir: Annotated[
        Path, typer.Argument(metavar="DATA_DIR", help="The dataset folder to check.")
    ],
    as_json: Annotated[bool, typer.Option(
        "--json", help="Print the report as JSON (ok, tables, errors, warnings, notes)."
    )] = False,
) -> None:
    """Check a dataset folder against the data format, and say what is wrong where.

    Prints the errors, then the warnings, then the rows read per table.
    Exit code 0 when the folder is valid (warnings allowed), 1 on errors.

    Example:

        shelfcast validate data/shop

        shelfcast validate data/shop --json > report.json
    """
    from shelfcast.data.load import validate_folder

    report = validate_folder(data_dir, settings=settings_from_env())
    if as_json:
        typer.echo(json.dumps(report.to_dict(), indent=2))
    else:
        for line in render(report, data_dir):
            console.print(line, highlight=False, soft_wrap=True)
    if not report.ok:
        raise typer.Exit(code=1)


def render(report: ValidationReport, data_dir: Path) -> list[str]:
    """The report as lines of console markup: errors, warnings, notes, rows per table."""
    lines: list[str] = []
    if report.errors:
        lines.append(f"[bold red]{_count(len(report.errors), 'error')}[/]")
        lines += [_bullet(issue, "red") for issue in report.errors]
    if report.warnings:
        lines.append(f"[bold yellow]{_count(len(report.warnings), 'warning')}[/]")
        lines += [_bullet(issue, "yellow") for issue in report.warnings]
    if report.notes:
        lines.append("[bold]Notes[/]")
        lines += [f"  - {escape(note)}" for note in report.notes]
    if report.tables:
        lines.append("[bold]Rows read[/]")
        width = max(map(len, report.tables))
        lines += [f"  {name:<{width}}  {rows:>12,}" for name, rows in report.tables.items()]
    verdict = ("[bold green]valid[/]" if report.ok
               else f"[bold red]not valid[/] ({_count(len(report.errors), 'error')})")
    lines.append(f"{escape(str(data_dir))}: {verdict}"
                 + (f", {_count(len(report.warnings), 'warning')}" if report.warnings else ""))
    return lines


def _bullet(issue: Issue, colour: str) -> str:
    return f"  [{colour}]-[/] {escape(str(issue))}"


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'s' if n != 1 else ''}"
