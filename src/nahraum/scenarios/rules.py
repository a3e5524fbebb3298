"""Permissions of the scenarios, on top of the platform's ownership rule.

Scenarios and their comparisons belong to the public debate, so everybody may look at them.
Asking the location planner computes for up to a minute (p-median, k = 100, by car), so only
signed-in people may ask it, through the job queue (identical questions reuse the job).
Planning is for planners: municipal staff create scenarios for their own municipality, the
project office for either or jointly (:func:`nahraum.accounts.rules.can_create_for`); a
scenario is changed, run and deleted by the staff of the municipality it belongs to or by the
project office (:data:`nahraum.accounts.rules.can_change_object`): Kalletal's staff do not
touch Lemgo's.

``ACTIONS`` is read by the views, the templates and the role × action test alike.
"""

from __future__ import annotations

from typing import Any

import rules

from nahraum.accounts.rules import can_change_object, is_staff


@rules.predicate
def owns_scenario(user: Any, scenario: Any) -> bool:
    """Staff of the scenario's municipality, or the project office (joint scenarios too)."""
    return scenario is not None and bool(can_change_object.test(user, scenario))


ACTIONS: dict[str, rules.Predicate] = {
    # Looking is public: the figures belong to the public debate
    "scenarios.view_scenario": rules.always_allow,
    # Solving is heavy: signed-in people only, and through the job queue
    "scenarios.locate": rules.is_authenticated,
    # Planners create (for a municipality they may act for: see can_create_for)
    "scenarios.add_scenario": is_staff,
    # ... and change, run and delete only what belongs to their municipality
    "scenarios.change_scenario": owns_scenario,
    "scenarios.run_scenario": owns_scenario,
    "scenarios.delete_scenario": owns_scenario,
}

for _name, _predicate in ACTIONS.items():
    rules.add_perm(_name, _predicate)
