"""Global training: one Forecaster model over the whole chain, trained distributed.

The steps of ``Forecaster.fit``, each where the data are:

1. summaries on the cluster (``shelfcast.spark.summary``), then ``Forecaster.prepare`` on
   the driver: the spec, its categories, the window, count or amount;
2. the training rows of each bucket of whole series on the executors, by the Forecaster's
   own ``training_rows`` (random horizons, held-out last ``valid_days``, level offset);
3. ``xgboost.spark.SparkXGBRegressor`` with the Forecaster's booster parameters: early
   stopping on the held-out rows (``validation_indicator_col``), the offset as
   ``base_margin_col``;
4. the held-out rows' predictions on the executors; a bounded sample of the (mean, actual,
   horizon) triples reaches the driver, where the core's ``QuantileCalibrator`` is fitted;
5. the refit on every row with the number of trees found (x 1.1), as ``fit`` does;
6. the forecast of each bucket on the executors, the booster's bytes broadcast, and the model
   saved as a model version whose state the executors write.

Only summaries, the held-out sample and the booster ever reach the driver.
"""

from __future__ import annotations

import copy
import logging
import shutil
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl
import pyarrow as pa
import xgboost as xgb
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql.pandas.types import to_arrow_schema
from pyspark.sql.types import DoubleType, FloatType, LongType, StructField, StructType

from shelfcast.config import Settings
from shelfcast.data.dataset import Dataset
from shelfcast.data.schema import DATE
from shelfcast.data.validate import validate_tables
from shelfcast.errors import DataValidationError, ShelfcastError
from shelfcast.features.build import (
    LOOKBACK_DAYS, dense_history, row_feature_columns, series_chunks,
)
from shelfcast.forecast.artifact import new_version, save_model
from shelfcast.forecast.forecaster import Forecaster
from shelfcast.forecast.quantiles import QuantileCalibrator
from shelfcast.spark.arrow import (
    BUCKET, arrow_out, bucket_column, empty_table, per_group, spark_schema, to_polars,
)
from shelfcast.spark.failures import core_errors
from shelfcast.spark.features import covariates_of, typed_sales
from shelfcast.spark.read import SparkDataset
from shelfcast.spark.summary import ChainSummary, chain_summary, future_span, target_days
from shelfcast.spark.train import forecast_schema

__all__ = ["train_global", "forecast_global", "save_global", "predict_global"]

CHUNK_ROWS = 3_000_000
"""Dense-history rows turned into training rows at once within a bucket (as ``fit``)."""
CALIBRATION_ROWS = 1_000_000
"""Most held-out (mean, actual, horizon) triples sent to the driver: 24 MB; the calibrator's
cells need 150 each, so a uniform sample of a million calibrates as well as all of them."""
_Y, _MARGIN, _H, _KIND, _VALID = "_label", "_margin", "_horizon", "_kind", "_valid"


def _feature_columns(n: int) -> list[str]:
    # Positional names: feature names (spec.feature_names, given to XGBoost) may hold any text.
    return [f"_f{i:04d}" for i in range(n)]


def _rows_schema(names: list[str]) -> StructType:
    return StructType(
        [StructField(n, FloatType()) for n in names]
        + [StructField(_Y, DoubleType()), StructField(_MARGIN, DoubleType()),
           StructField(_H, LongType()), StructField(_KIND, LongType())]
    )


def history_start(model: Forecaster) -> date:
    """First day of the dense history ``fit`` reads (the window plus the lookback)."""
    return model.last_date_ - timedelta(days=model.window_days_ + LOOKBACK_DAYS)


def _history(sales: pl.DataFrame, model: Forecaster) -> pl.DataFrame:
    """A bucket's dense history (typed sales in) from the day ``fit`` starts reading."""
    return dense_history(sales, model.covariates_, end=model.last_date_, start=history_start(model))


def _raw_history(raw: pl.DataFrame, model: Forecaster, file: str) -> pl.DataFrame:
    return _history(typed_sales(raw, file), model)


