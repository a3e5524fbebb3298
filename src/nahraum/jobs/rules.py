"""Who may watch and cancel a job: whoever started it (account or, anonymously, the same
browser session), and the staff and project office, who look after all jobs."""

from __future__ import annotations

from typing import Any

import rules

from nahraum.accounts.rules import is_project_office, is_staff


@rules.predicate
def is_starter(user: Any, job: Any) -> bool:
    """The signed-in person who started ``job``."""
    if job is None or not getattr(user, "is_authenticated", False) or not user.is_active:
        return False
    return job.created_by_id is not None and job.created_by_id == user.pk


#: Staff (municipal or project office) see and cancel every job; superusers are the office.
is_job_staff = is_staff | is_project_office

ACTIONS: dict[str, rules.Predicate] = {
    "jobs.view_job": is_starter | is_job_staff,
    "jobs.cancel_job": is_starter | is_job_staff,
    "jobs.list_jobs": is_job_staff,
}

for _name, _predicate in ACTIONS.items():
    rules.add_perm(_name, _predicate)


def session_started(job: Any, session_key: str | None) -> bool:
    """An anonymous job started in this browser session (rules know users, not sessions)."""
    return (
        bool(job is not None and job.created_by_id is None and session_key and job.session_key)
        and job.session_key == session_key
    )
