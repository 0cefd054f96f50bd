"""Features for the global model, computed with Polars over the whole panel.

``calendar`` (day of week, month, paydays...), ``events`` (the events table and public
holidays, with days before/after), ``lags`` (lags and rolling statistics named from their
parameters), ``price`` (relative price, promotions), ``weather``, ``static`` (store and item
attributes as categoricals); ``build`` assembles the training matrix and the rows to predict.
"""
