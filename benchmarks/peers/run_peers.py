"""The peers of shelfcast, run in their own environment (``make bench-peers-env``).

    benchmarks/.venv-peers/bin/python benchmarks/peers/run_peers.py \
        --train train.parquet --future future.parquet --out peers.parquet \
        [--models seasonal_naive,autoets,croston,tsb,lgbm,lgbm_tweedie] [--no-intervals]

Reads what the shelfcast side wrote (``bench_accuracy.py``, ``bench_forecast_speed.py``):
``train`` with ``date, store_id, item_id, sales`` and the known-in-advance covariates,
rows only where the retailer had them (a missing day sold nothing); ``future`` with
``date, store_id, item_id`` and the same covariates for the days to forecast. Writes one
row per model and future row: ``model, date, store_id, item_id, forecast, q10, q50,
q80, q90, q95, q99``, and a JSON of each peer's wall time (fit + predict) beside it.

Configurations: BENCHMARKS.md "Reference configurations of the peers".
- Seasonal naive: statsforecast ``SeasonalNaive(season_length=7)``, its own intervals.
- statsforecast ``AutoETS(season_length=7)`` (its own intervals), ``CrostonOptimized()``
  and ``TSB(alpha_d=0.1, alpha_p=0.1)`` (intervals from statsforecast's
  ``ConformalIntervals(h, n_windows=2)``: they have none of their own), each series on its
  whole history, or its last 365 days when it has gaps (days without a row) before that.
- mlforecast + LightGBM ``LGBMRegressor(n_estimators=500, learning_rate=0.05,
  num_leaves=63)``, plain (``lgbm``) and with ``objective="tweedie",
  tweedie_variance_power=1.1`` (``lgbm_tweedie``); lags 7, 14, 21, 28,
  ``RollingMean(7)`` and ``RollingMean(28)`` of lag 7, date features dayofweek, day,
  month, dayofyear, the covariates as ``X_df``; gaps filled with ``fill_gaps`` and zeros
  (covariates carried forward). Quantiles from mlforecast's conformal
  ``PredictionIntervals(n_windows=2, h=h)``, which refits the model on 2 extra windows.

Quantiles from symmetric intervals: levels 20/60/80/90/98 give q10 = lo-80, q80 = hi-60,
q90 = hi-80, q95 = hi-90, q99 = hi-98; q50 is the point forecast (the centre of every
interval); all clipped at 0.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np
import pandas as pd

QUANTILES = {"q10": ("lo", 80), "q80": ("hi", 60), "q90": ("hi", 80), "q95": ("hi", 90),
             "q99": ("hi", 98)}
LEVELS = [20, 60, 80, 90, 98]
ALL_MODELS = ["seasonal_naive", "autoets", "croston", "tsb", "lgbm", "lgbm_tweedie"]
STAT_MODELS = {"seasonal_naive", "autoets", "croston", "tsb"}
N_JOBS = int(os.environ.get("PEERS_N_JOBS", "-1"))


def _ids(df: pd.DataFrame) -> pd.DataFrame:
    df = df.copy()
    df["unique_id"] = df["store_id"].astype(str) + "|" + df["item_id"].astype(str)
    df["ds"] = pd.to_datetime(df["date"])
    return df


def _dense(train: pd.DataFrame, covariates: list[str], end: pd.Timestamp) -> pd.DataFrame:
    """fill_gaps from each series' first day to the last training day; y 0, covariates
    carried forward (then back)."""
    from utilsforecast.preprocessing import fill_gaps

    df = train[["unique_id", "ds", "sales", *covariates]].rename(columns={"sales": "y"})
    df = fill_gaps(df, freq="D", start="per_serie", end=end)
    df["y"] = df["y"].fillna(0.0)
    if covariates:
        df[covariates] = df.groupby("unique_id")[covariates].ffill()
        df[covariates] = df.groupby("unique_id")[covariates].bfill()
    return df.sort_values(["unique_id", "ds"]).reset_index(drop=True)


def _future_grid(
    future: pd.DataFrame, train: pd.DataFrame, covariates: list[str], end: pd.Timestamp, h: int
) -> pd.DataFrame:
    """Every forecast series on every day of the horizon (mlforecast's X_df must be whole);
    a missing covariate takes the series' latest known value."""
    days = pd.date_range(end + pd.Timedelta(days=1), periods=h, freq="D")
    ids = future[["unique_id", "store_id", "item_id"]].drop_duplicates("unique_id")
    grid = ids.merge(pd.DataFrame({"ds": days}), how="cross")
    grid = grid.merge(future[["unique_id", "ds", *covariates]], on=["unique_id", "ds"], how="left")
    grid["date"] = grid["ds"].dt.date
    if covariates:
        last = train.sort_values("ds").groupby("unique_id")[covariates].last()
        grid[covariates] = grid.groupby("unique_id")[covariates].ffill()
        filled = grid[["unique_id"]].join(last, on="unique_id")[covariates]
        grid[covariates] = grid[covariates].fillna(filled)
    return grid.sort_values(["unique_id", "ds"]).reset_index(drop=True)


def _quantile_frame(preds: pd.DataFrame, name: str, column: str) -> pd.DataFrame:
    out = pd.DataFrame({"model": name, "unique_id": preds["unique_id"], "ds": preds["ds"]})
    point = preds[column].astype(float).clip(lower=0.0)
    out["forecast"] = point
    out["q50"] = point
    for q, (side, level) in QUANTILES.items():
        col = f"{column}-{side}-{level}"
        out[q] = preds[col].astype(float).clip(lower=0.0) if col in preds.columns else np.nan
    # A lower bound clipped at 0 can sit above the point only if the point is 0 too; keep order.
    out["q10"] = np.minimum(out["q10"], out["q50"])
    return out


def _stats_history(dense: pd.DataFrame, train: pd.DataFrame, end: pd.Timestamp) -> pd.DataFrame:
    """Each series whole, or its last 365 days when it has a day without a row before that."""
    recent_start = end - pd.Timedelta(days=364)
    early = train[train["ds"] < recent_start].groupby("unique_id")["ds"].agg(["min", "count"])
    span = (recent_start - early["min"]).dt.days
    gappy = early.index[early["count"] < span]
    keep = ~dense["unique_id"].isin(gappy) | (dense["ds"] >= recent_start)
    return dense.loc[keep, ["unique_id", "ds", "y"]]


def run_stats(name: str, dense: pd.DataFrame, h: int, intervals: bool) -> pd.DataFrame:
    from statsforecast import StatsForecast
    from statsforecast.models import TSB, AutoETS, CrostonOptimized, Naive, SeasonalNaive
    from statsforecast.utils import ConformalIntervals

    conformal = ConformalIntervals(h=h, n_windows=2) if intervals else None
    model = {
        "seasonal_naive": lambda: SeasonalNaive(season_length=7, alias="m"),
        "autoets": lambda: AutoETS(season_length=7, alias="m"),
        "croston": lambda: CrostonOptimized(alias="m", prediction_intervals=conformal),
        "tsb": lambda: TSB(alpha_d=0.1, alpha_p=0.1, alias="m", prediction_intervals=conformal),
    }[name]()
    # statsforecast's own remedy for series too short for a model (AutoETS refuses "tiny
    # datasets"): a fallback model for those series, here the naive forecast.
    fallback = Naive(alias="m", prediction_intervals=conformal) if name != "autoets" else Naive()
    sf = StatsForecast(models=[model], freq="D", n_jobs=N_JOBS, fallback_model=fallback)
    preds = sf.forecast(df=dense, h=h, level=LEVELS if intervals else None)
    return _quantile_frame(preds.reset_index() if "unique_id" not in preds else preds, name, "m")


def run_lgbm(
    name: str, dense: pd.DataFrame, future: pd.DataFrame, covariates: list[str], h: int,
    intervals: bool,
) -> pd.DataFrame:
    import lightgbm as lgb
    from mlforecast import MLForecast
    from mlforecast.lag_transforms import RollingMean
    from mlforecast.utils import PredictionIntervals

    params = {"n_estimators": 500, "learning_rate": 0.05, "num_leaves": 63, "verbosity": -1,
              "n_jobs": N_JOBS}
    if name == "lgbm_tweedie":
        params.update(objective="tweedie", tweedie_variance_power=1.1)
    fcst = MLForecast(
        models={"m": lgb.LGBMRegressor(**params)},
        freq="D",
        lags=[7, 14, 21, 28],
        lag_transforms={7: [RollingMean(window_size=7), RollingMean(window_size=28)]},
        date_features=["dayofweek", "day", "month", "dayofyear"],
    )
    fcst.fit(
        dense,
        static_features=[],
        prediction_intervals=PredictionIntervals(n_windows=2, h=h) if intervals else None,
    )
    ids = sorted(future["unique_id"].unique())
    x_df = future[["unique_id", "ds", *covariates]] if covariates else None
    preds = fcst.predict(h=h, X_df=x_df, ids=ids, level=LEVELS if intervals else None)
    return _quantile_frame(preds, name, "m")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--train", type=Path, required=True)
    parser.add_argument("--future", type=Path, required=True)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--models", default=",".join(ALL_MODELS))
    parser.add_argument("--no-intervals", action="store_true")
    args = parser.parse_args()
    intervals = not args.no_intervals

    train = _ids(pd.read_parquet(args.train))
    future = _ids(pd.read_parquet(args.future))
    reserved = {"date", "store_id", "item_id", "sales", "stockout", "unique_id", "ds"}
    covariates = [c for c in future.columns if c not in reserved]
    future = future[future["unique_id"].isin(set(train["unique_id"]))]
    train = train[train["unique_id"].isin(set(future["unique_id"]))]
    end = train["ds"].max()
    h = int((future["ds"].max() - end).days)
    future = _future_grid(future, train, covariates, end, h)

    timings: dict[str, float] = {}
    parts: list[pd.DataFrame] = []
    errors: dict[str, str] = {}
    t0 = time.perf_counter()
    dense = _dense(train, covariates, end)
    prep = time.perf_counter() - t0
    for name in [m for m in args.models.split(",") if m]:
        start = time.perf_counter()
        def run(with_intervals: bool) -> pd.DataFrame:
            if name in STAT_MODELS:
                return run_stats(name, _stats_history(dense, train, end), h, with_intervals)
            return run_lgbm(name, dense, future, covariates, h, with_intervals)

        try:
            preds = run(intervals)
        except Exception as exc:  # report a peer's failure, keep the others
            errors[name] = f"{type(exc).__name__}: {exc}"
            print(f"[peers] {name} failed: {errors[name]}", flush=True)
            if not intervals:
                continue
            # Conformal calibration needs 2 x h + 1 days of every series; with younger
            # series the peer still gives its point forecast, without quantiles.
            start = time.perf_counter()
            try:
                preds = run(False)
            except Exception as exc2:
                errors[name] += f"; without intervals too: {type(exc2).__name__}: {exc2}"
                continue
            errors[name] += "; ran again without intervals (point forecast only, no quantiles)"
        timings[name] = time.perf_counter() - start + prep
        print(f"[peers] {name}: {timings[name]:.1f} s", flush=True)
        parts.append(preds)

    keys = _ids(pd.read_parquet(args.future))[["unique_id", "ds", "date", "store_id", "item_id"]]
    out = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        columns=["model", "unique_id", "ds"]
    )
    out = out.merge(keys, on=["unique_id", "ds"], how="inner")
    cols = ["model", "date", "store_id", "item_id", "forecast", "q10", "q50", "q80", "q90",
            "q95", "q99"]
    args.out.parent.mkdir(parents=True, exist_ok=True)
    out[[c for c in cols if c in out.columns]].to_parquet(args.out, index=False)
    args.out.with_suffix(".json").write_text(
        json.dumps({"seconds": timings, "prep_seconds": prep, "errors": errors,
                    "intervals": intervals, "horizon": h, "series": int(future["unique_id"].nunique())},
                   indent=2)
    )


if __name__ == "__main__":
    main()
