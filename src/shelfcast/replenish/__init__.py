"""Replenishment: demand over the protection period, policies under real rules, orders, alerts.

    from shelfcast.replenish import propose
    proposals = propose(forecast, dataset.inventory, as_of=dataset.last_date,
                        sales=dataset.sales, future=dataset.future, events=dataset.events)
    proposals.orders, proposals.alerts      # the files of INTERFACES.md

Modules: ``demand`` (per-day count distributions fitted to the forecast, sums, quantiles),
``inputs`` (frames -> arrays), ``policies`` (RS, sQ, sS), ``constraints`` (caps, packs,
minimum order), ``costs``, ``projection`` (the one stockout projection), ``reasons``,
``proposals`` (orders and alerts frames), ``textbook`` (the baseline method), ``simulate``.
"""

from shelfcast.replenish.costs import CostModel
from shelfcast.replenish.policies import Policy
from shelfcast.replenish.projection import project_stockout
from shelfcast.replenish.proposals import ALERT_COLUMNS, ORDER_COLUMNS, Proposals, propose

__all__ = [
    "ALERT_COLUMNS",
    "ORDER_COLUMNS",
    "CostModel",
    "Policy",
    "Proposals",
    "project_stockout",
    "propose",
]
