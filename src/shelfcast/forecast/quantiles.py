"""Calibrated quantiles around the mean forecast: a count distribution, calibrated conformally.

Each forecast day's demand is taken as a negative binomial with the forecast as its mean and a
dispersion fitted (method of moments) on out-of-sample residuals, per horizon group and per
forecast-size bucket: small forecasts of intermittent items and big ones of busy items spread
differently, and so do tomorrow and four weeks out. A distribution alone is rarely right in
the tails, so its levels are then recalibrated conformally on the same residuals: for the
``P`` quantile we use the level ``P'`` at which the distribution's quantile covered a share
``P`` of the held-out values (split conformal, with the ``(n + 1)`` finite-sample correction).
The quantile of a count is an integer and ``qP`` is the smallest value ``k`` with
``Pr(Y <= k) >= P`` (ties count as covered). Data that are not counts (money, fractional
units) get a gamma distribution instead, with the same calibration.

Quantiles are non-negative and never cross: the same ``P'`` sample is used for every level of
a cell, and quantile functions are monotone. A zero mean (a closed day) gives zeros.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from scipy import stats

__all__ = ["HORIZON_GROUPS", "QuantileCalibrator"]

HORIZON_GROUPS: tuple[int, ...] = (1, 2, 8, 15, 29)
"""First horizon of each group: 1, 2-7, 8-14, 15-28, 29+."""
_MIN_CELL = 150
"""Fewest held-out values for a cell of its own; smaller cells use their horizon group's."""
_SIZE_BUCKETS = 4
_MIN_MEAN = 1e-9


def _hgroup(horizon: np.ndarray) -> np.ndarray:
    return np.searchsorted(np.asarray(HORIZON_GROUPS), horizon, side="right") - 1


