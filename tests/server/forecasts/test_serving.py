"""The live model's contract (``serving.py``) as the live-data code uses it."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import polars as pl
import pytest

from shelfcast.forecast import Forecaster
from shelfcast.server.forecasts.serving import LiveModel, PredictRequest, live_model


def test_predict_tomorrow_is_predict_next_day_and_leaves_unknown_keys_out(model_version_dir: Path) -> None:
    model = Forecaster.load(model_version_dir)
    live = LiveModel("v", Forecaster.load(model_version_dir))
    keys = [("S01", "I0001"), ("S02", "I0003"), ("S99", "I0001")]
    got = live.predict_tomorrow(keys, {("S01", "I0001"): 9.0})
    assert [(p.store_id, p.item_id) for p in got] == keys[:2]
    want = model.predict_next_day(pl.DataFrame({"store_id": ["S01", "S02"], "item_id": ["I0001", "I0003"],
                                                "sales": [9.0, 0.0]}))
    assert all(p.date == model.last_date_ + timedelta(days=2) for p in got)
    assert [p.forecast for p in got] == pytest.approx(want["forecast"].to_list(), rel=1e-5)
    assert [p.quantiles["q90"] for p in got] == pytest.approx(want["q90"].to_list(), rel=1e-5)


def test_live_model_follows_the_database(db, model_version_dir: Path) -> None:  # type: ignore[no-untyped-def]
    from shelfcast.server.forecasts.services import model_version_register
    from shelfcast.server.forecasts.serving import live_model_invalidate

    live_model_invalidate()
    assert live_model() is None
    row = model_version_register(path=model_version_dir)  # the first version: live at once
    model = live_model()
    assert model is not None and model.version == row.version
    assert live_model() is model  # cached, not loaded again
    day = model.first_day + timedelta(days=1)
    [p] = model.predict([PredictRequest("S01", "I0002", day)], tomorrow=day)
    assert p.date == day and set(p.quantiles) == {"q10", "q50", "q80", "q90", "q95", "q99"}
    live_model_invalidate()
