"""Operations, as pure code: the daily run's steps and state, accuracy and drift monitoring,
threshold alerts and model-tracking helpers.

The edges (``shelfcast run-daily``, the server's monitoring app, the Airflow DAG) call these;
nothing here imports Django or an HTTP client. Where the daily run must write to the server's
database it goes through a ``Sink`` the caller supplies (``daily.Sink``).
"""
