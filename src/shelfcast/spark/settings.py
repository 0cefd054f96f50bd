"""What a Spark run needs to know: the cluster, the memory, how to train, where SQL data are."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace

from shelfcast.errors import ConfigurationError

__all__ = ["SparkSettings", "TRAINING_MODES"]

TRAINING_MODES = ("per_partition", "global")


@dataclass(frozen=True)
class SparkSettings:
    """Settings of the Spark engine; ``from_env`` reads ``SHELFCAST_SPARK_*``."""

    master: str = "local[2]"
    """Spark master URL; on a cluster, what ``spark-submit`` or the platform sets."""
    app_name: str = "shelfcast"
    driver_memory: str | None = None
    """``spark.driver.memory`` (None: Spark's default). Nothing is collected to the driver."""
    shuffle_partitions: int = 8
    training: str = "per_partition"
    """``per_partition``: one Forecaster per partition; ``global``: see docs/spark.md."""
    partition_by: str = "store_id"
    """The column that splits the chain into independently trained models: ``store_id``, or a
    column of ``stores`` (``region``...) or ``items`` (``category``...)."""
    buckets: int = 64
    """Groups of whole series that features and validation work on (memory per task)."""
    max_rows: int | None = None
    """The Forecaster's ``max_rows`` (target days sampled for its matrix; None: its 4 M):
    per model with ``per_partition``, for the whole chain with ``global``."""
    jdbc_url: str | None = None
    """``jdbc:postgresql://host/db`` or ``jdbc:jtds:sqlserver://host/db``: read sales from SQL."""
    jdbc_query: str | None = None
    jdbc_user: str | None = None
    jdbc_password: str | None = None
    log_level: str = "OFF"
    """Spark's own log (``spark.log.level``): off, so a failed run prints the core's message
    alone; ``WARN`` or ``INFO`` to investigate the engine."""
    extra_conf: tuple[tuple[str, str], ...] = ()
    """Any other ``spark.*`` settings, as (key, value) pairs."""

    def __post_init__(self) -> None:
        if self.training not in TRAINING_MODES:
            raise ConfigurationError(
                f"spark.training must be one of {', '.join(TRAINING_MODES)}, got {self.training!r}",
                details={"setting": "SHELFCAST_SPARK_TRAINING", "value": self.training},
            )
        if self.buckets < 1 or self.shuffle_partitions < 1:
            raise ConfigurationError("spark buckets and shuffle partitions must be at least 1")
        if self.max_rows is not None and self.max_rows < 1:
            raise ConfigurationError(
                f"SHELFCAST_SPARK_MAX_ROWS must be at least 1, got {self.max_rows}",
                details={"setting": "SHELFCAST_SPARK_MAX_ROWS", "value": self.max_rows},
            )
        if (self.jdbc_url is None) != (self.jdbc_query is None):
            raise ConfigurationError(
                "a JDBC source needs both SHELFCAST_SPARK_JDBC_URL and SHELFCAST_SPARK_JDBC_QUERY",
                details={"setting": "SHELFCAST_SPARK_JDBC_URL"},
            )

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides: object) -> SparkSettings:
        env = os.environ if environ is None else environ
        values: dict[str, object] = {}
        for name, key in (
            ("master", "SHELFCAST_SPARK_MASTER"),
            ("driver_memory", "SHELFCAST_SPARK_DRIVER_MEMORY"),
            ("training", "SHELFCAST_SPARK_TRAINING"), ("partition_by", "SHELFCAST_SPARK_PARTITION_BY"),
            ("jdbc_url", "SHELFCAST_SPARK_JDBC_URL"), ("jdbc_query", "SHELFCAST_SPARK_JDBC_QUERY"),
            ("jdbc_user", "SHELFCAST_SPARK_JDBC_USER"), ("log_level", "SHELFCAST_SPARK_LOG_LEVEL"),
            ("jdbc_password", "SHELFCAST_SPARK_JDBC_PASSWORD"),
        ):
            if env.get(key):
                values[name] = env[key]
        for name, key in (("shuffle_partitions", "SHELFCAST_SPARK_SHUFFLE_PARTITIONS"),
                          ("buckets", "SHELFCAST_SPARK_BUCKETS"),
                          ("max_rows", "SHELFCAST_SPARK_MAX_ROWS")):
            if env.get(key):
                try:
                    values[name] = int(env[key])
                except ValueError as exc:
                    raise ConfigurationError(
                        f"{key} must be a whole number, got {env[key]!r}", details={"setting": key}
                    ) from exc
        values.update({k: v for k, v in overrides.items() if v is not None})
        return replace(cls(), **values) if values else cls()
