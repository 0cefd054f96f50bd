"""Autocorrelated noise: AR(1) rows, without importing scipy.signal (seconds of import time)."""

from __future__ import annotations

import numpy as np

__all__ = ["ar1"]


def ar1(eps: np.ndarray, phi: float) -> np.ndarray:
    """``x[:, t] = phi * x[:, t-1] + eps[:, t]`` along each row of ``eps`` (2-D).

    A loop over days, each step one vector operation across all rows (series or stores):
    a few thousand steps however many rows there are.
    """
    out = np.array(eps.T, dtype=np.float64, order="C")  # days x rows: each step is contiguous
    for t in range(1, out.shape[0]):
        out[t] += phi * out[t - 1]
    return out.T
