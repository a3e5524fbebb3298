"""Background jobs: long computations run by a worker, watched by a progress bar.

Library: Django's Tasks API (``django-tasks``, the backport of what is built into Django 6.0)
with ``django-tasks-db``'s ``DatabaseBackend``. The database is the queue, so the demo needs no
extra server (SQLite) and production uses PostgreSQL (``SELECT … FOR UPDATE SKIP LOCKED``): no
Redis and no message broker are required. django-tasks stores one generic task,
:func:`nahraum.jobs.tasks.run_job`; our own :class:`~nahraum.jobs.models.Job` row carries the
domain state no queue offers portably: progress, cancellation, who started it, a readable
failure, and the retry of a job whose worker was killed.

Apps register their kinds with :func:`nahraum.jobs.registry.job_kind` in their own ``jobs.py``
(imported in their ``AppConfig.ready()``), start them with
:func:`nahraum.jobs.services.start_job`, and send the browser to
:func:`nahraum.jobs.services.job_url`.
"""
