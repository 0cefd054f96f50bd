"""Monitoring: the published forecasts' accuracy as actuals arrive, feature drift and alerts,
recorded by the daily run (``shelfcast run-daily``), read by ``GET /api/monitoring/`` and
exported to Prometheus at ``/metrics``. The computing is ``shelfcast.ops``."""
