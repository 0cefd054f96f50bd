"""``shelfcast models list|promote|register`` on the server's database."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from shelfcast.cli.main import app
from shelfcast.forecast import Forecaster
from shelfcast.forecast.artifact import save_model
from shelfcast.server.forecasts.models import ModelVersion

runner = CliRunner()


def test_register_list_promote_and_roll_back(db, model_version_dir: Path, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    first = runner.invoke(app, ["models", "register", str(model_version_dir)])
    assert first.exit_code == 0, first.output
    assert model_version_dir.name in first.output and "(live)" in first.output
    newer_dir = save_model(Forecaster.load(model_version_dir), tmp_path)
    assert runner.invoke(app, ["models", "register", str(newer_dir)]).exit_code == 0
    listed = runner.invoke(app, ["models", "list"])
    assert listed.exit_code == 0 and newer_dir.name in listed.output
    assert ModelVersion.objects.get(is_live=True).version == model_version_dir.name

    promoted = runner.invoke(app, ["models", "promote", newer_dir.name])
    assert promoted.exit_code == 0 and f"{newer_dir.name} is live" in promoted.output
    assert ModelVersion.objects.get(is_live=True).version == newer_dir.name
    assert runner.invoke(app, ["models", "promote", model_version_dir.name]).exit_code == 0
    assert ModelVersion.objects.get(is_live=True).version == model_version_dir.name


def test_errors_are_a_message_and_exit_1(db, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    for args in (["models", "promote", "nope"], ["models", "register", str(tmp_path)]):
        result = runner.invoke(app, args)
        assert result.exit_code == 1, result.output
        assert "error" in result.output and "Traceback" not in result.output
    assert ModelVersion.objects.count() == 0
    empty = runner.invoke(app, ["models", "list"])
    assert empty.exit_code == 0 and "no model versions" in empty.output
