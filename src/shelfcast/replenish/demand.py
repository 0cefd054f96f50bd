"""Demand as a distribution: a count distribution per day fitted to the forecast, and its sums.

The quantile of a sum is not the sum of the daily quantiles (it is smaller: bad and good days
offset). So each day becomes a negative binomial (a Poisson when the forecast is no more
spread than one), with the forecast as its mean and a variance fitted to the forecast's upper
quantiles; the days of a window are independent, so their sum has the summed mean and the
summed variance, and is taken as the negative binomial with those two moments. That is exact
when the days share one variance-to-mean ratio and close otherwise (the tests check it against
a Monte Carlo of the same daily distributions). Quantiles are then exact discrete quantiles of
that negative binomial. Everything is arrays: one row per SKU, one column per day.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from scipy import special

__all__ = [
    "UPPER_QUANTILE_FROM",
    "fit_daily_variance",
    "nb_cdf",
    "nb_quantile",
    "nb_expected_shortage",
    "window_moments",
]

_POISSON_TOL = 1e-9
"""Relative excess of variance over mean below which a day is treated as Poisson."""
UPPER_QUANTILE_FROM = 0.75
"""Only quantiles at or above this level inform the variance: the upper tail sets stock."""


def fit_daily_variance(mean: np.ndarray, quantiles: Mapping[float, np.ndarray]) -> np.ndarray:
    """The variance of each day's demand, fitted to its mean and its upper forecast quantiles.

    For a negative binomial with mean ``m`` and variance ``v``, the Cornish-Fisher expansion
    gives the ``p`` quantile as ``m + z sqrt(v) + (z^2 - 1)/6 (2 v / m - 1)``; solving that
    for ``v`` from each upper quantile column and taking their median gives a variance that
    reproduces the forecast's tail. Never below the mean (a count is at least as spread
    as a Poisson). Shape follows ``mean``.
    """
    m = np.asarray(mean, dtype=np.float64)
    levels = sorted(q for q in quantiles if q >= UPPER_QUANTILE_FROM)
    if not levels:
        return m.copy()
    z_all = special.ndtri(np.asarray(levels))
    estimates = []
    with np.errstate(all="ignore"):  # tiny means overflow to inf; those fall back below
        for level, z in zip(levels, z_all, strict=True):
            d = np.asarray(quantiles[level], dtype=np.float64) - m
            c = (z * z - 1.0) / 6.0
            a = 2.0 * c / np.where(m > 0, m, np.nan)
            # a s^2 + z s - (c + d) = 0 for s = sqrt(v); a > 0 for the levels used here.
            disc = z * z + 4.0 * a * (c + d)
            s = (-z + np.sqrt(np.maximum(disc, 0.0))) / (2.0 * a)
            estimates.append(s * s)
        stacked = np.stack(estimates)
        # Median over the levels that gave an answer (the NaN-free route; no warning).
        stacked = np.where(np.isfinite(stacked), stacked, np.inf)
        stacked.sort(axis=0)
        count = np.isfinite(stacked).sum(axis=0)
        lo = np.take_along_axis(stacked, np.maximum((count - 1) // 2, 0)[None], axis=0)[0]
        hi = np.take_along_axis(stacked, np.maximum(count // 2, 0)[None], axis=0)[0]
        v = np.where(count > 0, 0.5 * (lo + hi), np.nan)
    v = np.where(np.isfinite(v), v, m)
    return np.maximum(v, m)


def _nb_params(mean: np.ndarray, var: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(r, p, is_poisson) of the negative binomial with this mean and variance."""
    # Below the tolerance (or with so little excess that r overflows) it is a Poisson.
    poisson = (var <= mean * (1.0 + _POISSON_TOL)) | ~(mean > 0)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        poisson |= ~(mean * mean / np.where(poisson, 1.0, var - mean) < 1e12)
        p = np.where(poisson, 1.0, mean / np.where(var > 0, var, 1.0))
        r = np.where(poisson, np.inf, mean * mean / np.where(poisson, 1.0, var - mean))
        # A vanishing mean against a finite variance: a point mass at 0, kept finite.
        r = np.maximum(r, 1e-10)
    return r, p, poisson


def nb_cdf(k: np.ndarray, mean: np.ndarray, var: np.ndarray) -> np.ndarray:
    """P(X <= k) for X negative binomial with this mean and variance (Poisson if var <= mean)."""
    k = np.floor(np.asarray(k, dtype=np.float64))
    mean = np.asarray(mean, dtype=np.float64)
    var = np.asarray(var, dtype=np.float64)
    k, mean, var = np.broadcast_arrays(k, mean, var)
    r, p, poisson = _nb_params(mean, var)
    out = np.ones(k.shape)
    out[k < 0] = 0.0
    live = (k >= 0) & (mean > 0)
    pois = live & poisson
    negb = live & ~poisson
    out[pois] = special.pdtr(k[pois], mean[pois])
    out[negb] = special.betainc(r[negb], k[negb] + 1.0, p[negb])
    return out


