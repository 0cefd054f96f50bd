"""``shelfcast dashboard``: its ``streamlit run`` command line, and its help."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from shelfcast.cli.dashboard import streamlit_args
from shelfcast.cli.main import app


def test_the_command_runs_the_app_headless_without_usage_stats() -> None:
    args = streamlit_args(port=8600, host="127.0.0.1")
    assert args[1:4] == ["-m", "shelfcast.dashboard.streamlit_main", "run"]
    assert Path(args[4]).name == "app.py" and Path(args[4]).is_file()
    options = dict(zip(args[5::2], args[6::2], strict=True))
    assert options == {"--server.port": "8600", "--server.address": "127.0.0.1",
                       "--server.headless": "true", "--browser.gatherUsageStats": "false",
                       "--client.toolbarMode": "minimal",
                       # the folder static beside app.py: the plotly.js the figures are drawn by
                       "--server.enableStaticServing": "true",
                       # nothing after each run but the run: no source watch, no forced GC
                       "--server.fileWatcherType": "none", "--runner.postScriptGC": "false"}


def test_the_command_is_registered() -> None:
    result = CliRunner().invoke(app, ["dashboard", "--help"])
    assert result.exit_code == 0
    assert "--port" in result.output and "SHELFCAST_TOKEN" in result.output
