"""Location planning: the exact solver equals brute force, greedy keeps its guarantee."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from nahraum.access.locate import (
    GREEDY_BOUND,
    LocateError,
    coverage_matrix,
    max_coverage,
    p_median,
    p_median_cost,
    set_cover,
    solve,
)


def instance(seed: int, n: int, m: int, unreachable: float = 0.1):
    """Points in a 10 km square; cost = distance in metres, some pairs unreachable."""
    rng = np.random.default_rng(seed)
    demand = rng.uniform(0, 10_000, (n, 2))
    sites = rng.uniform(0, 10_000, (m, 2))
    cost = np.linalg.norm(demand[:, None, :] - sites[None, :, :], axis=2)
    cost[rng.random((n, m)) < unreachable] = np.inf
    weights = rng.integers(0, 50, n).astype(float)
    return cost, weights


def brute_coverage(cost, w, k, norm, base=None):
    cover = cost <= norm
    open_ = np.ones(len(w), bool) if base is None else base > norm
    best = max(
        (float(w[open_ & cover[:, list(c)].any(axis=1)].sum()), c)
        for c in itertools.combinations(range(cost.shape[1]), k)
    )
    return best[0]


@pytest.mark.parametrize("seed", range(6))
def test_max_coverage_equals_brute_force(seed):
    cost, w = instance(seed, 40, 9)
    for k in (1, 2, 3, 4):
        result = max_coverage(cost, w, k, max_cost=2500)
        assert result.objective == pytest.approx(brute_coverage(cost, w, k, 2500))
        assert len(result.chosen) == k
        assert result.gap == pytest.approx(0, abs=1e-9)
        assert result.greedy.objective <= result.objective + 1e-9


def test_max_coverage_with_existing_supply_counts_only_new_people():
    cost, w = instance(11, 40, 8)
    base = np.full(40, np.inf)
    base[:15] = 100.0  # the first 15 points already have a facility next door
    result = max_coverage(cost, w, 2, max_cost=3000, baseline_cost=base)
    assert result.objective == pytest.approx(brute_coverage(cost, w, 2, 3000, base))
    assert result.already_served_weight == pytest.approx(w[:15].sum())


@pytest.mark.parametrize("seed", range(6))
def test_p_median_equals_brute_force(seed):
    cost, w = instance(100 + seed, 30, 8, unreachable=0.0)
    cap = np.full(30, np.inf)
    for k in (1, 2, 3):
        best = min(
            p_median_cost(cost, w, np.array(c), cap) for c in itertools.combinations(range(8), k)
        )
        # short lists force the lengthening rounds; the answer must still be exact
        result = p_median(cost, w, k, levels=2)
        assert result.objective == pytest.approx(best)
        assert result.bound == pytest.approx(best, rel=1e-6)
        assert result.greedy.objective >= best - 1e-6


def test_p_median_with_unreachable_pairs_and_baseline_equals_brute_force():
    cost, w = instance(7, 30, 7, unreachable=0.3)
    base = np.where(np.arange(30) % 3 == 0, 1500.0, np.inf)
    result = p_median(cost, w, 2, baseline_cost=base, unreachable_cost=50_000, levels=3)
    cap = np.minimum(base, 50_000)
    best = min(
        p_median_cost(cost, w, np.array(c), cap) for c in itertools.combinations(range(7), 2)
    )
    assert result.objective == pytest.approx(best)


@pytest.mark.parametrize("seed", range(4))
def test_set_cover_equals_brute_force(seed):
    cost, w = instance(200 + seed, 35, 10)
    norm = 3000
    cover = cost <= norm
    need = (w > 0) & cover.any(axis=1)
    smallest = next(
        size
        for size in range(0, 11)
        if any(
            cover[need][:, list(c)].any(axis=1).all()
            for c in itertools.combinations(range(10), size)
        )
    )
    result = set_cover(cost, w, max_cost=norm)
    assert result.objective == smallest
    assert cover[need][:, result.chosen].any(axis=1).all()
    assert result.greedy.objective >= smallest
    assert result.uncoverable_weight == pytest.approx(w[(w > 0) & ~cover.any(axis=1)].sum())


@pytest.mark.parametrize("seed", range(3))
def test_greedy_max_coverage_keeps_its_bound_on_larger_cases(seed):
    cost, w = instance(300 + seed, 600, 80)
    result = max_coverage(cost, w, 6, max_cost=1500)
    assert result.gap <= 1e-9
    assert result.greedy.objective >= GREEDY_BOUND * result.objective - 1e-6
    # and the exact answer really covers what it claims
    cover = coverage_matrix(cost, 1500).toarray()
    assert w[cover[:, result.chosen].any(axis=1)].sum() == pytest.approx(result.objective)


def test_keep_which_when_closing_some_sites():
    # existing sites as candidates, keep 2 of 4: pick the two that serve the two clusters
    cost = np.array([[0, 1, 9, 9], [1, 0, 9, 9], [9, 9, 0, 1], [9, 9, 1, 0]], dtype=float)
    result = p_median(cost, np.array([1.0, 1.0, 5.0, 5.0]), 2)
    chosen = set(result.chosen.tolist())
    assert len(chosen & {0, 1}) == 1 and len(chosen & {2, 3}) == 1
    assert result.objective == pytest.approx(1 + 5)


def test_bad_input_is_named():
    cost = np.full((3, 2), np.inf)
    with pytest.raises(LocateError, match="no valid site"):
        max_coverage(cost, np.ones(3), 1, max_cost=10)
    with pytest.raises(LocateError, match="k = 3 sites asked for, but only 2"):
        p_median(np.ones((3, 2)), np.ones(3), 3)
    with pytest.raises(LocateError, match="no valid site"):
        max_coverage(np.full((3, 2), 100.0), np.ones(3), 1, max_cost=10)
    with pytest.raises(LocateError, match="weights have shape"):
        set_cover(np.ones((3, 2)), np.ones(2), max_cost=10)
    with pytest.raises(LocateError, match="unknown method 'boat'"):
        solve("boat", np.ones((3, 2)), np.ones(3))
    with pytest.raises(LocateError, match="no candidate sites"):
        p_median(np.ones((3, 0)), np.ones(3), 1)


def test_result_dict_reports_objective_gap_and_time():
    cost, w = instance(5, 20, 6)
    data = max_coverage(cost, w, 2, max_cost=3000).to_dict()
    assert set(data) >= {"objective", "bound", "gap", "solve_time_s", "greedy", "status"}
    assert data["status"] == "optimal" and not math.isnan(data["gap"])


@pytest.mark.parametrize("seed", range(4))
def test_swaps_never_worsen_and_the_lagrangian_bound_stays_below_the_optimum(seed):
    from nahraum.access.locate import greedy_p_median, lagrangian_bound, swap_improve

    cost, w = instance(400 + seed, 30, 9, unreachable=0.0)
    cap = np.full(30, np.inf)
    best = min(
        p_median_cost(cost, w, np.array(c), cap) for c in itertools.combinations(range(9), 3)
    )
    greedy = greedy_p_median(cost, w, 3, cap)
    swapped = swap_improve(cost, w, cap, greedy.chosen)
    assert len(set(swapped.tolist())) == 3
    assert best - 1e-6 <= p_median_cost(cost, w, swapped, cap) <= greedy.objective + 1e-6
    bound = lagrangian_bound(cost, w, cap, 3, greedy.objective)
    assert bound <= best + 1e-6
    assert bound > 0.5 * best  # and it is a useful bound, not just zero


def test_the_solver_banner_stays_out_of_stdout_and_stderr():
    """`nahraum scenario locate --json` prints nothing but JSON on stdout, and JSON logs on
    stderr (NAHRAUM_LOG_FORMAT=json) carry no line that is not JSON."""
    import subprocess
    import sys

    code = "import nahraum.access.locate, highspy; highspy.Highs(); print('{}')"
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "{}"
    assert "HiGHS" not in done.stderr
    # without the swallowing, the banner is printed: the check above can fail
    raw = subprocess.run(
        [sys.executable, "-c", "import highspy; highspy.Highs()"], capture_output=True, text=True
    )
    assert "HiGHS" in raw.stdout + raw.stderr
