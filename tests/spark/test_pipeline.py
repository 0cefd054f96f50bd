"""The Spark engine against the single-machine path, on the synthetic chain (plugins/chain.py)."""

from __future__ import annotations

import shutil
from datetime import timedelta
from pathlib import Path

import numpy as np
import polars as pl
import pytest
from polars.testing import assert_frame_equal
from typer.testing import CliRunner

from shelfcast.cli.main import app
from shelfcast.config import Settings
from shelfcast.data.dataset import Dataset
from shelfcast.data.load import load_dataset
from shelfcast.data.schema import DATE, ITEM, STORE
from shelfcast.features.build import dense_history
from shelfcast.forecast.artifact import load_model
from shelfcast.forecast.forecaster import Forecaster
from shelfcast.spark.features import covariates_of, feature_spec, spark_features
from shelfcast.spark.read import read_dataset
from shelfcast.spark.train import forecast_per_partition
from shelfcast.spark.validate import validate_spark

from .conftest import SETTINGS

KEYS = [STORE, ITEM, DATE]
FAST = {"n_estimators": 60, "early_stopping_rounds": 10, "max_horizon": 14, "window_days": 200}


def test_spark_features_equal_local_features_value_for_value(spark, chain_dir: Path) -> None:
    local = load_dataset(chain_dir)
    data = read_dataset(spark, chain_dir, SETTINGS)
    covariates = covariates_of(local.sales.columns)
    spec = feature_spec(
        data.small, covariates=covariates, country="US",
        stores=local.sales[STORE].unique().to_list(), items=local.sales[ITEM].unique().to_list(),
        first=local.first_date, last=local.last_date,
    )
    on_spark = pl.from_arrow(
        spark_features(data.sales, spec, end=local.last_date, buckets=SETTINGS.buckets).toArrow()
    ).sort(KEYS)
    # The reference: the core's steps on the whole chain in one process.
    frame = spec.frame(dense_history(local.sales, covariates, end=local.last_date))
    expected = frame.select(
        pl.col(DATE), pl.col(STORE).cast(pl.String), pl.col(ITEM).cast(pl.String),
        *[pl.col(c).cast(pl.Float64) for c in on_spark.columns[3:]],
    ).sort(KEYS)
    assert on_spark.height == expected.height == frame.height
    assert len(on_spark.columns) > 30  # calendar, events, prices, lags, attributes
    assert_frame_equal(on_spark, expected, check_exact=True)


def _local_per_store(chain_dir: Path, horizon: int) -> pl.DataFrame:
    ds = load_dataset(chain_dir)
    parts = []
    for store in sorted(ds.sales[STORE].unique().to_list()):
        only = pl.col(STORE) == store
        part = Dataset(sales=ds.sales.filter(only), future=ds.future.filter(only),
                       events=ds.events, stores=ds.stores, items=ds.items, weather=ds.weather)
        model = Forecaster(n_jobs=1, **FAST).fit(part)
        parts.append(model.predict(part.future, horizon=horizon))
    return pl.concat(parts)


def test_per_partition_forecasts_agree_with_local_per_partition(
    spark, chain_dir: Path, tmp_path: Path
) -> None:
    data = read_dataset(spark, chain_dir, SETTINGS)
    on_spark = forecast_per_partition(
        spark, data, settings=Settings(), partition_by=STORE, horizon=7,
        model_dir=tmp_path / "models", version="20260101T000000Z-abcdef", params=FAST,
    )
    got = pl.from_arrow(on_spark.toArrow()).sort(KEYS)
    want = _local_per_store(chain_dir, 7).sort(KEYS)
    assert got.select(KEYS).equals(want.select(KEYS))
    assert got.columns == want.columns
    for column in got.columns[3:]:
        np.testing.assert_allclose(got[column].to_numpy(), want[column].to_numpy(),
                                   rtol=1e-4, atol=1e-4, err_msg=column)
    # Calibrated quantiles travelled with each partition's model: they do not cross.
    qs = got.select("q10", "q50", "q80", "q90", "q95", "q99").to_numpy()
    assert (np.diff(qs, axis=1) >= 0).all()
    # One loadable model version per store.
    folders = sorted(p.name for p in (tmp_path / "models").iterdir())
    assert folders == [f"store_id={s}" for s in sorted(want[STORE].unique().to_list())]
    loaded = load_model(tmp_path / "models" / folders[0])
    assert loaded.version == "20260101T000000Z-abcdef"