def _training_rows(
    sales: DataFrame, model: Forecaster, *, buckets: int, keep: float, older_keep: float,
    file: str,
) -> DataFrame:
    """Every bucket's training rows (features, label, offset, horizon, kind) as a Spark frame."""
    names = _feature_columns(len(model.spec_.feature_names))
    schema = _rows_schema(names)
    target = to_arrow_schema(schema)

    def run(table: pa.Table) -> pa.Table:
        raw = to_polars(table)
        # One random stream per bucket: the draws do not depend on which task runs it.
        rng = np.random.default_rng([model.random_state, int(raw[BUCKET][0])])
        parts = [model.training_rows(chunk, rng, keep, older_keep)
                 for chunk in series_chunks(_raw_history(raw, model, file), CHUNK_ROWS)]
        # Column-major once: each Arrow column is then a contiguous slice, not a strided copy.
        X = np.ascontiguousarray(np.concatenate([p[0] for p in parts]).T)
        columns = [pa.array(X[j]) for j in range(X.shape[0])]
        columns += [pa.array(np.concatenate([p[k] for p in parts])) for k in range(1, 5)]
        return pa.Table.from_arrays(columns, schema=target.remove_metadata()).cast(target)

    with_bucket = sales.withColumn(BUCKET, bucket_column(buckets))
    return with_bucket.groupBy(BUCKET).applyInArrow(run, schema)


def _estimator(model: Forecaster, names: list[str], hessian: float, *, rounds: int,
               held_out: bool, num_workers: int, n_rows: int, init: Any = None) -> Any:
    from xgboost.spark import SparkXGBRegressor

    quiet = logging.getLogger("XGBoost-PySpark")  # its INFO lines, unless asked for
    if quiet.level == logging.NOTSET:
        quiet.setLevel(logging.WARNING)
    params = model.booster_params(hessian, n_rows)  # the local fit's rate for as many rows
    params.pop("nthread", None)  # Spark's own: spark.task.cpus threads per worker
    seed = params.pop("seed", model.random_state)
    options: dict[str, Any] = {
        "features_col": names, "label_col": _Y, "base_margin_col": _MARGIN,
        "num_workers": num_workers, "feature_names": model.spec_.feature_names,
        "feature_types": model.spec_.feature_types, "n_estimators": rounds,
        "random_state": seed, "verbose": False, **params,
    }
    if init is not None:  # grow more trees on this booster
        options["xgb_model"] = init
    if held_out:  # evaluated on the held-out rows; early stopping unless it is off
        options.update(validation_indicator_col=_VALID,
                       early_stopping_rounds=model.patience_for(n_rows))
    return SparkXGBRegressor(**options)