def _log_pmf(k: np.ndarray, mean: np.ndarray, r: np.ndarray, p: np.ndarray,
             poisson: np.ndarray) -> np.ndarray:
    """log P(X = k), negative binomial or (where ``poisson``) Poisson."""
    out = np.empty(k.shape)
    if poisson.any():
        kp, mp = k[poisson], mean[poisson]
        out[poisson] = special.xlogy(kp, mp) - mp - special.gammaln(kp + 1.0)
    nb = ~poisson
    if nb.any():
        kn, rn, pn = k[nb], r[nb], p[nb]
        out[nb] = (special.gammaln(kn + rn) - special.gammaln(rn) - special.gammaln(kn + 1.0)
                   + rn * np.log(pn) + special.xlog1py(kn, -pn))
    return out


def nb_quantile(level: float | np.ndarray, mean: np.ndarray, var: np.ndarray) -> np.ndarray:
    """The smallest integer ``k`` with ``P(X <= k) >= level``: the exact discrete quantile.

    Starts from the Cornish-Fisher guess, evaluates the cdf and the pmf there once, then walks
    to the exact answer with the pmf's ratio ``P(k+1)/P(k)`` (no further special functions).
    """
    mean = np.asarray(mean, dtype=np.float64)
    shape = mean.shape
    mean = mean.ravel()
    var = np.maximum(np.broadcast_to(np.asarray(var, dtype=np.float64), shape).ravel(), mean)
    level_arr = np.broadcast_to(np.asarray(level, dtype=np.float64), shape).ravel()
    out = np.zeros(mean.shape)
    live = np.flatnonzero(mean > 0)
    if live.size == 0:
        return out.reshape(shape)
    m, v, lv = mean[live], var[live], level_arr[live]
    z = special.ndtri(lv)
    k = np.maximum(np.floor(m + z * np.sqrt(v) + (z * z - 1.0) / 6.0 * (2.0 * v / m - 1.0)), 0.0)
    r, p, poisson = _nb_params(m, v)
    cdf = nb_cdf(k, m, v)
    pmf = np.exp(_log_pmf(k, m, r, p, poisson))
    q = np.where(poisson, 0.0, 1.0 - p)

    def ratio(j: np.ndarray, idx: np.ndarray) -> np.ndarray:
        """P(j + 1) / P(j) for the rows ``idx``."""
        nb_ratio = (j + np.where(poisson[idx], 0.0, r[idx])) * q[idx]
        return np.where(poisson[idx], m[idx], nb_ratio) / (j + 1.0)

    # Up while the cdf is short of the level.
    todo = np.flatnonzero(cdf < lv)
    while todo.size:
        pmf[todo] *= ratio(k[todo], todo)
        k[todo] += 1.0
        cdf[todo] += pmf[todo]
        todo = todo[cdf[todo] < lv[todo]]
    # Down while k - 1 still reaches it (cdf(k - 1) = cdf(k) - pmf(k)).
    todo = np.flatnonzero((k > 0) & (cdf - pmf >= lv))
    while todo.size:
        cdf[todo] -= pmf[todo]
        k[todo] -= 1.0
        with np.errstate(divide="ignore", invalid="ignore"):
            pmf[todo] /= ratio(k[todo], todo)
        todo = todo[(k[todo] > 0) & (cdf[todo] - pmf[todo] >= lv[todo])]
    out[live] = k
    return out.reshape(shape)


def nb_expected_shortage(stock: np.ndarray, mean: np.ndarray, var: np.ndarray) -> np.ndarray:
    """E[(X - stock)^+]: expected unmet units, by the normal loss function on the same moments.

    Used only to weigh costs (is a minimum order worth it), where a smooth estimate suffices.
    """
    sd = np.sqrt(np.maximum(var, 1e-12))
    zz = (np.asarray(stock, dtype=np.float64) - mean) / sd
    loss = special.ndtr(-zz) * -zz + np.exp(-0.5 * zz * zz) / np.sqrt(2.0 * np.pi)
    return np.where(mean > 0, sd * loss, 0.0)


def window_moments(
    mean: np.ndarray,
    var: np.ndarray,
    start: np.ndarray | int,
    length: np.ndarray | int,
    *,
    tail: tuple[np.ndarray, np.ndarray] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Mean and variance of the demand summed over days ``[start, start + length)`` per row.

    ``mean`` and ``var`` are (SKUs, days) with day 0 the first forecast day; ``start`` and
    ``length`` are per row (or one for all). Days beyond the matrix count as zero demand, or,
    with ``tail`` (per-row mean and variance of one day), as that many such days. NaN days
    count as zero.
    """
    n, h = mean.shape
    cm = np.zeros((n, h + 1))
    cv = np.zeros((n, h + 1))
    np.cumsum(np.nan_to_num(mean), axis=1, out=cm[:, 1:])
    np.cumsum(np.nan_to_num(var), axis=1, out=cv[:, 1:])
    first = np.broadcast_to(np.asarray(start), (n,))
    last = first + np.broadcast_to(np.asarray(length), (n,))
    lo = np.clip(first, 0, h)
    hi = np.clip(last, 0, h)
    rows = np.arange(n)
    m = cm[rows, hi] - cm[rows, lo]
    v = cv[rows, hi] - cv[rows, lo]
    if tail is not None:
        beyond = np.maximum(last - np.maximum(first, h), 0)
        m = m + beyond * tail[0]
        v = v + beyond * tail[1]
    return m, v
