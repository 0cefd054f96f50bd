"""``shelfcast worker --once``: the queued jobs are run, then it exits."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from shelfcast.cli.main import app
from shelfcast.server.jobs.models import Job
from shelfcast.server.jobs.services import job_submit
from shelfcast.server.sales.models import DailySales

runner = CliRunner()


def test_the_worker_runs_a_queued_load_job(db, live_model_version, settings, tmp_path: Path,  # type: ignore[no-untyped-def]
                                           model_dir: Path) -> None:
    from shelfcast.data.generate import generate_chain, write_chain
    from tests.plugins.models import MODEL_CHAIN_ARGS

    settings.SHELFCAST_HOME = tmp_path
    tables = generate_chain(**MODEL_CHAIN_ARGS)
    folder = write_chain(tables, tmp_path / "chain", fmt="parquet")
    job = job_submit(kind="load", params={"data_dir": str(folder)})
    broken = job_submit(kind="load", params={"data_dir": str(tmp_path / "nowhere")})
    result = runner.invoke(app, ["worker", "--once", "--no-migrate"])
    assert result.exit_code == 0, result.output
    assert "2 job(s) handled" in result.output
    job.refresh_from_db()
    assert job.status == "succeeded" and job.attempts == 1
    assert DailySales.objects.count() == tables["sales"].height
    broken = Job.objects.get(pk=broken.pk)
    assert broken.status == "failed" and broken.error["error"] == "dataset_not_found"
