"""The one task django-tasks stores: run the :class:`~nahraum.jobs.models.Job` with this id.

A single generic task keeps the queue free of other apps' function paths: the kind is looked up
in :mod:`nahraum.jobs.registry` when the job runs.
"""

from __future__ import annotations

from django_tasks import task


@task()
def run_job(job_id: str) -> str:
    """Run the job (see :func:`nahraum.jobs.runner.run`); returns the state it ended in."""
    from .runner import run

    return run(job_id)
