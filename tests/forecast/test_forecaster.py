from __future__ import annotations

import dataclasses
import json
from datetime import timedelta
from pathlib import Path

import numpy as np
import polars as pl
import pytest

from shelfcast.data.dataset import Dataset
from shelfcast.errors import NotFittedError, ShelfcastError
from shelfcast.features.build import dense_history
from shelfcast.features.weather import weather_features
from shelfcast.forecast import Forecaster
from shelfcast.forecast import forecaster as forecaster_module

COLUMNS = ["date", "store_id", "item_id", "forecast", "q10", "q50", "q80", "q90", "q95", "q99"]
SMALL = {"n_estimators": 40, "max_depth": 6, "learning_rate": 0.15, "max_horizon": 28}
"""Few trees: these tests are about behaviour, not accuracy."""


def _dataset(tables: dict[str, pl.DataFrame]) -> Dataset:
    return Dataset(**{k: v for k, v in tables.items() if k in {f.name for f in dataclasses.fields(Dataset)}})


@pytest.fixture(scope="module")
def chain(chain_tables: dict[str, pl.DataFrame]) -> Dataset:
    return _dataset(chain_tables)


@pytest.fixture(scope="module")
def fitted(chain: Dataset) -> Forecaster:
    return Forecaster(**SMALL).fit(chain)


def _check_frame(frame: pl.DataFrame) -> None:
    assert frame.columns == COLUMNS
    assert frame.schema["date"] == pl.Date and frame.schema["store_id"] == pl.String
    q = frame.select(COLUMNS[4:]).to_numpy()
    assert (q >= 0).all() and (frame["forecast"] >= 0).all()
    assert (np.diff(q, axis=1) >= 0).all(), "quantiles cross"


def test_predict_gives_one_row_per_future_row_in_its_order(fitted: Forecaster, chain: Dataset) -> None:
    out = fitted.predict(chain.future)
    _check_frame(out)
    assert out.select("date", "store_id", "item_id").equals(chain.future.select("date", "store_id", "item_id"))
    assert out["forecast"].mean() > 0


