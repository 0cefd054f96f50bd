"""One small local Spark session per test module: ``local[2]``, 4 shuffle partitions, no UI."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from shelfcast.spark.session import spark_session
from shelfcast.spark.settings import SparkSettings

SETTINGS = SparkSettings(master="local[2]", shuffle_partitions=4, buckets=4)


@pytest.fixture(scope="module")
def spark() -> Iterator[object]:
    session = spark_session(SETTINGS)
    yield session
    session.stop()
