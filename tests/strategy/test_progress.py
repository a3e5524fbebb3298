"""Progress roll-up on trees computed by hand (no database)."""

from __future__ import annotations

import pytest

from nahraum.strategy.progress import Item, rollup, target_progress, weighted_mean


def ms(done: bool, weight: float = 1.0) -> Item:
    return Item(weight=weight, status="done" if done else "planned")


def test_weighted_mean_by_hand():
    # (100·1 + 0·3) / 4 = 25
    assert weighted_mean([(100, 1), (0, 3)]) == 25.0
    assert weighted_mean([]) is None
    assert weighted_mean([(50, 0)]) is None


def test_project_from_weighted_milestones():
    # milestones: done (w 1), done (w 1), open (w 2) → (100+100+0)/4 = 50
    project = Item(status="in_progress", children=(ms(True), ms(True), ms(False, 2)))
    assert rollup(project) == 50.0


def test_explicit_percentage_wins_over_milestones_and_is_clamped():
    assert rollup(Item(progress=30, children=(ms(True),))) == 30.0
    assert rollup(Item(progress=140)) == 100.0


def test_done_is_complete_and_dropped_is_nothing():
    assert rollup(Item(status="done", children=(ms(False),))) == 100.0
    assert rollup(Item(status="dropped", children=(ms(True),))) is None
    assert rollup(Item(status="planned")) == 0.0


def test_full_tree_with_weights_and_dropped_items():
    """field → 2 goals → measures → projects → milestones, every number worked out by hand.

    Goal A (weight 1):
      measure A1 (weight 2): project P1 (w 1) milestones 1 of 2 done → 50;
                             project P2 (w 3) explicit 90            → 90;
                             project P3 (w 5) dropped                → excluded
                             A1 = (50·1 + 90·3) / 4 = 80
      measure A2 (weight 1): done → 100
      measure A3 (weight 7): dropped → excluded
      A = (80·2 + 100·1) / 3 = 86.666…
    Goal B (weight 3):
      measure B1 (weight 1): one project, planned, no milestones → 0
      measure B2 (weight 1): projects all dropped → own status 'in_progress' with no counting
                             children → 0
      B = 0
    Field = (86.666…·1 + 0·3) / 4 = 21.666…
    """
    p1 = Item(weight=1, status="in_progress", children=(ms(True), ms(False)))
    p2 = Item(weight=3, status="in_progress", progress=90)
    p3 = Item(weight=5, status="dropped", progress=100)
    a1 = Item(weight=2, status="in_progress", children=(p1, p2, p3))
    a2 = Item(weight=1, status="done")
    a3 = Item(weight=7, status="dropped", progress=100)
    goal_a = Item(weight=1, children=(a1, a2, a3))
    b1 = Item(weight=1, status="planned", children=(Item(status="planned"),))
    b2 = Item(weight=1, status="in_progress", children=(Item(status="dropped", progress=100),))
    goal_b = Item(weight=3, children=(b1, b2))
    field = Item(children=(goal_a, goal_b))

    assert rollup(p1) == 50.0
    assert rollup(a1) == pytest.approx(80.0)
    assert rollup(goal_a) == pytest.approx(260 / 3)
    assert rollup(goal_b) == 0.0
    assert rollup(field) == pytest.approx((260 / 3) / 4)


def test_dropping_a_project_changes_the_measure_as_computed_by_hand():
    late = Item(weight=1, status="in_progress", children=(ms(False),))
    good = Item(weight=1, status="in_progress", progress=80)
    assert rollup(Item(children=(late, good))) == 40.0
    dropped = Item(weight=1, status="dropped", children=(ms(False),))
    assert rollup(Item(children=(dropped, good))) == 80.0


@pytest.mark.parametrize(
    ("baseline", "target", "latest", "expected"),
    [
        (40, 60, 55, 75.0),  # share rising: 15 of 20 points
        (20, 10, 15, 50.0),  # minutes falling: 5 of 10
        (40, 60, 30, 0.0),  # worse than the baseline: clamped
        (40, 60, 70, 100.0),  # beyond the target: clamped
        (None, 60, 50, None),
        (40, 40, 50, None),
    ],
)
def test_target_progress(baseline, target, latest, expected):
    assert target_progress(baseline, target, latest) == expected
