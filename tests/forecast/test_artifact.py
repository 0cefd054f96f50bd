"""The model artifact: versions, metadata, newest-first loading, clear errors."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from shelfcast.data.dataset import Dataset
from shelfcast.errors import ModelNotFoundError
from shelfcast.forecast import Forecaster
from shelfcast.forecast.artifact import list_versions, load_model, new_version, save_model


@pytest.fixture(scope="module")
def model() -> Forecaster:
    rng = np.random.default_rng(0)
    days = pl.date_range(pl.date(2024, 1, 1), pl.date(2024, 4, 30), eager=True)
    sales = pl.concat(
        pl.DataFrame({"date": days, "store_id": "S", "item_id": i, "sales": rng.poisson(5.0, len(days)).astype(float)})
        for i in ("A", "B")
    )
    return Forecaster(n_estimators=10, max_horizon=14).fit(Dataset(sales=sales))


def test_versions_sort_by_creation_time() -> None:
    a = new_version(datetime(2026, 11, 23, 19, 1, 2, tzinfo=UTC))
    b = new_version(datetime(2026, 11, 23, 19, 1, 3, tzinfo=UTC))
    assert a.startswith("20261123T190102Z-") and len(a) == len("20261123T190102Z-") + 6
    assert sorted([b, a]) == [a, b]


def test_save_and_load_newest_or_named(model: Forecaster, tmp_path: Path) -> None:
    first = save_model(model, tmp_path, version="20260101T000000Z-aaaaaa")
    second = save_model(model, tmp_path, metadata={"backtest": {"rmsse": 0.5}})
    assert list_versions(tmp_path) == [first.name, second.name]
    newest = load_model(tmp_path)
    assert newest.version == second.name and newest.metadata["backtest"] == {"rmsse": 0.5}
    assert load_model(tmp_path, first.name).version == first.name
    assert newest.model.predict(horizon=5).equals(model.predict(horizon=5))
    meta = json.loads((second / "metadata.json").read_text())
    for key in ("version", "created_at", "shelfcast_version", "data", "features", "parameters", "quantiles"):
        assert key in meta
    assert meta["data"]["first_date"] == "2024-01-01" and meta["data"]["last_date"] == "2024-04-30"
    assert meta["data"]["series"] == 2
    assert not any(p.name.startswith(".") for p in tmp_path.iterdir()), "no partial folder left"


def test_missing_models_are_clear_errors(model: Forecaster, tmp_path: Path) -> None:
    with pytest.raises(ModelNotFoundError, match="no saved model in"):
        load_model(tmp_path / "empty")
    save_model(model, tmp_path)
    with pytest.raises(ModelNotFoundError, match="no model version 'nope'"):
        load_model(tmp_path, "nope")
    with pytest.raises(ModelNotFoundError, match="does not hold a saved forecaster"):
        Forecaster.load(tmp_path)