def test_prediction_by_chunks_of_series_equals_one_chunk(
    fitted: Forecaster, chain: Dataset, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Big chains are predicted a few series at a time (memory); the rows must not move.
    whole = fitted.predict(chain.future)
    monkeypatch.setattr(forecaster_module, "_CHUNK_ROWS", 500)
    assert fitted.predict(chain.future).equals(whole)


def test_horizon_keeps_the_first_days_of_future(fitted: Forecaster, chain: Dataset) -> None:
    out = fitted.predict(chain.future, horizon=3)
    first = chain.future["date"].min()
    assert sorted(out["date"].unique()) == [first + timedelta(days=d) for d in range(3)]
    assert out.height == chain.future.filter(pl.col("date") < first + timedelta(days=3)).height


def test_without_future_every_recent_series_for_28_days(fitted: Forecaster, chain: Dataset) -> None:
    out = fitted.predict()
    _check_frame(out)
    last = chain.sales["date"].max()
    recent = chain.sales.filter(pl.col("date") > last - timedelta(days=56), pl.col("sales") > 0)
    assert out.select("store_id", "item_id").unique().height == recent.select("store_id", "item_id").unique().height
    assert out["date"].min() == last + timedelta(days=1) and out["date"].max() == last + timedelta(days=28)
    assert fitted.predict(horizon=5)["date"].n_unique() == 5


def test_a_closed_day_forecasts_zero_everywhere(fitted: Forecaster, chain: Dataset) -> None:
    future = chain.future.with_columns(
        pl.when(pl.col("store_id") == "S01").then(0.0).otherwise(pl.col("open")).alias("open")
    )
    out = fitted.predict(future, horizon=7)
    closed = out.filter(pl.col("store_id") == "S01").select(COLUMNS[3:]).to_numpy()
    assert closed.size and (closed == 0).all()
    assert out.filter(pl.col("store_id") != "S01")["forecast"].sum() > 0


def test_future_rows_before_the_end_of_sales_are_an_error(fitted: Forecaster, chain: Dataset) -> None:
    past = chain.future.with_columns(pl.col("date") - timedelta(days=40))
    with pytest.raises(ShelfcastError, match="on or before the last day of sales"):
        fitted.predict(past)


def test_unfitted_model_says_so() -> None:
    with pytest.raises(NotFittedError):
        Forecaster().predict()


def test_init_only_stores_parameters() -> None:
    model = Forecaster(max_horizon=-3, learning_rate=0.5)
    assert model.get_params()["max_horizon"] == -3 and model.learning_rate == 0.5
    with pytest.raises(ShelfcastError, match="max_horizon"):
        model.fit(Dataset(sales=pl.DataFrame({"date": [pl.date(2024, 1, 1)], "store_id": ["S"], "item_id": ["I"], "sales": [1.0]})))


def test_update_rolls_the_state_to_what_a_refit_would_have(chain: Dataset) -> None:
    last = chain.sales["date"].max()
    cut = last - timedelta(days=7)
    early = dataclasses.replace(chain, sales=chain.sales.filter(pl.col("date") <= cut))
    updated = Forecaster(**SMALL, n_jobs=1).fit(early).update(chain.sales.filter(pl.col("date") > cut))
    refit = Forecaster(**SMALL, n_jobs=1).fit(chain)
    assert updated.last_date_ == refit.last_date_ == last
    assert updated.state_.equals(refit.state_)
    # The same feature rows for the days to forecast (the model itself differs: no refit).
    a, b = updated.features(chain.future), refit.features(chain.future)
    assert a.columns == b.columns
    assert a.equals(b)


def test_save_and_load_give_identical_predictions(fitted: Forecaster, chain: Dataset, tmp_path: Path) -> None:
    fitted.save(tmp_path / "m")
    again = Forecaster.load(tmp_path / "m")
    assert again.predict(chain.future).equals(fitted.predict(chain.future))
    assert again.predict(horizon=3).equals(fitted.predict(horizon=3))


def test_predict_next_day_takes_todays_provisional_sales(fitted: Forecaster, chain: Dataset) -> None:
    today = fitted.last_date_ + timedelta(days=1)
    series = chain.future.select("store_id", "item_id").unique().sort("store_id", "item_id").head(6)
    provisional = series.with_columns(pl.lit(4.0).alias("sales"))
    out = fitted.predict_next_day(provisional)
    _check_frame(out)
    assert out.height == 6 and (out["date"] == today + timedelta(days=1)).all()
    # The same as a model that had seen today complete, forecasting one day ahead.
    seen = Forecaster.load(_tmp(fitted))
    seen.update(provisional.with_columns(pl.lit(today).alias("date")))
    targets = series.with_columns(pl.lit(today + timedelta(days=1)).alias("date")).select("date", "store_id", "item_id")
    assert out.equals(seen.predict(targets))
    assert fitted.last_date_ == today - timedelta(days=1), "predict_next_day must not move the state"


def _tmp(model: Forecaster) -> Path:
    import tempfile

    return model.save(Path(tempfile.mkdtemp()) / "m")


def test_stockout_days_are_not_learned_as_zero_demand() -> None:
    rng = np.random.default_rng(0)
    days = pl.date_range(pl.date(2024, 1, 1), pl.date(2024, 7, 31), eager=True)
    rows = []
    for item in ("A", "B", "C", "D"):
        demand = rng.poisson(10.0, len(days)).astype(float)
        out = rng.random(len(days)) < 0.3  # 30 % of days run out early: low, censored sales
        sales = np.where(out, np.floor(demand * 0.2), demand)
        rows.append(pl.DataFrame({"date": days, "store_id": "S", "item_id": item, "sales": sales, "stockout": out.astype(float)}))
    sales = pl.concat(rows)
    model = Forecaster(**SMALL).fit(Dataset(sales=sales))
    mean = model.predict(horizon=7)["forecast"].mean()
    assert mean == pytest.approx(10.0, rel=0.12)  # censored days counted would give about 7.6


def test_the_model_learns_the_weather_effect(chain: Dataset, chain_tables: dict[str, pl.DataFrame]) -> None:
    # A fixed number of trees: the fixture's held-out January (after the one Christmas of its
    # 400 days) would stop early, and this test is about what the model can learn.
    model = Forecaster(
        n_estimators=150, early_stopping_rounds=None, max_depth=6, learning_rate=0.1,
        min_child_weight=3, max_bin=255, max_horizon=28,
    ).fit(chain)
    assert model.spec_.weather is not None, model.notes_
    items = chain_tables["items"]

    def ratio(category: str) -> float:
        """Forecast of the category's items with the days to forecast 8 C hotter, over 8 C colder."""
        chosen = items.filter(pl.col("category") == category)["item_id"].to_list()
        assert chosen
        future = chain.future.filter(pl.col("item_id").is_in(chosen))
        sums = []
        for delta in (8.0, -8.0):
            clone = Forecaster.load(_tmp(model))
            last = clone.last_date_
            weather = chain_tables["weather"].with_columns(
                pl.when(pl.col("date") > last).then(pl.col("temp_max") + delta)
                .otherwise(pl.col("temp_max")).alias("temp_max")
            )
            clone.spec_.weather = weather_features(weather)
            sums.append(float(clone.predict(future)["forecast"].sum()))
        return sums[0] / sums[1]

    # The generator: ice cream +8 % per degree C (x3.6 between +8 C and -8 C). The model
    # learns the direction and part of the size (measured x1.25-1.35). It does NOT yet tell
    # ice cream from household goods (which moved as much: warm spells also come with the
    # season's turn, which the lagging level misses for every category); see
    # docs/forecasting.md, known limits.
    assert ratio("ice_cream") > 1.15


def test_the_training_window_shrinks_to_the_history_row_budget() -> None:
    days = pl.date_range(pl.date(2021, 1, 1), pl.date(2023, 12, 31), eager=True)
    rng = np.random.default_rng(3)
    sales = pl.concat(
        pl.DataFrame({"date": days, "store_id": "S", "item_id": item,
                      "sales": rng.poisson(5.0, len(days)).astype(float)})
        for item in ("A", "B")
    )
    roomy = Forecaster(**SMALL, n_jobs=1).fit(Dataset(sales=sales))
    assert roomy.window_days_ == 1461 and not any("max_history_rows" in n for n in roomy.notes_)
    # 2 series x (window + 182 days of features) <= 1,400 rows: a 518-day window.
    tight = Forecaster(**SMALL, n_jobs=1, max_history_rows=1_400).fit(Dataset(sales=sales))
    assert tight.window_days_ == 518
    assert any("max_history_rows" in n for n in tight.notes_)
    # Never below a year, however tight the budget.
    assert Forecaster(**SMALL, n_jobs=1, max_history_rows=10).fit(Dataset(sales=sales)).window_days_ == 365


def _two_level_sales() -> pl.DataFrame:
    """Two series over three years: about 50 a day before the last year, 5 within it, so a
    training row's target tells its age."""
    days = pl.date_range(pl.date(2021, 1, 1), pl.date(2023, 12, 31), eager=True)
    last = days[-1]
    rng = np.random.default_rng(5)
    recent = np.array([(last - d).days < 365 for d in days])
    sales = pl.concat(
        pl.DataFrame({"date": days, "store_id": "S", "item_id": item,
                      "sales": rng.poisson(np.where(recent, 5.0, 50.0)).astype(float)})
        for item in ("A", "B")
    )
    return sales


def test_the_row_budget_samples_older_days_less_than_recent_ones() -> None:
    sales = _two_level_sales()
    # 730 recent and 1,460 older target days: about older_rows older ones are kept...
    assert Forecaster(older_rows=365)._sampling_rates(730, 1460) == (1.0, 0.25)
    assert Forecaster(older_rows=5_000)._sampling_rates(730, 1460) == (1.0, 1.0)
    # ...then every day alike, down to about max_rows in all.
    keep, older_keep = Forecaster(older_rows=365, max_rows=657)._sampling_rates(730, 1460)
    assert keep == pytest.approx(0.6) and older_keep == pytest.approx(0.15)

    model = Forecaster(**SMALL, n_jobs=1, older_rows=300).fit(Dataset(sales=sales))
    assert any("older_rows" in n for n in model.notes_)
    full = Forecaster(**SMALL, n_jobs=1).fit(Dataset(sales=sales))
    assert model.n_train_rows_ < 0.6 * full.n_train_rows_
    # The rows themselves: older targets (about 50 a day) are the sampled-down ones.
    history = dense_history(sales, [], end=model.last_date_)
    rows = model._training_rows(history, np.random.default_rng(0), model.last_date_, 0.8, older_keep=0.2)
    y, kind = rows[1], rows[4]
    trained = kind == 0
    older_share = float((y[trained] > 25).mean())
    rows_all = model._training_rows(history, np.random.default_rng(0), model.last_date_, 1.0)
    older_share_all = float((rows_all[1][rows_all[4] == 0] > 25).mean())
    # Unsampled about 2/3 of the training targets are older; at 0.2 against 0.8, about 1/3.
    assert older_share_all > 0.6
    assert 0.25 < older_share < 0.45


def test_refit_modes_set_the_number_of_trees(chain: Dataset) -> None:
    none = Forecaster(**SMALL, n_jobs=1, refit="none").fit(chain)
    extend = Forecaster(**SMALL, n_jobs=1, refit="extend", refit_share=0.25).fit(chain)
    assert none.best_iteration_ == none.booster_.num_boosted_rounds()
    best = none.best_iteration_
    assert extend.best_iteration_ == best + max(round(best * 0.25), 1)
    assert extend.booster_.num_boosted_rounds() == extend.best_iteration_
    # Booleans (models saved before the modes) still mean a full refit or none.
    old = Forecaster(**SMALL, n_jobs=1, refit=True).fit(chain)
    assert old.booster_.num_boosted_rounds() == max(round(best * 1.1), 1)
    _check_frame(extend.predict(chain.future))
    # "auto": a full refit on few rows, more trees on many (here: a budget of 0 rows).
    small = Forecaster(**SMALL, n_jobs=1).fit(chain)
    assert small.booster_.num_boosted_rounds() == old.booster_.num_boosted_rounds()
    # (Many rows also grow one tree a round, not parallel_trees: compared with as much.)
    one = Forecaster(**SMALL, n_jobs=1, refit="none", parallel_trees=1).fit(chain)
    big = Forecaster(**SMALL, n_jobs=1, full_refit_rows=0, big_learning_rate=None).fit(chain)
    assert big.best_iteration_ == one.best_iteration_ + max(round(one.best_iteration_ * 0.5), 1)
    assert any("full_refit_rows" in n for n in big.notes_)


def _trees_per_round(model: Forecaster) -> int:
    config = json.loads(model.booster_.save_config())
    return int(config["learner"]["gradient_booster"]["gbtree_model_param"]["num_parallel_tree"])


def test_few_rows_average_parallel_trees_many_rows_grow_one(chain: Dataset) -> None:
    model = Forecaster(parallel_trees=3, full_refit_rows=1000)
    assert model.booster_params(n_rows=999)["num_parallel_tree"] == 3
    assert model.booster_params(n_rows=1000)["num_parallel_tree"] == 1
    small = Forecaster(**SMALL, n_jobs=1).fit(chain)
    assert _trees_per_round(small) == 3
    assert small.booster_.num_boosted_rounds() == small.best_iteration_  # rounds, not trees
    big = Forecaster(**SMALL, n_jobs=1, full_refit_rows=0).fit(chain)
    assert _trees_per_round(big) == 1
    _check_frame(small.predict(chain.future))


def test_many_rows_learn_faster_with_proportionally_less_patience(chain: Dataset) -> None:
    model = Forecaster(learning_rate=0.1, big_learning_rate=0.2, early_stopping_rounds=40,
                       full_refit_rows=1000)
    assert model.booster_params(n_rows=999)["learning_rate"] == 0.1
    assert model.booster_params()["learning_rate"] == 0.1  # no size known: small data's
    assert model.booster_params(n_rows=1000)["learning_rate"] == 0.2
    assert (model.patience_for(999), model.patience_for(1000)) == (40, 20)
    assert Forecaster(early_stopping_rounds=None).patience_for(10**9) is None
    # And fit uses them: on a budget of 0 rows for the full refit, the big rate's trees.
    fast = Forecaster(**SMALL, n_jobs=1, full_refit_rows=0, big_learning_rate=0.6).fit(chain)
    slow = Forecaster(**SMALL, n_jobs=1, full_refit_rows=0, big_learning_rate=None).fit(chain)
    assert fast.best_iteration_ < slow.best_iteration_


def test_a_bad_refit_or_sampling_parameter_is_a_clear_error(chain: Dataset) -> None:
    with pytest.raises(ShelfcastError, match="refit must be"):
        Forecaster(**SMALL, refit="sometimes").fit(chain)
    with pytest.raises(ShelfcastError, match="older_rows must be at least 1"):
        Forecaster(**SMALL, older_rows=0).fit(chain)
