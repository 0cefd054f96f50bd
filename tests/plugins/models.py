"""A small trained model version, and that version registered as the live model.

``model_version_dir`` trains once per session on a tiny synthetic chain (stores S01, S02;
items I0001..I0004) and saves it as an artifact version; ``live_model_version`` registers it
in the test database (so it is live) and makes the process look at the database again.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

import pytest

__all__ = ["MODEL_CHAIN_ARGS", "model_dir", "model_version_dir", "live_model_version"]

MODEL_CHAIN_ARGS: dict[str, int] = {"stores": 2, "items": 4, "days": 150, "seed": 1}


@pytest.fixture(scope="session")
def model_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A model directory holding one trained version (the newest is ``model_version_dir``)."""
    from shelfcast.data.dataset import Dataset
    from shelfcast.data.generate import generate_chain
    from shelfcast.forecast import Forecaster
    from shelfcast.forecast.artifact import save_model

    tables = generate_chain(**MODEL_CHAIN_ARGS)
    names = {f.name for f in dataclasses.fields(Dataset)}
    dataset = Dataset(**{k: v for k, v in tables.items() if k in names})
    model = Forecaster(n_estimators=30, max_depth=5, learning_rate=0.2, max_horizon=28,
                       early_stopping_rounds=None, n_jobs=1).fit(dataset)
    folder = tmp_path_factory.mktemp("models")
    save_model(model, folder)
    return folder


@pytest.fixture(scope="session")
def model_version_dir(model_dir: Path) -> Path:
    from shelfcast.forecast.artifact import list_versions

    return model_dir / list_versions(model_dir)[-1]


@pytest.fixture
def live_model_version(db: None, model_version_dir: Path) -> Iterator[str]:
    """The trained version, registered (and so live); yields its name."""
    from shelfcast.server.forecasts.services import model_version_register
    from shelfcast.server.forecasts.serving import live_model_invalidate

    live_model_invalidate()
    row = model_version_register(path=model_version_dir)
    live_model_invalidate()
    yield row.version
    live_model_invalidate()
