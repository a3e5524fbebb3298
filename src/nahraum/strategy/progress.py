"""Progress roll-up of the strategy tree, as pure functions on plain data.

Decidim's accountability module keeps results in a tree and gives each parent the weighted mean
of its children's progress. nahraum does the same over field → goal → measure → project →
milestone, with two rules of its own:

* a **dropped** item does not count at all (neither its progress nor its weight), so that
  abandoning a project does not make the measure look further behind or further ahead;
* an item marked **done** is complete (100 %) whatever its children say, and an explicit
  percentage set by staff wins over the children (a project without milestones can still report).

Kept free of Django so that the rules can be tested on trees computed by hand and reused by the
exports and the printed report without touching the database.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

#: Status values (same strings as :class:`nahraum.strategy.models.Status`).
DONE = "done"
DROPPED = "dropped"


@dataclass(frozen=True)
class Item:
    """One node of the tree as the roll-up sees it.

    ``progress`` is an explicit percentage (0–100) or None to derive it from ``children``.
    ``weight`` is the node's share in its parent's mean (Decidim's ``weight``); any number > 0.
    """

    weight: float = 1.0
    status: str = "planned"
    progress: float | None = None
    children: Sequence[Item] = field(default_factory=tuple)


def weighted_mean(pairs: Iterable[tuple[float, float]]) -> float | None:
    """Weighted mean of ``(value, weight)`` pairs; None when there is no positive weight.

    >>> weighted_mean([(100, 1), (0, 3)])
    25.0
    """
    total_weight = 0.0
    total = 0.0
    for value, weight in pairs:
        if weight is None or weight <= 0:
            continue
        total += float(value) * float(weight)
        total_weight += float(weight)
    if total_weight == 0:
        return None
    return total / total_weight


def counts(item: Item) -> bool:
    """Whether an item takes part in its parent's roll-up (dropped items do not)."""
    return item.status != DROPPED


def rollup(item: Item) -> float | None:
    """Progress of ``item`` in percent (0–100), or None for a dropped item.

    Order of precedence: dropped → None; done → 100; explicit progress → that value (clamped
    to 0–100); otherwise the weighted mean of the children that count; an item with no
    counting children (a milestone not yet reached, a project without milestones) → 0.
    """
    if item.status == DROPPED:
        return None
    if item.status == DONE:
        return 100.0
    if item.progress is not None:
        return min(100.0, max(0.0, float(item.progress)))
    pairs = []
    for child in item.children:
        value = rollup(child)
        if value is not None:
            pairs.append((value, child.weight))
    mean = weighted_mean(pairs)
    return 0.0 if mean is None else mean


def target_progress(baseline: float | None, target: float, latest: float | None) -> float | None:
    """How far an indicator has moved from its baseline toward its target, in percent (0–100).

    Works for targets above and below the baseline (a share that should rise, a travel time that
    should fall). None when baseline or latest value is unknown or baseline equals target.
    """
    if baseline is None or latest is None or target == baseline:
        return None
    share = (latest - baseline) / (target - baseline) * 100.0
    return min(100.0, max(0.0, share))
