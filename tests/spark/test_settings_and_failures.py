"""Spark settings from the environment, and executor failures told as the core's errors."""

from __future__ import annotations

import pytest

from shelfcast.errors import ConfigurationError, DataValidationError, ShelfcastError
from shelfcast.spark.failures import core_error_from
from shelfcast.spark.settings import SparkSettings


def test_settings_from_environment() -> None:
    s = SparkSettings.from_env({"SHELFCAST_SPARK_TRAINING": "per_partition",
                                "SHELFCAST_SPARK_PARTITION_BY": "region",
                                "SHELFCAST_SPARK_BUCKETS": "12"})
    assert (s.training, s.partition_by, s.buckets) == ("per_partition", "region", 12)
    assert s.max_rows is None
    s = SparkSettings.from_env({"SHELFCAST_SPARK_TRAINING": "global",
                                "SHELFCAST_SPARK_MAX_ROWS": "40000000"})
    assert (s.training, s.max_rows) == ("global", 40_000_000)


@pytest.mark.parametrize("env", [
    {"SHELFCAST_SPARK_TRAINING": "everything"},
    {"SHELFCAST_SPARK_BUCKETS": "many"},
    {"SHELFCAST_SPARK_MAX_ROWS": "0"},
    {"SHELFCAST_SPARK_JDBC_URL": "jdbc:postgresql://db/x"},  # a URL without its query
])
def test_bad_settings_say_which(env: dict[str, str]) -> None:
    with pytest.raises(ConfigurationError) as info:
        SparkSettings.from_env(env)
    assert "SPARK" in info.value.message.upper()


def test_core_error_is_recovered_from_an_executor_traceback() -> None:
    text = (
        "An exception was thrown from the Python worker: Traceback (most recent call last):\n"
        '  File "x.py", line 3, in fit\n'
        "shelfcast.errors.DataValidationError: 1 error in the data:\n- sales.csv: bad\n"
        "\n\tat org.apache.spark.api.python.BasePythonRunner"
    )
    found = core_error_from(text)
    assert isinstance(found, DataValidationError)
    assert found.message == "1 error in the data:\n- sales.csv: bad"
    assert core_error_from("java.lang.OutOfMemoryError: Java heap space") is None
    assert isinstance(core_error_from("shelfcast.errors.Nope: x"), ShelfcastError)
