"""Permissions of the strategy, on top of the platform's ownership rule.

The rule itself lives in :mod:`nahraum.accounts.rules`: staff of a municipality change their own
municipality's objects, the project office changes everything including joint objects. Here it is
applied to the strategy's objects, each of which tells its owner (a milestone, a target or a
history entry belongs to whoever owns its project or measure). The status history is never
changed, by anybody: only appended to, by those who may change the measure or project.
"""

from __future__ import annotations

from typing import Any

import rules

from nahraum.accounts.rules import can_change, can_create_for, is_staff


@rules.predicate
def can_change_strategy_object(user: Any, obj: Any) -> bool:
    """Change a measure, project, milestone, target or involvement (ownership rule)."""
    return obj is not None and can_change(user, obj)


@rules.predicate
def can_add_status_change(user: Any, obj: Any) -> bool:
    """Append a dated status to the history of a measure or project the user may change."""
    return obj is not None and can_change(user, obj)


@rules.predicate
def never(user: Any, obj: Any = None) -> bool:
    """History entries are never edited or deleted, not even by the project office."""
    return False


def can_create_measure_for(user: Any, municipality_id: int | None) -> bool:
    """Create a measure for a municipality (None = joint: the project office only)."""
    return can_create_for(user, municipality_id)


#: Every permission of the strategy, read by the views, the templates and the role × action test.
#: Reading the strategy (overview, maps, timeline, reports, exports) is public and asks nothing.
ACTIONS: dict[str, rules.Predicate] = {
    # the staff start page and carrying a workshop's proposal into a measure draft (the form
    # then limits the responsible municipality to those the user may create for)
    "strategy.manage": is_staff,
    "strategy.derive_measure": is_staff,
    # a measure: edit it, attach indicator targets, add projects — the owner's staff only
    "strategy.change_measure": can_change_strategy_object,
    "strategy.add_target": can_change_strategy_object,
    "strategy.add_project": can_change_strategy_object,
    "strategy.change_project": can_change_strategy_object,
    "strategy.add_statuschange": can_add_status_change,
    "strategy.change_statuschange": never,
    "strategy.delete_statuschange": never,
}

for _name, _predicate in ACTIONS.items():
    rules.add_perm(_name, _predicate)