def _held_out_predictions(rows: DataFrame, booster_bytes: Any, model: Forecaster,
                          names: list[str], best: int) -> DataFrame:
    """(mean, actual, horizon) of each held-out row, predicted on the executors."""
    feature_names, feature_types = model.spec_.feature_names, model.spec_.feature_types
    schema = StructType([StructField("mu", DoubleType()), StructField("y", DoubleType()),
                         StructField("h", LongType())])

    def run(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        booster = xgb.Booster()
        booster.load_model(bytearray(booster_bytes.value))
        booster.set_param({"nthread": 1})
        for batch in batches:
            X = np.column_stack([batch.column(n).to_numpy(zero_copy_only=False) for n in names])
            dm = xgb.DMatrix(X, base_margin=batch.column(_MARGIN).to_numpy(),
                             feature_names=feature_names, feature_types=feature_types,
                             enable_categorical=True, nthread=1)
            mu = booster.predict(dm, iteration_range=(0, best)).astype(np.float64)
            yield pa.RecordBatch.from_arrays(
                [pa.array(mu), batch.column(_Y), batch.column(_H)], names=["mu", "y", "h"])

    held_out = rows.filter(F.col(_KIND) == 1).select(*names, _MARGIN, _Y, _H)
    return held_out.mapInArrow(run, schema)


def _first_rows(sales: DataFrame) -> pl.DataFrame:
    """200 rows, to learn the columns a bucket's frame will have."""
    return pl.DataFrame(pl.from_arrow(sales.limit(200).toArrow()))


def _median(expr: Any) -> Any:
    # Approximate (rank error 1e-4): an exact median would gather every row in one task.
    return F.percentile_approx(expr, 0.5, 10_000)


def train_global(
    spark: SparkSession, data: SparkDataset, *, settings: Settings, buckets: int,
    params: dict[str, Any] | None = None, num_workers: int | None = None,
) -> tuple[Forecaster, ChainSummary]:
    """A fitted Forecaster for the whole chain (its ``state_`` empty: the executors hold it)
    and the chain's summary."""
    params = {"country": settings.country, "quantiles": settings.quantiles, **(params or {})}
    model = Forecaster(**params)
    if not 1 <= model.max_horizon <= 366:
        raise ShelfcastError(f"max_horizon must be between 1 and 366, got {model.max_horizon}")
    summary = chain_summary(data.sales)
    span = future_span(data.future)
    small = {k: v for k, v in data.small.items() if k in ("events", "stores", "items", "weather")}
    future = pl.DataFrame({DATE: list(span)}) if span else None
    tables = Dataset(sales=pl.DataFrame(), future=future, **small)
    model.prepare(tables, covariates=covariates_of(data.sales.columns), stores=summary.stores,
                  items=summary.items, n_series=summary.n_series, first=summary.first,
                  last=summary.last, discrete=summary.discrete)
    file = data.files.get("sales", "sales")
    # The row features' names, from 200 rows: every bucket's frame has the same columns.
    probe = _raw_history(_first_rows(data.sales), model, file)
    model.spec_.row_features = row_feature_columns(model.spec_.frame(probe).columns, model.spec_)

    # The max_rows sample's rates, from the chain's target days counted by Spark.
    first_target = model.last_date_ - timedelta(days=model.window_days_ - 1)
    recent = max(first_target, model.recent_start())
    n_targets, n_recent = target_days(data.sales, last=model.last_date_,
                                      starts=[first_target, recent])
    keep, older_keep = model.sampling_rates(n_targets, n_recent)
    if older_keep < 1.0:
        model.notes_.append(
            f"trained on a random sample of the {n_targets:,} target days (older_rows, "
            f"max_rows): {keep:.0%} of the last {model.recent_days} days', "
            f"{older_keep:.0%} of older ones")
    names = _feature_columns(len(model.spec_.feature_names))
    rows = _training_rows(data.sales, model, buckets=buckets, keep=keep, older_keep=older_keep,
                          file=file)
    rows = rows.withColumn(_VALID, F.col(_KIND) == 1).persist()
    try:
        return _fit(spark, rows, model, names, num_workers=num_workers), summary
    finally:
        rows.unpersist()


def _fit(spark: SparkSession, rows: DataFrame, model: Forecaster, names: list[str], *,
         num_workers: int | None) -> Forecaster:
    power = model.tweedie_variance_power
    with core_errors():
        stats = rows.agg(
            F.count("*").alias("n"),
            F.sum((F.col(_KIND) == 0).cast("long")).alias("train"),
            F.sum((F.col(_KIND) == 1).cast("long")).alias("valid"),
            # Tweedie's hessian at the offset is about level^(2 - power): the typical row's.
            _median(F.exp(F.col(_MARGIN) * (2.0 - power))).alias("hessian"),
            _median(F.when(F.col(_KIND) != 1, F.exp(F.col(_MARGIN)))).alias("level"),
        ).first()
    if not stats["n"]:
        raise ShelfcastError(
            "not enough sales history to train on (need at least 2 days per series)")
    if stats["valid"] < 50 or stats["train"] < 50:
        raise ShelfcastError(
            f"too little history to hold days out for the global model ({stats['train']} training "
            f"and {stats['valid']} held-out rows, 50 of each needed): use "
            "SHELFCAST_SPARK_TRAINING=per_partition or the local engine",
            details={"train_rows": stats["train"], "held_out_rows": stats["valid"]},
        )
    workers = num_workers or max(spark.sparkContext.defaultParallelism, 1)
    early = model.early_stopping_rounds is not None
    n_rows = int(stats["n"])  # every training row, as the local fit counts them
    with core_errors():
        first = _estimator(model, names, float(stats["hessian"]), rounds=model.n_estimators,
                           held_out=True, num_workers=workers, n_rows=n_rows
                           ).fit(rows.filter(F.col(_KIND) <= 1))
    booster = first.get_booster()
    best = int(booster.best_iteration) + 1 if early else model.n_estimators
    calibrator = _calibrate(spark, rows, booster, model, names, best, int(stats["valid"]))
    # Then the held-out days are learned as fit learns them (Forecaster.refit).
    refit = model.refit_for(n_rows)
    every = rows.filter(F.col(_KIND) != 1)
    if refit == "none":
        booster = booster[:best]
    elif refit == "full":
        # More data supports a few more trees than the held-out slice chose.
        rounds = max(int(round(best * 1.1)), 1) if early else best
        with core_errors():
            booster = _estimator(model, names, float(stats["hessian"]), rounds=rounds,
                                 held_out=False, num_workers=workers, n_rows=n_rows
                                 ).fit(every).get_booster()
        best = rounds
    else:  # extend: a share more trees, grown on every day, on the early-stopped model
        extra = max(int(round(best * model.refit_share)), 1)
        if model.refit == "auto":
            model.notes_.append(
                f"held-out days learned by {model.refit_share:.0%} more trees, not a full refit "
                f"({n_rows:,} rows >= full_refit_rows)")
        with core_errors():
            booster = _estimator(model, names, float(stats["hessian"]), rounds=extra,
                                 held_out=False, num_workers=workers, n_rows=n_rows,
                                 init=booster[:best]
                                 ).fit(every).get_booster()
        best += extra
    model.valid_rows_ = int(stats["valid"])
    return model.set_fitted(
        booster, calibrator, pl.DataFrame(), fallback_level=float(stats["level"] or 1.0),
        best_iteration=best, n_train_rows=int(stats["n"]),
    )


def _calibrate(spark: SparkSession, rows: DataFrame, booster: Any, model: Forecaster,
               names: list[str], best: int, n_valid: int) -> QuantileCalibrator:
    raw = spark.sparkContext.broadcast(bytes(booster.save_raw("ubj")))
    try:
        triples = _held_out_predictions(rows, raw, model, names, best)
        if n_valid > CALIBRATION_ROWS:
            triples = triples.sample(fraction=CALIBRATION_ROWS / n_valid, seed=model.random_state)
        with core_errors():
            sample = triples.toArrow()
    finally:
        raw.unpersist()
    return QuantileCalibrator(model.quantiles, discrete=model.discrete_).fit(
        sample.column("mu").to_numpy(), sample.column("y").to_numpy(),
        sample.column("h").to_numpy())


def _shipped(model: Forecaster) -> Forecaster:
    """The model as the executors' closures carry it: without the booster, which travels once
    per executor as broadcast bytes instead of once per task."""
    light = copy.copy(model)
    light.booster_ = None
    return light


def _bucket_model(model: Forecaster, booster_bytes: bytes, state: pl.DataFrame) -> Forecaster:
    """The driver's model on an executor, with one bucket's state (one thread per task)."""
    booster = xgb.Booster()
    booster.load_model(bytearray(booster_bytes))
    local = copy.copy(model).set_params(n_jobs=1)
    return local.set_fitted(booster, model.calibrator_, state,
                            fallback_level=model.fallback_level_,
                            best_iteration=model.best_iteration_, n_train_rows=model.n_train_rows_)


def _state(history: pl.DataFrame, model: Forecaster) -> pl.DataFrame:
    # As fit keeps it: the last LOOKBACK_DAYS of the dense history read from the window's start.
    return history.filter(pl.col(DATE) > model.last_date_ - timedelta(days=LOOKBACK_DAYS))


def predict_global(
    spark: SparkSession, model: Forecaster, data: SparkDataset, *, horizon: int | None,
    buckets: int,
) -> DataFrame:
    """The forecast frame of every bucket of series, computed on the executors."""
    schema = forecast_schema(tuple(model.calibrator_.quantiles))
    files = dict(data.files)
    raw_booster = spark.sparkContext.broadcast(bytes(model.booster_.save_raw("ubj")))
    model = _shipped(model)
    sales = data.sales.withColumn(BUCKET, bucket_column(buckets))

    def forecast(raw_sales: pl.DataFrame, raw_future: pl.DataFrame | None) -> pl.DataFrame:
        if raw_future is None:
            sales_typed, future_typed = typed_sales(raw_sales, files.get("sales", "sales")), None
        else:
            # As the per-partition path: the core types the bucket's future against its sales.
            typed, report = validate_tables(
                {"sales": raw_sales.drop(BUCKET), "future": raw_future.drop(BUCKET)}, files=files)
            report.raise_for_errors()
            sales_typed, future_typed = typed["sales"], typed.get("future")
        state = _state(_history(sales_typed, model), model)
        fitted = _bucket_model(model, raw_booster.value, state)
        if raw_future is None:
            return fitted.predict(None, horizon=horizon)
        if future_typed is None:
            raise DataValidationError(f"{files.get('future', 'future')}: cannot be typed")
        return fitted.predict(future_typed)

    if data.future is None:
        return per_group(sales, [BUCKET], lambda s: forecast(s, None), schema)
    future = data.future
    span = future_span(future)
    if horizon is not None and span is not None:
        # The chain's first future day, not a bucket's: as the local command cuts it.
        day = F.to_date(F.col(DATE).cast("string"))
        future = future.filter(day < F.lit(span[0] + timedelta(days=horizon)))
    future = future.withColumn(BUCKET, bucket_column(buckets))
    return sales.groupBy(BUCKET).cogroup(future.groupBy(BUCKET)).applyInArrow(
        lambda s, f: arrow_out(forecast(to_polars(s), to_polars(f)), schema)
        if s.num_rows and f.num_rows else empty_table(schema), schema)


def save_global(
    spark: SparkSession, model: Forecaster, data: SparkDataset, *, model_dir: Path,
    version: str, buckets: int, n_series: int,
) -> Path:
    """Save ``model`` as a version under ``model_dir`` (``--model-dir`` loads it locally):
    the driver writes the booster and description, the executors the state (``state.parquet``
    is then a folder of part files, which ``Forecaster.load`` reads as one table)."""
    staging = model_dir / f".{version}.spark"
    file = data.files.get("sales", "sales")
    sales = data.sales.withColumn(BUCKET, bucket_column(buckets))
    probe = _state(_raw_history(_first_rows(data.sales), model, file), model)
    state_schema = spark_schema(probe)
    saved = save_model(copy.copy(model).set_fitted(
        model.booster_, model.calibrator_, probe.head(0), fallback_level=model.fallback_level_,
        best_iteration=model.best_iteration_, n_train_rows=model.n_train_rows_,
    ), staging, version=version, metadata={
        "data": {"series": n_series, "source": "spark"},
        "spark": {"training": "global", "buckets": buckets},
    })
    (saved / "state.parquet").unlink()
    light = _shipped(model)
    states = per_group(sales, [BUCKET], lambda raw: _state(_raw_history(raw, light, file), light),
                       state_schema)
    with core_errors():
        states.write.mode("overwrite").parquet(str(saved / "state.parquet"))
    for checksum in (saved / "state.parquet").glob(".*.crc"):
        checksum.unlink()  # Hadoop's checksums: Polars reads a folder of one file type only
    model_dir.mkdir(parents=True, exist_ok=True)
    final = saved.rename(model_dir / version)  # a reader never sees a half-written version
    shutil.rmtree(staging)
    return final


def forecast_global(
    spark: SparkSession, data: SparkDataset, *, settings: Settings, buckets: int,
    horizon: int | None = None, model_dir: Path | None = None, version: str | None = None,
    params: dict[str, Any] | None = None, num_workers: int | None = None,
) -> DataFrame:
    """Train the global model, save it (with ``model_dir``) and return the forecast frame."""
    model, summary = train_global(spark, data, settings=settings, buckets=buckets,
                                  params=params, num_workers=num_workers)
    if model_dir is not None:
        save_global(spark, model, data, model_dir=Path(model_dir),
                    version=version or new_version(), buckets=buckets, n_series=summary.n_series)
    return predict_global(spark, model, data, horizon=horizon, buckets=buckets)