def test_validation_names_bad_rows_by_their_keys(spark, chain_dir: Path, tmp_path: Path) -> None:
    folder = tmp_path / "bad"
    shutil.copytree(chain_dir, folder)
    sales = pl.read_parquet(folder / "sales.parquet")
    first = sales.row(0, named=True)
    bad = pl.concat([
        sales.with_columns(
            pl.when((pl.col(STORE) == first[STORE]) & (pl.col(ITEM) == first[ITEM])
                    & (pl.col(DATE) == first[DATE])).then(-3.0).otherwise(pl.col("sales"))
            .alias("sales")),
        sales.head(1),  # a duplicate key
    ])
    bad.write_parquet(folder / "sales.parquet")
    future = pl.read_parquet(folder / "future.parquet")
    future.with_columns(
        pl.when(pl.int_range(pl.len()) == 0).then(pl.lit("S-NONE")).otherwise(pl.col(STORE))
        .alias(STORE)
    ).write_parquet(folder / "future.parquet")

    report = validate_spark(read_dataset(spark, folder, SETTINGS), buckets=SETTINGS.buckets)
    text = "\n".join(str(i) for i in report.errors)
    key = f"{first[STORE]} / {first[ITEM]} / {first[DATE].isoformat()}"
    codes = {i.code for i in report.errors}
    assert {"unknown_series", "duplicate_key"} <= codes, text
    assert key in text  # the negative sale and the duplicate are named by their keys
    assert "S-NONE" in text
    # The same rules as the core: every error code the core finds, Spark finds.
    from shelfcast.data.load import validate_folder

    core_codes = {i.code for i in validate_folder(folder).errors}
    assert core_codes <= codes, (core_codes, codes)


def test_cli_forecast_and_replenish_on_spark(chain_dir: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("SHELFCAST_SPARK_MASTER", "local[2]")
    monkeypatch.setenv("SHELFCAST_SPARK_SHUFFLE_PARTITIONS", "4")
    runner = CliRunner()
    fc = tmp_path / "fc.parquet"
    result = runner.invoke(app, ["forecast", str(chain_dir), "--out", str(fc), "--horizon", "14",
                                 "--engine", "spark"])
    assert result.exit_code == 0, result.output
    frame = pl.read_parquet(fc / "*.parquet")
    future = load_dataset(chain_dir).future
    first = future[DATE].min()
    assert frame.height == future.filter(pl.col(DATE) < first + timedelta(days=14)).height
    assert frame.columns[:4] == [DATE, STORE, ITEM, "forecast"]

    orders, alerts = tmp_path / "orders.parquet", tmp_path / "alerts.csv"
    result = runner.invoke(app, ["replenish", str(chain_dir), "--forecast", str(fc), "--out",
                                 str(orders), "--alerts", str(alerts), "--engine", "spark"])
    assert result.exit_code == 0, result.output
    lines = pl.read_parquet(orders / "*.parquet")
    assert lines.height > 0
    # The local command on the same forecast proposes the same quantities.
    single = tmp_path / "fc-single.parquet"
    frame.write_parquet(single)
    local_orders = tmp_path / "orders-local.parquet"
    result = runner.invoke(app, ["replenish", str(chain_dir), "--forecast", str(single), "--out",
                                 str(local_orders)])
    assert result.exit_code == 0, result.output
    columns = [STORE, ITEM, "order_date", "quantity", "arrival_date"]
    want = pl.read_parquet(local_orders).select(columns).sort(STORE, ITEM)
    assert_frame_equal(lines.select(columns).sort(STORE, ITEM), want)

    bad = runner.invoke(app, ["forecast", str(chain_dir), "--out", str(tmp_path / "f.xlsx"),
                              "--engine", "spark"])
    assert bad.exit_code == 1
    assert "write .parquet or .csv" in bad.output


@pytest.mark.postgres
def test_jdbc_ingest_from_postgresql(spark, postgres_server, chain_dir: Path, tmp_path: Path) -> None:
    import psycopg

    database = "spark_jdbc"
    postgres_server.create_database(database)
    sales = pl.read_parquet(chain_dir / "sales.parquet")
    with psycopg.connect(postgres_server.dsn(database), autocommit=True) as conn:
        conn.execute("CREATE TABLE daily_sales (day date, store text, sku text, units double "
                     "precision, price double precision, promo double precision, "
                     "open double precision, stockout double precision)")
        with conn.cursor().copy("COPY daily_sales FROM STDIN") as copy:
            for row in sales.select(DATE, STORE, ITEM, "sales", "price", "promo", "open",
                                    "stockout").iter_rows():
                copy.write_row(row)
        conn.execute("INSERT INTO daily_sales VALUES ('2020-01-01', 'S01', 'I0001', -5, 1, 0, 1, 0)")
    url = (f"jdbc:postgresql://{postgres_server.host}:{postgres_server.port}/{database}"
           f"?user={postgres_server.user}")
    query = ("SELECT day AS date, store AS store_id, sku AS item_id, units AS sales, price, "
             "promo, open, stockout FROM daily_sales")
    settings = SETTINGS.__class__(master="local[2]", shuffle_partitions=4, buckets=4,
                                  jdbc_url=url, jdbc_query=query)
    data = read_dataset(spark, chain_dir, settings)
    assert data.files["sales"] == "sales (JDBC query)"
    assert data.sales.count() == sales.height + 1
    report = validate_spark(data, buckets=4)
    negative = [i for i in report.errors if i.column == "sales"]
    assert negative, [str(i) for i in report.issues]
    assert "S01 / I0001 / 2020-01-01" in str(negative[0])
    assert negative[0].count == 1
