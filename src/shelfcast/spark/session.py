"""The SparkSession shelfcast runs on, with the JDBC drivers Debian installs."""

from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path

from shelfcast.errors import ConfigurationError
from shelfcast.spark.settings import SparkSettings

__all__ = ["spark_session", "JDBC_JARS"]

JDBC_JARS = (Path("/usr/share/java/postgresql.jar"), Path("/usr/share/java/jtds.jar"))
"""``libpostgresql-jdbc-java`` and ``libjtds-java`` (``make jdbc-drivers``): no Maven here."""


def spark_session(settings: SparkSettings | None = None):  # type: ignore[no-untyped-def]
    """A SparkSession for ``settings`` (an existing one is reused, as Spark does)."""
    settings = settings or SparkSettings()
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise ConfigurationError(
            "the Spark engine needs PySpark: pip install 'shelfcast[spark]'",
            details={"missing": "pyspark"},
        ) from exc
    # PySpark warns about pandas 3 on import; shelfcast moves data as Arrow, not pandas.
    warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas")
    # Executors' Python workers must be this interpreter: it has polars, xgboost, shelfcast.
    os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    os.environ.setdefault("PYSPARK_DRIVER_PYTHON", sys.executable)
    builder = (
        SparkSession.builder.master(settings.master).appName(settings.app_name)
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", str(settings.shuffle_partitions))
        .config("spark.sql.session.timeZone", "UTC")
        .config("spark.sql.execution.arrow.pyspark.enabled", "true")
        .config("spark.log.level", settings.log_level)
    )
    jars = [str(j) for j in JDBC_JARS if j.exists()]
    if jars:
        builder = builder.config("spark.jars", ",".join(jars))
    if settings.driver_memory:
        builder = builder.config("spark.driver.memory", settings.driver_memory)
    for key, value in settings.extra_conf:
        builder = builder.config(key, value)
    session = builder.getOrCreate()
    session.sparkContext.setLogLevel(settings.log_level)
    return session
