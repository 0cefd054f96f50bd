"""What every command shares: turning library errors into a message and exit code 1."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import ParamSpec, TypeVar

import typer
from rich.console import Console

from shelfcast.config import Settings
from shelfcast.errors import ShelfcastError

__all__ = ["err_console", "console", "handle_errors", "settings_from_env"]

P = ParamSpec("P")
R = TypeVar("R")

console = Console()
err_console = Console(stderr=True)


def handle_errors(func: Callable[P, R]) -> Callable[P, R]:
    """A user error becomes ``error: <message>`` on stderr and exit code 1, never a traceback."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except ShelfcastError as exc:
            err_console.print(f"[bold red]error:[/] {exc.message}", highlight=False, soft_wrap=True)
            raise typer.Exit(code=1) from None

    return wrapper


def settings_from_env(**overrides: object) -> Settings:
    return Settings.from_env(**overrides)
