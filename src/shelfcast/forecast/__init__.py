"""Forecasting: the global model (``Forecaster``), quantiles, the model artifact, baselines,
backtests and metrics."""

from shelfcast.forecast.forecaster import Forecaster

__all__ = ["Forecaster"]
