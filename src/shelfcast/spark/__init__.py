"""The shelfcast pipeline on PySpark, for chains that outgrow one machine (``shelfcast[spark]``).

Nothing here re-implements a rule or a feature: every step ships the core's own Polars code
to the executors over groups of whole series (``applyInArrow``), so a value computed here is
the value the single-machine path computes for the same data. docs/spark.md explains the
choices; the modules:

- ``settings``  SparkSettings (master, memory, training mode, partition column, JDBC source)
- ``session``   the SparkSession, with the JDBC driver jars from /usr/share/java
- ``read``      tables from Parquet/CSV paths, Spark tables or a SQL database over JDBC
- ``arrow``     Polars <-> Arrow <-> Spark schemas; the series bucket column
- ``validate``  the core's rules per bucket of series; bad rows named by their key values
- ``features``  the core's feature frame per bucket of series
- ``train``     one Forecaster per partition (store, region, category), fitted in parallel
- ``summary``   what the driver needs of the sales (ids, dates, counts), aggregated by Spark
- ``global_model`` one model for the chain: training rows per bucket, xgboost.spark,
                calibration on a held-out sample, forecast per bucket
- ``replenish`` the core's order proposals per partition
- ``jobs``      forecast and replenish end to end, as the CLI's ``--engine spark`` runs them
- ``failures``  an error raised on an executor, told as the core's error on the driver
"""

__all__: list[str] = []
