# long-file: one concern, facility location (3 models + greedy fallback share one cost matrix)
"""Location planning: where k new facilities help most, solved exactly with HiGHS.

Three classic questions, each on a matrix of travel costs ``cost[i, j]`` from demand point i
(a population cell, weighted by the people it holds — or only the target group, e.g. 75+) to
candidate site j (``inf`` where j cannot be reached):

* **maximal coverage** (Church & ReVelle 1974): open k sites so that the most people live within
  the norm ``max_cost`` of one of them;
* **p-median** (Hakimi 1964; ReVelle & Swain 1970): open k sites so that the total travel cost
  of everybody to their nearest open site is least;
* **set cover** (Toregas et al. 1971): the fewest sites so that everybody who can be covered is.

Existing supply enters as ``baseline_cost`` — each demand point's cost to its nearest existing
facility: people already within the norm need no new site, and in the p-median nobody pays more
than they do today. To decide "which of our sites to keep", pass the existing sites as candidates
and no baseline.

Every answer reports the objective, the best proven bound, the optimality gap, the solver's
status and the solve time, next to a greedy answer: planners should see what the exact solver
buys over the rule of thumb "always take the site that adds most". For maximal coverage the
greedy answer is guaranteed to reach at least (1 − 1/e) ≈ 63 % of the optimum (Nemhauser,
Wolsey & Fisher 1978); the tests check this bound.

The p-median uses the compact formulation of Elloumi (2010), written as a chain
``z_i^k ≥ z_i^(k-1) − Σ_{j at level k} x_j`` (three non-zeros per level instead of k), and only
the nearest ``levels`` cost levels of each demand point. Cutting the list is a relaxation — a
demand point served beyond its list is charged the cost of the first level cut off, never more
than the truth — so the solver's bound stays a valid lower bound; when the chosen sites serve
every point within its list, the truncated and the true objective agree and the answer is exact.
Otherwise the lists of the points served beyond them are lengthened and the model solved again.

No Django in here.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import highspy
import numpy as np
import scipy.sparse as sp

from .errors import AccessError


class LocateError(AccessError):
    """The location problem is malformed (shapes, k, no valid candidate, …)."""


def _swallow_banner() -> None:
    """Swallow the banner HiGHS prints on its first use in a process.

    The banner (version and licence notice) would otherwise land in front of the JSON that
    ``nahraum scenario locate --json`` prints, and as two lines that are not JSON in the JSON
    logs of the web and job workers (docs/operating.md). It is printed once per process, at
    the first ``Highs()``; so the first one is made here with file descriptor 1 pointing at
    the null device, and the C-level buffer flushed before it is restored. (HiGHS's version is
    in ``pip list``; its MIT licence asks for no banner.)
    """
    import ctypes
    import os
    import sys

    try:
        sys.stdout.flush()
        saved = os.dup(1)
    except (OSError, ValueError):  # no real stdout (some embedded interpreters)
        highspy.Highs()
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, 1)
        highspy.Highs()
        try:
            ctypes.CDLL(None).fflush(None)
        except (OSError, AttributeError):  # pragma: no cover - no C library to flush
            pass
    finally:
        os.dup2(saved, 1)
        os.close(saved)
        os.close(devnull)


_swallow_banner()

METHODS: tuple[str, ...] = ("max_coverage", "p_median", "set_cover")
#: Objective sense per method, for the UI ("more is better" or "less is better").
MAXIMISE = {"max_coverage": True, "p_median": False, "set_cover": False}
GREEDY_BOUND = 1.0 - 1.0 / math.e


@dataclass(frozen=True)
class Solution:
    """A set of chosen candidate sites with its objective value and how long it took."""

    chosen: np.ndarray
    objective: float
    seconds: float


@dataclass(frozen=True)
class LocateResult:
    """The exact answer, its proof of quality, and the greedy answer for comparison."""

    method: str
    chosen: np.ndarray
    objective: float
    bound: float
    gap: float
    status: str
    solve_time_s: float
    greedy: Solution
    total_weight: float
    uncoverable_weight: float = 0.0
    already_served_weight: float = 0.0
    iterations: int = 1
    notes: list[str] = field(default_factory=list)

    @property
    def greedy_ratio(self) -> float:
        """Greedy objective relative to the exact one (1.0: greedy was as good)."""
        if self.objective == 0:
            return 1.0
        return self.greedy.objective / self.objective

    def to_dict(self) -> dict:
        return {
            "method": self.method,
            "chosen": [int(j) for j in self.chosen],
            "objective": float(self.objective),
            "bound": float(self.bound),
            "gap": float(self.gap),
            "status": self.status,
            "solve_time_s": round(self.solve_time_s, 4),
            "greedy": {
                "chosen": [int(j) for j in self.greedy.chosen],
                "objective": float(self.greedy.objective),
                "seconds": round(self.greedy.seconds, 4),
                "ratio_to_exact": round(self.greedy_ratio, 6),
            },
            "total_weight": float(self.total_weight),
            "uncoverable_weight": float(self.uncoverable_weight),
            "already_served_weight": float(self.already_served_weight),
            "iterations": self.iterations,
            "notes": list(self.notes),
        }


# --------------------------------------------------------------------------- checks


def _check(
    cost: np.ndarray, weights: np.ndarray, baseline_cost: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    cost = np.asarray(cost, dtype=float)
    if cost.ndim != 2:
        raise LocateError(f"cost must be a matrix [demand points × candidates], got {cost.ndim}-d")
    n, m = cost.shape
    if m == 0:
        raise LocateError("no candidate sites given")
    if np.isnan(cost).any() or (cost < 0).any():
        raise LocateError("costs must be ≥ 0 (inf where unreachable), found NaN or negative")
    w = np.asarray(weights, dtype=float)
    if w.shape != (n,):
        raise LocateError(f"weights have shape {w.shape}, expected ({n},) — one per demand point")
    if not np.isfinite(w).all() or (w < 0).any():
        raise LocateError("weights (people) must be finite and ≥ 0")
    if baseline_cost is None:
        base = np.full(n, np.inf)
    else:
        base = np.asarray(baseline_cost, dtype=float)
        if base.shape != (n,):
            raise LocateError(f"baseline_cost has shape {base.shape}, expected ({n},)")
        if np.isnan(base).any() or (base < 0).any():
            raise LocateError("baseline costs must be ≥ 0 (inf where nothing is reachable)")
    if not np.isfinite(cost).any(axis=0).any():
        raise LocateError("no candidate site reaches any demand point: no valid site")
    return cost, w, base


def _check_k(k: int, m: int) -> int:
    if isinstance(k, bool) or int(k) != k or k < 1:
        raise LocateError(f"k must be a whole number ≥ 1, got {k!r}")
    if k > m:
        raise LocateError(f"k = {k} sites asked for, but only {m} candidate sites given")
    return int(k)


# --------------------------------------------------------------------------- HiGHS


def _solve(
    costs: np.ndarray,
    lower: np.ndarray,
    upper: np.ndarray,
    integer: np.ndarray,
    matrix: sp.csc_array,
    row_lower: np.ndarray,
    row_upper: np.ndarray,
    *,
    maximise: bool,
    time_limit_s: float,
    mip_rel_gap: float,
) -> tuple[np.ndarray, float, float, str]:
    """Pass a model to HiGHS column-wise and solve; returns (x, objective, bound, status)."""
    lp = highspy.HighsLp()
    lp.num_col_ = int(costs.size)
    lp.num_row_ = int(row_lower.size)
    lp.col_cost_ = costs.astype(float)
    lp.col_lower_ = lower.astype(float)
    lp.col_upper_ = upper.astype(float)
    lp.row_lower_ = row_lower.astype(float)
    lp.row_upper_ = row_upper.astype(float)
    lp.a_matrix_.format_ = highspy.MatrixFormat.kColwise
    lp.a_matrix_.start_ = matrix.indptr.astype(np.int32)
    lp.a_matrix_.index_ = matrix.indices.astype(np.int32)
    lp.a_matrix_.value_ = matrix.data.astype(float)
    lp.integrality_ = [
        highspy.HighsVarType.kInteger if flag else highspy.HighsVarType.kContinuous
        for flag in integer
    ]
    lp.sense_ = highspy.ObjSense.kMaximize if maximise else highspy.ObjSense.kMinimize
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("time_limit", float(time_limit_s))
    h.setOptionValue("mip_rel_gap", float(mip_rel_gap))
    h.setOptionValue("threads", 1)
    h.passModel(lp)
    h.run()
    status = h.getModelStatus()
    status_text = h.modelStatusToString(status)
    info = h.getInfo()
    if info.primal_solution_status == 0:  # no feasible point at all
        raise LocateError(f"the solver found no feasible answer ({status_text})")
    x = np.asarray(h.getSolution().col_value)
    objective = float(info.objective_function_value)
    bound = float(info.mip_dual_bound)
    if not math.isfinite(bound):
        bound = objective if status == highspy.HighsModelStatus.kOptimal else math.nan
    return x, objective, bound, status_text.lower()


def _rel_gap(objective: float, bound: float) -> float:
    if not math.isfinite(bound):
        return math.inf
    scale = max(abs(objective), abs(bound), 1e-12)
    return abs(bound - objective) / scale if scale > 1e-12 else 0.0


# --------------------------------------------------------------------------- coverage


def coverage_matrix(cost: np.ndarray, max_cost: float) -> sp.csr_array:
    """Boolean sparse matrix: demand point i is within ``max_cost`` of candidate j."""
    if not max_cost > 0:
        raise LocateError(f"the norm (max cost) must be > 0, got {max_cost!r}")
    return sp.csr_array(np.asarray(cost) <= max_cost)


def _coverage_groups(
    cover: sp.csr_array, weights: np.ndarray, open_mask: np.ndarray
) -> tuple[sp.csr_array, np.ndarray]:
    """Merge demand points covered by the same candidate set (one row per distinct set).

    Neighbouring cells are usually reached by the same sites; merging them shrinks the model
    without changing its optimum (the objective only sees the summed weight).
    """
    rows = np.flatnonzero(open_mask)
    groups: dict[bytes, int] = {}
    group_weight: list[float] = []
    indptr = [0]
    indices: list[np.ndarray] = []
    for i in rows:
        cols = cover.indices[cover.indptr[i] : cover.indptr[i + 1]]
        keyb = cols.tobytes()
        g = groups.get(keyb)
        if g is None:
            groups[keyb] = len(group_weight)
            group_weight.append(float(weights[i]))
            indices.append(cols)
            indptr.append(indptr[-1] + cols.size)
        else:
            group_weight[g] += float(weights[i])
    data_idx = np.concatenate(indices) if indices else np.zeros(0, dtype=np.int64)
    m = cover.shape[1]
    grouped = sp.csr_array(
        (np.ones(data_idx.size), data_idx, np.asarray(indptr)), shape=(len(group_weight), m)
    )
    return grouped, np.asarray(group_weight)


def _covered_weight(cover: sp.csr_array, weights: np.ndarray, chosen: np.ndarray) -> float:
    if len(chosen) == 0:
        return 0.0
    hit = np.asarray(cover[:, np.asarray(chosen)].sum(axis=1)).ravel() > 0
    return float(weights[hit].sum())


def greedy_max_coverage(cover: sp.csr_array, weights: np.ndarray, k: int) -> Solution:
    """Take, k times, the site that covers most still-uncovered people."""
    start = time.perf_counter()
    csc = sp.csc_array(cover)
    left = np.asarray(weights, dtype=float).copy()
    chosen: list[int] = []
    total = 0.0
    for _ in range(k):
        gains = csc.T @ left
        gains[chosen] = -1.0
        j = int(np.argmax(gains))
        chosen.append(j)
        hit = csc.indices[csc.indptr[j] : csc.indptr[j + 1]]
        total += float(left[hit].sum())
        left[hit] = 0.0
    return Solution(np.asarray(sorted(chosen)), total, time.perf_counter() - start)


def max_coverage(
    cost: np.ndarray,
    weights: np.ndarray,
    k: int,
    *,
    max_cost: float,
    baseline_cost: np.ndarray | None = None,
    time_limit_s: float = 60.0,
    mip_rel_gap: float = 0.0,
) -> LocateResult:
    """Open k candidate sites so that the most (not yet served) people are within ``max_cost``.

    The objective is the number of people newly within the norm; people already within it of an
    existing facility (``baseline_cost ≤ max_cost``) are counted in ``already_served_weight``.
    """
    cost, w, base = _check(cost, weights, baseline_cost)
    k = _check_k(k, cost.shape[1])
    cover = coverage_matrix(cost, max_cost)
    served = base <= max_cost
    reachable = np.diff(cover.indptr) > 0
    open_mask = (w > 0) & ~served & reachable
    uncoverable = float(w[(w > 0) & ~served & ~reachable].sum())
    if not (cover.sum(axis=0) > 0).any():
        raise LocateError(
            f"no candidate site has anybody within the norm of {max_cost:g}: no valid site"
        )
    w_open = np.where(open_mask, w, 0.0)
    greedy = greedy_max_coverage(cover, w_open, k)
    start = time.perf_counter()
    grouped, gw = _coverage_groups(cover, w, open_mask)
    n_g, m = grouped.shape
    if n_g == 0:
        chosen = greedy.chosen
        objective, bound, status, notes = 0.0, 0.0, "optimal", ["nobody left to cover"]
    else:
        # columns: x_j (m, binary) then y_g (n_g, continuous in [0, 1])
        # rows: y_g − Σ_{j covers g} x_j ≤ 0 (n_g rows), Σ x_j = k (1 row)
        a_x = sp.vstack([-grouped, sp.csr_array(np.ones((1, m)))])
        a_y = sp.vstack([sp.eye_array(n_g, format="csr"), sp.csr_array((1, n_g))])
        matrix = sp.csc_array(sp.hstack([a_x, a_y]))
        x, objective, bound, status = _solve(
            np.concatenate([np.zeros(m), gw]),
            np.zeros(m + n_g),
            np.ones(m + n_g),
            np.concatenate([np.ones(m, bool), np.zeros(n_g, bool)]),
            matrix,
            np.concatenate([np.full(n_g, -np.inf), [k]]),
            np.concatenate([np.zeros(n_g), [k]]),
            maximise=True,
            time_limit_s=time_limit_s,
            mip_rel_gap=mip_rel_gap,
        )
        chosen = np.flatnonzero(x[:m] > 0.5)
        objective = _covered_weight(cover, w_open, chosen)
        notes = [f"{n_g} distinct coverage groups from {int(open_mask.sum())} demand points"]
    seconds = time.perf_counter() - start
    return LocateResult(
        method="max_coverage",
        chosen=np.asarray(chosen),
        objective=objective,
        bound=max(bound, objective),
        gap=_rel_gap(objective, max(bound, objective)),
        status=status,
        solve_time_s=seconds,
        greedy=greedy,
        total_weight=float(w.sum()),
        uncoverable_weight=uncoverable,
        already_served_weight=float(w[served].sum()),
        notes=notes,
    )


# --------------------------------------------------------------------------- set cover


def greedy_set_cover(cover: sp.csr_array, need: np.ndarray) -> Solution:
    """Take the site covering most still-uncovered demand points until all are covered."""
    start = time.perf_counter()
    csc = sp.csc_array(cover)
    left = need.astype(float).copy()
    chosen: list[int] = []
    while left.sum() > 0:
        gains = csc.T @ left
        j = int(np.argmax(gains))
        if gains[j] <= 0:
            break
        chosen.append(j)
        left[csc.indices[csc.indptr[j] : csc.indptr[j + 1]]] = 0.0
    return Solution(np.asarray(sorted(chosen)), float(len(chosen)), time.perf_counter() - start)


def set_cover(
    cost: np.ndarray,
    weights: np.ndarray,
    *,
    max_cost: float,
    baseline_cost: np.ndarray | None = None,
    time_limit_s: float = 60.0,
    mip_rel_gap: float = 0.0,
) -> LocateResult:
    """The fewest sites so that every demand point with people is within ``max_cost``.

    Points no candidate reaches within the norm cannot be covered by any choice; they are left
    out and reported as ``uncoverable_weight`` rather than making the problem infeasible.
    """
    cost, w, base = _check(cost, weights, baseline_cost)
    cover = coverage_matrix(cost, max_cost)
    served = base <= max_cost
    reachable = np.diff(cover.indptr) > 0
    need = (w > 0) & ~served & reachable
    uncoverable = float(w[(w > 0) & ~served & ~reachable].sum())
    greedy = greedy_set_cover(cover, need)
    start = time.perf_counter()
    grouped, _ = _coverage_groups(cover, w, need)
    n_g, m = grouped.shape
    if n_g == 0:
        chosen, objective, bound, status = np.zeros(0, int), 0.0, 0.0, "optimal"
    else:
        x, objective, bound, status = _solve(
            np.ones(m),
            np.zeros(m),
            np.ones(m),
            np.ones(m, bool),
            sp.csc_array(grouped),
            np.ones(n_g),
            np.full(n_g, np.inf),
            maximise=False,
            time_limit_s=time_limit_s,
            mip_rel_gap=mip_rel_gap,
        )
        chosen = np.flatnonzero(x > 0.5)
        objective = float(len(chosen))
        bound = math.ceil(bound - 1e-6) if math.isfinite(bound) else bound
    return LocateResult(
        method="set_cover",
        chosen=np.asarray(chosen),
        objective=objective,
        bound=min(bound, objective),
        gap=_rel_gap(objective, min(bound, objective)),
        status=status,
        solve_time_s=time.perf_counter() - start,
        greedy=greedy,
        total_weight=float(w.sum()),
        uncoverable_weight=uncoverable,
        already_served_weight=float(w[served].sum()),
    )


# --------------------------------------------------------------------------- p-median


def _capped(cost: np.ndarray, base: np.ndarray, unreachable_cost: float | None) -> np.ndarray:
    """Each point's cost when no new site serves it: today's cost, or the penalty."""
    finite = cost[np.isfinite(cost)]
    penalty = unreachable_cost
    if penalty is None:
        penalty = float(finite.max()) * 2.0 + 1.0 if finite.size else 1.0
    return np.minimum(base, penalty)


def p_median_cost(
    cost: np.ndarray, weights: np.ndarray, chosen: np.ndarray, cap: np.ndarray
) -> float:
    """Total weighted cost of everybody to the nearest chosen site (or their cap)."""
    chosen = np.asarray(chosen, dtype=int)
    best = cap if chosen.size == 0 else np.minimum(cap, cost[:, chosen].min(axis=1))
    return float((np.asarray(weights) * best).sum())


def greedy_p_median(cost: np.ndarray, weights: np.ndarray, k: int, cap: np.ndarray) -> Solution:
    """Take, k times, the site that lowers the total cost most (the "greedy add" heuristic)."""
    start = time.perf_counter()
    current = cap.astype(float).copy()
    w = np.asarray(weights, dtype=float)
    chosen: list[int] = []
    for _ in range(k):
        totals = w @ np.minimum(cost, current[:, None])
        totals[chosen] = np.inf
        j = int(np.argmin(totals))
        chosen.append(j)
        current = np.minimum(current, cost[:, j])
    total = float((w * current).sum())
    return Solution(np.asarray(sorted(chosen)), total, time.perf_counter() - start)


def swap_improve(
    cost: np.ndarray,
    weights: np.ndarray,
    cap: np.ndarray,
    chosen: np.ndarray,
    *,
    deadline: float | None = None,
) -> np.ndarray:
    """Vertex substitution (Teitz & Bart 1968): swap a chosen site for another while it helps.

    Each pass finds the best single swap using every point's nearest and second-nearest chosen
    site, so one candidate is evaluated for all k removals in O(n). Used as the starting answer
    of the exact p-median solve: a good incumbent lets the solver prune early, and when the solve
    runs out of time the planner still gets the best answer found, with its gap.
    """
    w = np.asarray(weights, dtype=float)
    chosen = [int(j) for j in chosen]
    k = len(chosen)
    n, m = cost.shape
    rows = np.arange(n)
    while deadline is None or time.perf_counter() < deadline:
        d = np.minimum(cap[:, None], cost[:, chosen])
        order = np.argsort(d, axis=1)
        best_pos = order[:, 0]
        best = d[rows, best_pos]
        second = d[rows, order[:, 1]] if k > 1 else cap
        current = float((w * best).sum())
        best_delta, best_swap = -1e-9 * max(current, 1.0), None
        taken = set(chosen)
        for j in range(m):
            if j in taken:
                continue
            cj = cost[:, j]
            only_add = np.minimum(cj, best)
            extra = np.bincount(
                best_pos, weights=w * (np.minimum(cj, second) - only_add), minlength=k
            )
            f = int(np.argmin(extra))
            delta = float((w * only_add).sum() + extra[f]) - current
            if delta < best_delta:
                best_delta, best_swap = delta, (j, f)
        if best_swap is None:
            break
        chosen[best_swap[1]] = best_swap[0]
    return np.asarray(sorted(chosen))


def lagrangian_bound(
    cost: np.ndarray,
    weights: np.ndarray,
    cap: np.ndarray,
    k: int,
    upper: float,
    *,
    iterations: int = 2000,
    deadline: float | None = None,
) -> float:
    """A lower bound on the p-median optimum by Lagrangian relaxation (Cornuejols et al. 1977).

    Relaxing "every point is served once" with multipliers λ leaves a problem solved by sorting:
    open the k sites with the most negative Σ_i min(0, w_i·d_ij − λ_i). Every λ gives a valid
    bound; subgradient steps (Held, Wolfe & Crowder 1974) push it up. The always-open "today"
    option (cost ``cap``) enters as a free extra column.
    """
    w = np.asarray(weights, dtype=float)
    keep = w > 0
    wc = w[keep, None] * cost[keep]
    wcap = w[keep] * np.where(np.isfinite(cap[keep]), cap[keep], np.inf)
    lam = np.minimum(np.min(wc, axis=1), wcap)
    best = -math.inf
    step = 2.0
    stalled = 0
    for _ in range(iterations):
        if deadline is not None and time.perf_counter() > deadline:
            break
        red = np.minimum(0.0, wc - lam[:, None])
        rho = red.sum(axis=0)
        open_ = np.argpartition(rho, k - 1)[:k] if k < rho.size else np.arange(rho.size)
        red_cap = np.minimum(0.0, wcap - lam)
        value = float(lam.sum() + rho[open_].sum() + red_cap.sum())
        if best == -math.inf or value > best + 1e-9 * max(abs(best), 1.0):
            best, stalled = value, 0
        else:
            stalled += 1
            if stalled >= 10:
                step, stalled = step / 2, 0
        g = 1.0 - (red[:, open_] < 0).sum(axis=1) - (red_cap < 0)
        norm = float(g @ g)
        if norm == 0 or step < 1e-4:
            break
        lam = lam + step * max(upper - value, 0.0) / norm * g
    return best


def _p_median_model(
    cost: np.ndarray, w: np.ndarray, cap: np.ndarray, rows: np.ndarray, depth: np.ndarray, k: int
) -> tuple[sp.csc_array, np.ndarray, np.ndarray, np.ndarray, np.ndarray, float, list]:
    """Elloumi chain model over the first ``depth[i]`` cost levels of each demand point."""
    m = cost.shape[1]
    constant = 0.0
    z_cost: list[float] = []
    r_idx: list[np.ndarray] = []  # row indices of the x_j entries
    c_idx: list[np.ndarray] = []  # x columns
    chain_rows: list[tuple[int, int, int]] = []  # (row, z col, previous z col or -1)
    row = 0
    meta: list[tuple[int, int, int]] = []  # (demand point, last z col, levels cut off?)
    for i, d in zip(rows, depth, strict=True):
        ci = cost[i]
        order = np.argsort(ci, kind="stable")
        sorted_cost = ci[order]
        below = sorted_cost < cap[i]
        order, sorted_cost = order[below], sorted_cost[below]
        if sorted_cost.size == 0:
            constant += w[i] * cap[i]
            continue
        levels, starts = np.unique(sorted_cost, return_index=True)
        n_levels = min(int(d), levels.size)
        cut = n_levels < levels.size
        next_cost = levels[n_levels] if cut else cap[i]
        constant += w[i] * levels[0]
        prev = -1
        for lv in range(n_levels):
            upto = starts[lv + 1] if lv + 1 < levels.size else order.size
            members = order[starts[lv] : upto]
            step = (levels[lv + 1] if lv + 1 < n_levels else next_cost) - levels[lv]
            zc = len(z_cost)
            z_cost.append(w[i] * step)
            r_idx.append(np.full(members.size, row))
            c_idx.append(members)
            chain_rows.append((row, zc, prev))
            prev = zc
            row += 1
        meta.append((int(i), prev, int(cut)))
    n_z = len(z_cost)
    n_rows = row + 1  # plus Σ x = k
    xr = np.concatenate(r_idx) if r_idx else np.zeros(0, int)
    xc = np.concatenate(c_idx) if c_idx else np.zeros(0, int)
    ch = np.asarray(chain_rows, dtype=int).reshape(-1, 3)
    # row: z_k − z_{k-1} + Σ x ≥ 0   (first level: z_1 + Σ x ≥ 1)
    rr = [xr, ch[:, 0], ch[ch[:, 2] >= 0, 0], np.full(m, row)]
    cc = [xc, m + ch[:, 1], m + ch[ch[:, 2] >= 0, 2], np.arange(m)]
    vv = [np.ones(xr.size), np.ones(len(ch)), -np.ones(int((ch[:, 2] >= 0).sum())), np.ones(m)]
    matrix = sp.csc_array(
        (np.concatenate(vv), (np.concatenate(rr), np.concatenate(cc))), shape=(n_rows, m + n_z)
    )
    row_lower = np.zeros(n_rows)
    row_lower[ch[ch[:, 2] < 0, 0]] = 1.0
    row_lower[-1] = k
    row_upper = np.full(n_rows, np.inf)
    row_upper[-1] = k
    costs = np.concatenate([np.zeros(m), np.asarray(z_cost)])
    return matrix, costs, row_lower, row_upper, np.asarray(meta).reshape(-1, 3), constant, []


def p_median(
    cost: np.ndarray,
    weights: np.ndarray,
    k: int,
    *,
    baseline_cost: np.ndarray | None = None,
    unreachable_cost: float | None = None,
    levels: int = 30,
    time_limit_s: float = 120.0,
    mip_rel_gap: float = 0.0,
    max_rounds: int = 8,
) -> LocateResult:
    """Open k sites so that the total weighted travel cost to the nearest one is least.

    Nobody pays more than ``baseline_cost`` (their nearest existing facility). A demand point
    that no chosen site reaches pays ``unreachable_cost`` (default: twice the largest finite
    cost plus one — worse than any real trip, so the solver reaches people where it can).
    ``levels`` is the starting length of each point's list of nearest cost levels (see the
    module docstring); it grows where needed until the answer is exact or ``max_rounds`` pass.
    """
    cost, w, base = _check(cost, weights, baseline_cost)
    k = _check_k(k, cost.shape[1])
    cap = _capped(cost, base, unreachable_cost)
    greedy = greedy_p_median(cost, w, k, cap)
    start = time.perf_counter()
    # at most a quarter of the time for the swaps, HiGHS up to 60 %, the rest for a Lagrangian bound
    solver_deadline = start + 0.6 * time_limit_s
    rows = np.flatnonzero(w > 0)
    m = cost.shape[1]
    notes: list[str] = []
    # a good incumbent first (greedy + swaps), and its radius as each point's starting list
    swapped = swap_improve(cost, w, cap, greedy.chosen, deadline=start + time_limit_s / 4)
    best_chosen, best_obj = swapped, p_median_cost(cost, w, swapped, cap)
    lower, status = -math.inf, ""
    if len(rows):
        radius = np.minimum(cap, cost[:, best_chosen].min(axis=1))[rows]
        within = (cost[rows] <= radius[:, None]).sum(axis=1)
        depth = np.maximum(np.maximum(within, 1) + 1, min(max(1, int(levels)), m))
    else:
        depth = np.zeros(0, dtype=int)
    rounds = 0
    for rounds in range(1, max_rounds + 1):  # noqa: B007 - rounds is reported
        left = solver_deadline - time.perf_counter()
        if left <= 0:
            status = "time limit reached"
            break
        matrix, costs, rl, ru, meta, constant, _ = _p_median_model(cost, w, cap, rows, depth, k)
        n_z = costs.size - m
        x, obj, bound, status = _solve(
            costs,
            np.zeros(m + n_z),
            np.ones(m + n_z),
            np.concatenate([np.ones(m, bool), np.zeros(n_z, bool)]),
            matrix,
            rl,
            ru,
            maximise=False,
            time_limit_s=left,
            mip_rel_gap=mip_rel_gap,
        )
        chosen = np.flatnonzero(x[:m] > 0.5)
        true_obj = p_median_cost(cost, w, chosen, cap)
        lower = max(lower, bound + constant)
        if true_obj < best_obj:
            best_chosen, best_obj = chosen, true_obj
        # points served beyond their list: the last z of a cut list is still "on"
        cut = meta[:, 2] == 1
        overflow = cut & (x[m + meta[:, 1]] > 0.5) if meta.size else np.zeros(0, bool)
        if not overflow.any() or status != "optimal":
            break
        where = np.isin(rows, meta[overflow, 0])
        depth[where] *= 4
        notes.append(f"round {rounds}: {int(overflow.sum())} points beyond their list, lengthened")
    if status != "optimal" and len(rows):
        bound = lagrangian_bound(
            cost, w, cap, k, best_obj, deadline=max(start + time_limit_s, time.perf_counter() + 1.0)
        )
        if bound > lower:
            notes.append("lower bound from Lagrangian relaxation")
            lower = bound
    lower = min(lower, best_obj)
    return LocateResult(
        method="p_median",
        chosen=np.asarray(best_chosen),
        objective=best_obj,
        bound=lower,
        gap=_rel_gap(best_obj, lower),
        status=status,
        solve_time_s=time.perf_counter() - start,
        greedy=greedy,
        total_weight=float(w.sum()),
        uncoverable_weight=float(w[~np.isfinite(cost).any(axis=1) & ~np.isfinite(base)].sum()),
        iterations=rounds,
        notes=notes,
    )


def solve(method: str, cost: np.ndarray, weights: np.ndarray, **kw) -> LocateResult:
    """Dispatch by method name (for forms and the command line)."""
    if method == "max_coverage":
        return max_coverage(cost, weights, **kw)
    if method == "p_median":
        kw.pop("max_cost", None)
        return p_median(cost, weights, **kw)
    if method == "set_cover":
        kw.pop("k", None)
        return set_cover(cost, weights, **kw)
    raise LocateError(f"unknown method {method!r}; known: {', '.join(METHODS)}")
