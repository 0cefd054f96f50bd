"""Threshold alerts over accuracy and drift: one row per breach, with the value, the
threshold and a sentence for a person.

Kinds: ``accuracy_wape``, ``accuracy_bias``, ``accuracy_coverage`` (per store and category,
over the recent window), ``accuracy_degraded`` (the whole chain against the model's own
backtest WAPE) and ``feature_drift`` (PSI per input).
"""

from __future__ import annotations

import polars as pl

from shelfcast.data.schema import STORE
from shelfcast.ops.accuracy import CATEGORY
from shelfcast.ops.settings import OpsSettings

__all__ = ["ALERT_COLUMNS", "monitoring_alerts", "degraded"]

ALERT_COLUMNS = {"kind": pl.String, "subject": pl.String, "value": pl.Float64,
                 "threshold": pl.Float64, "message": pl.String}
_MIN_ROWS = 20
"""A store and category with fewer scored rows in the window says too little to alert on."""
_NOISE_SIGMAS = 4.0
"""A bias must exceed this many sqrt(units) to count: Poisson noise alone is about 1 sqrt(units),
and retail counts are overdispersed (a 5-day window of 100 units easily misses by 30 %)."""


def degraded(chain: dict[str, float | None], backtest_wape: float | None, ratio: float, *,
             min_days: int) -> bool:
    """True when the chain's recent WAPE is worse than the backtest's by more than ``ratio``,
    over at least ``min_days`` scored days (``chain["days"]``): one bad day of a small chain
    is noise (daily WAPE of the sample chain ranges 0.5 - 1.1 around a 0.7 backtest)."""
    wape = chain.get("wape")
    if wape is None or not backtest_wape or (chain.get("days") or 0) < min_days:
        return False
    return wape > backtest_wape * (1 + ratio)


def monitoring_alerts(
    by_group: pl.DataFrame, chain: dict[str, float | None], drift: pl.DataFrame, *,
    settings: OpsSettings, backtest_wape: float | None,
) -> pl.DataFrame:
    """The alerts: ``by_group`` is ``summarise(scores, [store_id, category])`` over the window,
    ``chain`` the same pooled over everything (with ``days``, the scored days in it),
    ``drift`` the output of ``feature_drift``."""
    alerts: list[dict[str, object]] = []
    for row in by_group.filter(pl.col("rows") >= _MIN_ROWS).iter_rows(named=True):
        subject = f"{row[STORE]}/{row[CATEGORY]}"
        if row["wape"] is not None and row["wape"] > settings.alert_wape:
            alerts.append(_alert("accuracy_wape", subject, row["wape"], settings.alert_wape,
                                 f"{subject}: WAPE {row['wape']:.2f} over the last scored days "
                                 f"is above {settings.alert_wape:.2f}"))
        if row["bias"] is not None and abs(row["bias"]) > settings.alert_bias \
                and _beyond_noise(row["forecast"], row["actual"]):
            side = "over" if row["bias"] > 0 else "under"
            alerts.append(_alert("accuracy_bias", subject, row["bias"], settings.alert_bias,
                                 f"{subject}: forecasts {side}-shoot sales by "
                                 f"{abs(row['bias']):.0%} (limit {settings.alert_bias:.0%})"))
        if row["coverage_q90"] is not None and row["coverage_q90"] < settings.alert_coverage_q90:
            alerts.append(_alert(
                "accuracy_coverage", subject, row["coverage_q90"], settings.alert_coverage_q90,
                f"{subject}: only {row['coverage_q90']:.0%} of actuals at or below q90 "
                f"(expected 90 %, alert below {settings.alert_coverage_q90:.0%})"))
    if degraded(chain, backtest_wape, settings.degradation_ratio,
                min_days=settings.monitor_window_days):
        limit = float(backtest_wape or 0) * (1 + settings.degradation_ratio)
        alerts.append(_alert("accuracy_degraded", "chain", float(chain["wape"] or 0), limit,
                             f"chain WAPE {chain['wape']:.2f} is more than "
                             f"{settings.degradation_ratio:.0%} above the model's backtest "
                             f"WAPE {backtest_wape:.2f}: retraining is due"))
    for row in drift.filter(pl.col("psi") > settings.alert_psi).iter_rows(named=True):
        alerts.append(_alert("feature_drift", row["feature"], row["psi"], settings.alert_psi,
                             f"{row['feature']}: PSI {row['psi']:.2f} between the training "
                             f"window and recent days (mean {row['reference_mean']:.3g} -> "
                             f"{row['recent_mean']:.3g}); alert above {settings.alert_psi:.2f}"))
    return pl.DataFrame(alerts, schema=ALERT_COLUMNS)


def _beyond_noise(forecast: float, actual: float) -> bool:
    return abs(forecast - actual) > _NOISE_SIGMAS * max(forecast, actual) ** 0.5


def _alert(kind: str, subject: str, value: float, threshold: float, message: str) -> dict[str, object]:
    return {"kind": kind, "subject": subject, "value": float(value),
            "threshold": float(threshold), "message": message}
