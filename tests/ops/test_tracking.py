"""Model tracking: comparing two versions' records, and the MLflow mirror (local file store)."""

from __future__ import annotations

from pathlib import Path

import pytest

from shelfcast.forecast.artifact import read_metadata, save_model
from shelfcast.ops.tracking import compare_metadata, mlflow_enabled, mlflow_mirror

A = {"version": "a", "created_at": "2024-01-01T00:00:00Z",
     "data": {"first_date": "2023-01-01", "last_date": "2023-12-31", "series": 60, "rows": 1000},
     "features": ["h", "lag_1", "price"], "parameters": {"max_depth": 6, "learning_rate": 0.05},
     "training": {"rows": 900, "trees": 120}, "backtest": {"wape": 0.52, "bias": 0.01}}
B = {**A, "version": "b", "data": {**A["data"], "last_date": "2024-01-07"},
     "features": ["h", "lag_1", "promo"], "parameters": {"max_depth": 8, "learning_rate": 0.05},
     "backtest": {"wape": 0.48, "bias": -0.02}}


def test_compare_says_what_changed_and_by_how_much() -> None:
    rows = {r["field"]: r for r in compare_metadata(A, B)}
    assert rows["backtest.wape"]["change"] == pytest.approx(-0.04)
    assert rows["parameters.max_depth"] == {"field": "parameters.max_depth", "a": 6, "b": 8,
                                            "change": 2}
    assert rows["parameters.learning_rate"]["change"] == 0
    assert rows["data.last_date"]["change"] == "changed"
    assert rows["features.added/dropped"] == {"field": "features.added/dropped", "a": "price",
                                              "b": "promo", "change": "changed"}


def test_mlflow_is_used_only_when_a_tracking_uri_is_set() -> None:
    assert not mlflow_enabled({})
    assert mlflow_enabled({"MLFLOW_TRACKING_URI": "file:///tmp/mlruns"})


def test_a_version_is_mirrored_to_mlflow(chain_dir: Path, tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    from mlflow.tracking import MlflowClient

    from shelfcast.data.load import load_dataset
    from shelfcast.forecast import Forecaster

    uri = (tmp_path / "mlruns").as_uri()
    monkeypatch.setenv("MLFLOW_TRACKING_URI", uri)
    monkeypatch.setenv("MLFLOW_ALLOW_FILE_STORE", "true")  # MLflow 3 keeps the file store opt-in
    model = Forecaster(n_estimators=20, early_stopping_rounds=None).fit(load_dataset(chain_dir))
    folder = save_model(model, tmp_path / "models", metadata={
        "backtest": {"wape": 0.5, "bias": 0.01}, "run": {"date": "2024-02-01", "reason": "test"}})
    meta = read_metadata(tmp_path / "models", folder.name)

    run_id = mlflow_mirror(folder, meta)

    run = MlflowClient(tracking_uri=uri).get_run(run_id)
    assert run.data.metrics == {"wape": 0.5, "bias": 0.01}
    assert run.data.params["data.last_date"] == meta["data"]["last_date"]
    assert run.data.params["parameters.n_estimators"] == "20"
    assert run.data.tags["shelfcast.version"] == folder.name
    assert run.data.tags["shelfcast.run_date"] == "2024-02-01"
    files = {f.path for f in MlflowClient(tracking_uri=uri).list_artifacts(run_id, "model")}
    assert "model/metadata.json" in files
