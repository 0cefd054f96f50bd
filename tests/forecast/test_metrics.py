"""Metrics against values computed by hand."""

from __future__ import annotations

from datetime import date, timedelta

import polars as pl
import pytest

from shelfcast.forecast.metrics import (
    bias,
    evaluate,
    interval_coverage,
    mae,
    mase,
    on_column,
    pinball_loss,
    quantile_columns,
    quantile_coverage,
    rmse,
    rmsse,
    rmspe,
    series_scales,
    wape,
)

D = date(2024, 3, 1)


@pytest.fixture
def results() -> pl.DataFrame:
    # Two series (i, j) of one store, two days each, one cutoff; two models.
    # Model a errors (f - y): i: +1, +1; j: 0, -2. Model b is perfect.
    return pl.DataFrame(
        {
            "model": ["a"] * 4 + ["b"] * 4,
            "cutoff": [D] * 8,
            "horizon": [1, 2, 1, 2] * 2,
            "store_id": ["s"] * 8,
            "item_id": ["i", "i", "j", "j"] * 2,
            "actual": [1.0, 0.0, 3.0, 4.0] * 2,
            "forecast": [2.0, 1.0, 3.0, 2.0, 1.0, 0.0, 3.0, 4.0],
            "q10": [0.0] * 8,
            "q50": [1.0, 1.0, 2.0, 3.0] * 2,
            "q90": [2.0, 2.0, 5.0, 3.0] * 2,
            "scale_abs": [1.0, 1.0, 2.0, 2.0] * 2,
            "scale_sq": [1.0, 1.0, 4.0, 4.0] * 2,
        }
    )


def _value(df: pl.DataFrame, column: str, model: str = "a") -> float:
    return df.filter(pl.col("model") == model)[column].item()


def test_point_metrics_match_hand_computed_values(results: pl.DataFrame) -> None:
    by = ["model"]
    assert _value(mae(results, by), "mae") == pytest.approx((1 + 1 + 0 + 2) / 4)
    assert _value(rmse(results, by), "rmse") == pytest.approx((6 / 4) ** 0.5)
    assert _value(wape(results, by), "wape") == pytest.approx(4 / 8)
    assert _value(bias(results, by), "bias") == pytest.approx(0 / 8)
    assert _value(wape(results, by), "wape", model="b") == 0.0


def test_wape_on_the_median_column_is_named_after_it(results: pl.DataFrame) -> None:
    out = on_column(wape, "q50")(results, ["model"])
    # |1-1| + |1-0| + |2-3| + |3-4| = 3 over 8 units sold.
    assert _value(out, "wape_q50") == pytest.approx(3 / 8)


def test_rmspe_counts_only_days_with_sales(results: pl.DataFrame) -> None:
    out = rmspe(results, ["model"])
    # Days with sales: i day 1 (1/1), j day 1 (0/3), j day 2 (-2/4); the zero day is out.
    expected = ((1.0**2 + 0.0 + 0.5**2) / 3) ** 0.5
    assert _value(out, "rmspe") == pytest.approx(expected)


def test_scaled_errors_are_averaged_over_series(results: pl.DataFrame) -> None:
    by = ["model"]
    # MASE: i: mean|e| 1 / 1 = 1; j: 1 / 2 = 0.5 -> 0.75.
    assert _value(mase(results, by), "mase") == pytest.approx(0.75)
    # RMSSE: i: sqrt(1 / 1) = 1; j: sqrt(2 / 4) -> mean.
    assert _value(rmsse(results, by), "rmsse") == pytest.approx((1 + 0.5**0.5) / 2)


def test_a_series_with_zero_scale_is_left_out_of_the_scaled_mean(results: pl.DataFrame) -> None:
    flat = results.with_columns(
        pl.when(pl.col("item_id") == "j").then(0.0).otherwise(pl.col("scale_sq")).alias("scale_sq")
    )
    assert _value(rmsse(flat, ["model"]), "rmsse") == pytest.approx(1.0)


