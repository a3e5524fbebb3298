"""Weighted statistics by group for the supply indicators (see :mod:`nahraum.access.indicators`).

Pure numpy: the lower weighted quantile per group, sums per group (one sparse product per sum),
a division that gives NaN where there is nothing to divide by, and the worst-served cells.
"""

from __future__ import annotations

import numpy as np

from .errors import AccessError


def grouped_weighted_quantile(
    values: np.ndarray, weights: np.ndarray, codes: np.ndarray, n_groups: int, q: float
) -> np.ndarray:
    """Lower weighted quantile of ``values`` per group, for every weight column at once.

    ``weights`` is [n] or [n, c]; ``q`` one quantile or one per column. Returns [n_groups] or
    [n_groups, c], NaN where a group has no weight. Sorting once by (group, value) and scanning
    cumulative weights avoids a Python loop over groups or columns.
    """
    w = np.asarray(weights, dtype=float)
    squeeze = w.ndim == 1
    if squeeze:
        w = w[:, None]
    qs = np.broadcast_to(np.asarray(q, dtype=float), (w.shape[1],))
    if not ((qs > 0.0) & (qs <= 1.0)).all():
        raise AccessError(f"quantile must lie in (0, 1], got {q}")
    values = np.asarray(values, dtype=float)
    order = np.lexsort((values, codes))
    v_sorted = values[order]
    g_sorted = codes[order]
    w_sorted = w[order]
    totals = np.column_stack(
        [np.bincount(codes, weights=w[:, c], minlength=n_groups) for c in range(w.shape[1])]
    )
    cum = np.cumsum(w_sorted, axis=0)
    # Cumulative weight within the group: subtract what came before the group's first row.
    starts = np.searchsorted(g_sorted, np.arange(n_groups), side="left")
    before = np.zeros((n_groups, w.shape[1]))
    has_before = starts > 0
    before[has_before] = cum[starts[has_before] - 1]
    cum_in_group = cum - before[g_sorted]
    target = qs[None, :] * totals[g_sorted]
    # Tolerance: cumulative sums of floats may fall a hair short of q × total.
    reached = (cum_in_group >= target - 1e-9 * np.maximum(totals[g_sorted], 1.0)) & (w_sorted > 0)
    out = np.full((n_groups, w.shape[1]), np.nan)
    for col in range(w.shape[1]):
        rows = np.flatnonzero(reached[:, col])
        if rows.size == 0:
            continue
        groups, first = np.unique(g_sorted[rows], return_index=True)
        out[groups, col] = v_sorted[rows[first]]
    out[totals <= 0] = np.nan
    return out[:, 0] if squeeze else out


def group_sum(weights: np.ndarray, codes, n_groups: int) -> np.ndarray:
    """Sum rows of ``weights`` by group. ``codes`` is a group index array or a one-hot matrix.

    The analysis sums the same grouping hundreds of times per run; a sparse one-hot matrix
    (see :func:`one_hot`) turns each sum into one sparse product, far faster than ``np.add.at``.
    """
    if isinstance(codes, np.ndarray):
        out = np.zeros((n_groups,) + weights.shape[1:])
        np.add.at(out, codes, weights)
        return out
    return np.asarray(codes @ weights)


def one_hot(codes: np.ndarray, n_groups: int):
    from scipy.sparse import csr_array

    n = len(codes)
    return csr_array((np.ones(n), (codes, np.arange(n))), shape=(n_groups, n))


def divide_or_nan(num: np.ndarray, den: np.ndarray) -> np.ndarray:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)


def worst_served(
    time_s: np.ndarray, population: np.ndarray, *, n: int = 5, min_population: float = 1.0
) -> np.ndarray:
    """Row indices of the ``n`` cells with people that have the longest travel times.

    Unreachable cells (infinite time) come first: they are the worst served of all. Ties are
    broken by more people first, so that the list names the places where most people wait.
    """
    t = np.asarray(time_s, dtype=float)
    p = np.asarray(population, dtype=float)
    rows = np.flatnonzero(p >= min_population)
    t_key = np.where(np.isfinite(t[rows]), t[rows], np.finfo(float).max)
    order = np.lexsort((-p[rows], -t_key))
    return rows[order[:n]]
