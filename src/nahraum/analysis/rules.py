"""Permissions of the analysis: its pages are public; re-running it is the project office's.

A new run changes the figures every page, target and comparison shows for both
municipalities, and takes minutes of the worker's time on a real region: so the project office
(and superusers, who act as it) start it, as a background job (``analysis.run``).
"""

from __future__ import annotations

from typing import Any

import rules


@rules.predicate
def is_project_office(user: Any) -> bool:
    """The project office (or a superuser), signed in and active.

    Asked of the user's own properties: the analysis sits below the accounts app and does not
    import it (tests/test_architecture.py), so the predicate reads what the user model says.
    """
    return bool(
        getattr(user, "is_authenticated", False)
        and user.is_active
        and getattr(user, "is_project_office", False)
    )


ACTIONS: dict[str, rules.Predicate] = {
    "analysis.run_analysis": is_project_office,
}

for _name, _predicate in ACTIONS.items():
    rules.add_perm(_name, _predicate)
