"""A fresh workspace (SHELFCAST_HOME) per test, so no test sees another's files."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def workspace(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "var"
    home.mkdir()
    monkeypatch.setenv("SHELFCAST_HOME", str(home))
    return home