def test_pinball_loss_per_quantile_and_mean(results: pl.DataFrame) -> None:
    out = pinball_loss(results, ["model"])
    # q90, y - q: -1, -2, -2, +1 -> 0.1*1, 0.1*2, 0.1*2, 0.9*1 = 1.4 / 4.
    assert _value(out, "pinball_q90") == pytest.approx(1.4 / 4)
    # q10 = 0, y - q = y: 0.1 * (1 + 0 + 3 + 4) / 4.
    assert _value(out, "pinball_q10") == pytest.approx(0.8 / 4)
    # q50: |y - q| / 2: (0 + 1 + 1 + 1) / 2 / 4.
    assert _value(out, "pinball_q50") == pytest.approx(1.5 / 4)
    assert _value(out, "pinball") == pytest.approx((0.35 + 0.2 + 0.375) / 3)


def test_coverage_counts_ties_as_covered(results: pl.DataFrame) -> None:
    out = quantile_coverage(results, ["model"])
    # y <= q90: 1<=2, 0<=2, 3<=5, 4<=3 -> 3 of 4; y <= q10 (= 0): only the zero day.
    assert _value(out, "cov_q90") == pytest.approx(0.75)
    assert _value(out, "cov_q10") == pytest.approx(0.25)
    inside = interval_coverage(results, ["model"])
    assert _value(inside, "cov_80") == pytest.approx(0.75)


def test_evaluate_joins_every_metric_per_model_and_breakdown(results: pl.DataFrame) -> None:
    table = evaluate(results, by=["horizon"])
    assert table.select("model", "horizon").rows() == [("a", 1), ("a", 2), ("b", 1), ("b", 2)]
    assert {"wape", "wape_q50", "rmsse", "mase", "pinball", "cov_q90", "cov_80"} <= set(
        table.columns
    )
    # Horizon 1 of model a: errors +1 (i) and 0 (j) over 4 units.
    row = table.filter((pl.col("model") == "a") & (pl.col("horizon") == 1))
    assert row["wape"].item() == pytest.approx(1 / 4)


def test_evaluate_computes_scales_from_training_sales_per_cutoff(results: pl.DataFrame) -> None:
    train = pl.DataFrame(
        {
            "date": [D - timedelta(days=k) for k in (2, 1, 0)] * 2,
            "store_id": ["s"] * 6,
            "item_id": ["i"] * 3 + ["j"] * 3,
            # i: 0,1,0 -> mean |diff| 1, mean diff^2 1; j: 1,3,5 -> 2 and 4.
            # A later day (after the cutoff) must not count.
            "sales": [0.0, 1.0, 0.0, 1.0, 3.0, 5.0],
        }
    )
    late = pl.DataFrame(
        {"date": [D + timedelta(days=1)], "store_id": ["s"], "item_id": ["i"], "sales": [99.0]}
    )
    table = evaluate(
        results.drop("scale_abs", "scale_sq"), train=pl.concat([train, late])
    )
    expected = evaluate(results)
    assert table["rmsse"].to_list() == pytest.approx(expected["rmsse"].to_list())
    assert table["mase"].to_list() == pytest.approx(expected["mase"].to_list())


def test_evaluate_without_scales_leaves_scaled_metrics_out(results: pl.DataFrame) -> None:
    table = evaluate(results.drop("scale_abs", "scale_sq"))
    assert "rmsse" not in table.columns and "wape" in table.columns


def test_series_scales_treat_missing_days_as_zero_sales() -> None:
    sales = pl.DataFrame(
        {
            "date": [D, D + timedelta(days=1), D + timedelta(days=4)],
            "store_id": ["s"] * 3,
            "item_id": ["i"] * 3,
            "sales": [1.0, 3.0, 2.0],
        }
    )
    # Dense to D+6: 1, 3, 0, 0, 2, 0, 0 -> |diffs| 2, 3, 0, 2, 2, 0; squares 4, 9, 0, 4, 4, 0.
    out = series_scales(sales, end=D + timedelta(days=6))
    assert out["scale_abs"].item() == pytest.approx(9 / 6)
    assert out["scale_sq"].item() == pytest.approx(21 / 6)


def test_quantile_columns_are_ordered_by_level() -> None:
    df = pl.DataFrame({"q90": [1.0], "forecast": [1.0], "q10": [0.0], "q99.5": [2.0]})
    assert quantile_columns(df) == ["q10", "q90", "q99.5"]
