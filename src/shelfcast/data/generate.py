"""A synthetic supermarket chain: every table of the dataset folder, with a known truth.

``generate_chain(stores=10, items=500, days=1095, seed=0)`` returns ``sales``, ``future``,
``events``, ``stores``, ``items``, ``weather``, ``inventory`` and ``transactions`` as typed
frames; ``write_chain(tables, out_dir, fmt="parquet"|"csv")`` writes the folder. The same
arguments always give the same tables (``numpy.random.default_rng(seed)``).

The generating model (details and numbers in docs/synthetic-chain.md). Demand of item i in
store s on day t is negative binomial (a Poisson of a gamma; slow items are lumpier) with
mean::

    mu = rate_i * pull_s                      item rate (log-normal by category), store size
       * weekly_c[dow] * yearly_c[doy]        category's week shape and yearly cycle
       * event_c[t] * local_s[t]              holidays with run-ups and lulls; local events
       * typeweek_s[dow] * growth_s[t]        hypermarkets weekend-heavy, express weekday-heavy
       * (price / reference)^-elasticity_i    price changes and promotions
       * 1.25 on promotion * post-promo dip   display uplift; pantry-loading dip after
       * trend_i * life cycle_i               launches ramp up, delistings run down
       * exp(beta_c (temp_max - ref_c) + gamma_c precip_mm) * exp(-0.008 precip_mm)
       * exp(AR(1) wobble)                    persistent series-level noise

Ice cream (``category == "ice_cream"``) rises 8 % per degree C of ``temp_max`` above 18 C
(x2.2 at 28 C, x0.45 at 8 C) and falls 2 % per mm of rain; cold drinks +4.5 %/C; soup -5 %/C.
Closed days (``open`` = 0: Christmas day, Easter Sunday in hypermarkets, about one random
closure a store a year) sell 0. Stockouts (``stockout`` = 1) start at random, more often on
promotion, last about 2.5 days, and cut sales to 0-60 % of demand. The last store of a
chain of four or more opens within the span; about 18 % of items launch and 10 % are
delisted within it (their series start and end there).
"""

from __future__ import annotations

from shelfcast.data.synthetic.chain import DEFAULT_START, generate_chain, write_chain

__all__ = ["generate_chain", "write_chain", "DEFAULT_START"]