class QuantileCalibrator:
    """Fit on held-out (mean forecast, actual, horizon); give calibrated quantiles of new means.

    Parameters
    ----------
    quantiles : the levels, e.g. ``(0.1, 0.5, 0.9)``.
    discrete : counts (negative binomial) or continuous amounts (gamma).
    """

    def __init__(self, quantiles: Sequence[float], *, discrete: bool = True) -> None:
        self.quantiles = tuple(quantiles)
        self.discrete = discrete

    # -- the distribution -----------------------------------------------------------------
    def _cdf(self, y: np.ndarray, mu: np.ndarray, alpha: float) -> np.ndarray:
        mu = np.maximum(mu, _MIN_MEAN)
        if self.discrete:
            if alpha <= 1e-8:
                return stats.poisson.cdf(y, mu)
            n = 1.0 / alpha
            return stats.nbinom.cdf(y, n, n / (n + mu))
        shape = 1.0 / max(alpha, 1e-8)
        return stats.gamma.cdf(y, shape, scale=mu / shape)

    def _ppf(self, level: np.ndarray, mu: np.ndarray, alpha: float) -> np.ndarray:
        mu_safe = np.maximum(mu, _MIN_MEAN)
        level = np.clip(level, 0.0, 1.0 - 1e-9)
        if self.discrete:
            if alpha <= 1e-8:
                q = stats.poisson.ppf(level, mu_safe)
            else:
                n = 1.0 / alpha
                q = stats.nbinom.ppf(level, n, n / (n + mu_safe))
        else:
            shape = 1.0 / max(alpha, 1e-8)
            q = stats.gamma.ppf(level, shape, scale=mu_safe / shape)
        q = np.where(np.isfinite(q), q, 0.0)
        return np.where(mu <= _MIN_MEAN, 0.0, np.maximum(q, 0.0))

    def _alpha(self, mu: np.ndarray, y: np.ndarray) -> float:
        m2 = float(np.mean(mu**2))
        if m2 <= 0:
            return 0.0
        excess = float(np.mean((y - mu) ** 2) - (np.mean(mu) if self.discrete else 0.0))
        return max(excess / m2, 0.0)

    def _levels(self, mu: np.ndarray, y: np.ndarray, alpha: float) -> list[float]:
        # Coverage of the level-P' quantile is the share of held-out values whose
        # cdf just below them (F(y - 1) for counts) is under P'.
        below = self._cdf(y - 1.0, mu, alpha) if self.discrete else self._cdf(y, mu, alpha)
        below = np.sort(np.where(y <= 0, 0.0, below))
        n = below.size
        out = []
        for p in self.quantiles:
            k = min(int(np.ceil((n + 1) * p)), n)
            level = below[k - 1] + 1e-9 if k >= 1 else p
            out.append(float(min(max(level, 1e-6), 1.0 - 1e-9)))
        return sorted(out)  # equal samples give monotone levels; sorting guards rounding

    def _cell(self, mu: np.ndarray, y: np.ndarray) -> dict[str, Any]:
        alpha = self._alpha(mu, y)
        return {"alpha": alpha, "levels": self._levels(mu, y, alpha), "n": int(mu.size)}

    # -- fit / predict -----------------------------------------------------------------------
    def fit(self, mean: np.ndarray, actual: np.ndarray, horizon: np.ndarray) -> QuantileCalibrator:
        mean = np.asarray(mean, dtype=np.float64)
        actual = np.asarray(actual, dtype=np.float64)
        horizon = np.asarray(horizon)
        ok = np.isfinite(mean) & np.isfinite(actual) & (mean > _MIN_MEAN)
        mean, actual, horizon = mean[ok], actual[ok], horizon[ok]
        self.global_ = self._cell(mean, actual) if mean.size else {
            "alpha": 0.0, "levels": list(self.quantiles), "n": 0
        }
        groups = _hgroup(horizon)
        self.groups_: dict[int, dict[str, Any]] = {}
        for g in range(len(HORIZON_GROUPS)):
            sel = groups == g
            if sel.sum() < _MIN_CELL:
                continue
            mu_g, y_g = mean[sel], actual[sel]
            cell = self._cell(mu_g, y_g)
            n_buckets = int(min(_SIZE_BUCKETS, sel.sum() // _MIN_CELL))
            edges = np.quantile(mu_g, np.linspace(0, 1, n_buckets + 1)[1:-1]) if n_buckets > 1 else np.array([])
            edges = np.unique(edges)
            buckets = []
            which = np.searchsorted(edges, mu_g, side="right")
            for b in range(edges.size + 1):
                sb = which == b
                buckets.append(self._cell(mu_g[sb], y_g[sb]) if sb.sum() >= _MIN_CELL else cell)
            cell["edges"] = edges.tolist()
            cell["buckets"] = buckets
            self.groups_[g] = cell
        return self

    def predict(self, mean: np.ndarray, horizon: np.ndarray) -> np.ndarray:
        """Quantiles, shape ``(len(mean), len(quantiles))``, lowest level first."""
        mean = np.asarray(mean, dtype=np.float64)
        horizon = np.asarray(horizon)
        out = np.zeros((mean.size, len(self.quantiles)))
        groups = _hgroup(horizon)
        for g in np.unique(groups):
            sel = np.flatnonzero(groups == g)
            cell = self._nearest_group(int(g))
            if "buckets" not in cell:
                out[sel] = self._apply(mean[sel], cell)
                continue
            which = np.searchsorted(np.asarray(cell["edges"]), mean[sel], side="right")
            for b, bucket in enumerate(cell["buckets"]):
                sb = sel[which == b]
                if sb.size:
                    out[sb] = self._apply(mean[sb], bucket)
        return np.maximum.accumulate(out, axis=1)

    def _nearest_group(self, g: int) -> dict[str, Any]:
        if g in self.groups_:
            return self.groups_[g]
        below = [k for k in self.groups_ if k < g]
        if below:  # a longer horizon than was held out: the longest one seen is the nearest
            return self.groups_[max(below)]
        return self.groups_[min(self.groups_)] if self.groups_ else self.global_

    def _apply(self, mu: np.ndarray, cell: dict[str, Any]) -> np.ndarray:
        levels = np.asarray(cell["levels"])
        return self._ppf(levels[None, :], mu[:, None], cell["alpha"])

    # -- persistence -------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {
            "quantiles": list(self.quantiles), "discrete": self.discrete,
            "global": self.global_, "groups": {str(k): v for k, v in self.groups_.items()},
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> QuantileCalibrator:
        self = cls(d["quantiles"], discrete=d["discrete"])
        self.global_ = d["global"]
        self.groups_ = {int(k): v for k, v in d["groups"].items()}
        return self
