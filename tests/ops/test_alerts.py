import polars as pl

from shelfcast.ops.alerts import monitoring_alerts
from shelfcast.ops.drift import DRIFT_COLUMNS
from shelfcast.ops.settings import OpsSettings

SETTINGS = OpsSettings()


def _group(wape: float, bias: float, coverage: float, rows: int = 50) -> pl.DataFrame:
    return pl.DataFrame({"store_id": ["S1"], "category": ["dairy"], "rows": [rows],
                         "actual": [100.0], "forecast": [100.0 * (1 + bias)], "wape": [wape],
                         "bias": [bias], "coverage_q90": [coverage]})


def _drift(value: float) -> pl.DataFrame:
    return pl.DataFrame({"feature": ["price"], "psi": [value], "reference_rows": [100],
                         "recent_rows": [100], "reference_mean": [2.0], "recent_mean": [3.0]},
                        schema=DRIFT_COLUMNS)


def test_healthy_accuracy_and_stable_inputs_raise_nothing() -> None:
    alerts = monitoring_alerts(_group(0.4, 0.05, 0.91), {"wape": 0.4, "days": 7}, _drift(0.05),
                               settings=SETTINGS, backtest_wape=0.4)
    assert alerts.height == 0


def test_each_breach_raises_its_kind() -> None:
    alerts = monitoring_alerts(_group(1.3, -0.5, 0.5), {"wape": 1.3, "days": 7}, _drift(0.6),
                               settings=SETTINGS, backtest_wape=0.5)
    assert sorted(alerts["kind"].to_list()) == [
        "accuracy_bias", "accuracy_coverage", "accuracy_degraded", "accuracy_wape",
        "feature_drift"]
    bias = alerts.filter(pl.col("kind") == "accuracy_bias").row(0, named=True)
    assert bias["subject"] == "S1/dairy" and "under-shoot" in bias["message"]


def test_a_group_with_few_scored_rows_says_too_little_to_alert_on() -> None:
    alerts = monitoring_alerts(_group(2.0, 1.0, 0.0, rows=5), {"wape": 0.4, "days": 7}, _drift(0.0),
                               settings=SETTINGS, backtest_wape=0.4)
    assert alerts.height == 0


def test_degradation_needs_a_full_window_of_scored_days() -> None:
    alerts = monitoring_alerts(_group(0.4, 0.0, 0.9), {"wape": 1.3, "days": 2}, _drift(0.0),
                               settings=SETTINGS, backtest_wape=0.5)
    assert alerts.height == 0
