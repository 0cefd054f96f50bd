"""Fixtures of the jobs tests: a workspace the server writes into, a small chain as files."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture
def job_home(settings, tmp_path: Path) -> Path:  # type: ignore[no-untyped-def]
    """The server's workspace (uploads, runs, models) in a fresh folder for this test."""
    home = tmp_path / "home"
    home.mkdir()
    settings.SHELFCAST_HOME = home
    return home


@pytest.fixture(scope="session")
def small_chain_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The chain the live model of ``live_model_version`` was trained on, as CSV files (the
    way a user uploads them): so that model can forecast it."""
    from shelfcast.data.generate import generate_chain, write_chain
    from tests.plugins.models import MODEL_CHAIN_ARGS

    tables = generate_chain(**MODEL_CHAIN_ARGS)
    return write_chain(tables, tmp_path_factory.mktemp("small-chain"), fmt="csv")


@pytest.fixture
def run_queue(job_home: Path):  # type: ignore[no-untyped-def]
    """``run_queue()`` runs every queued job in this process, as ``shelfcast worker --once``
    (a long lease: the test's open transaction would hold up a heartbeat)."""
    from shelfcast.server.jobs.worker import Worker

    return lambda: Worker(poll_seconds=0.01, lease_seconds=600).run(once=True)
