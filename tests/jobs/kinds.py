"""Job kinds for the tests only, registered on import (the test modules import this module;
a real worker subprocess imports it through NAHRAUM_EXTRA_JOB_MODULES=tests.jobs.kinds).

Their results are auth Groups named ``job-<id>-<n>``: a model every installation has, so that
"no partial result" can be counted in the database.
"""

from __future__ import annotations

import time
from pathlib import Path

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import transaction

from nahraum.jobs.registry import JobContext, job_kind


def written(job_id) -> int:
    return Group.objects.filter(name__startswith=f"job-{job_id}-").count()


@job_kind("tests.slow", label="Test: langsam")
def slow(ctx: JobContext) -> dict:
    """Phase 1: ``steps`` steps of ``delay`` s with progress. Phase 2, in one transaction:
    ``rows`` result rows, ``row_delay`` s apart; after half of them the file ``marker`` (if
    given) appears, so a test can kill the worker while the transaction is half written."""
    steps, delay = int(ctx.params.get("steps", 10)), float(ctx.params.get("delay", 0.2))
    rows, row_delay = int(ctx.params.get("rows", 6)), float(ctx.params.get("row_delay", 0.0))
    for i in range(steps):
        ctx.progress(i, steps, f"Schritt {i + 1} von {steps}")
        time.sleep(delay)
    with transaction.atomic():
        for n in range(rows):
            Group.objects.create(name=f"job-{ctx.job_id}-{n}")
            if n == rows // 2 and ctx.params.get("marker"):
                Path(ctx.params["marker"]).write_text("half written")
            time.sleep(row_delay)
        ctx.progress(steps, steps, "gespeichert")
    return {"rows": rows, "url": "/de/"}


@job_kind("tests.write_then_fail", label="Test: schreibt, dann Fehler")
def write_then_fail(ctx: JobContext) -> dict:
    """Writes two rows in its transaction, then fails as the params say."""
    with transaction.atomic():
        Group.objects.create(name=f"job-{ctx.job_id}-0")
        Group.objects.create(name=f"job-{ctx.job_id}-1")
        how = ctx.params.get("how")
        if how == "validation":
            raise ValidationError("Die Datei hat keine Spalte „Name“.")
        if how == "value":
            raise ValueError("Das Szenario hat keine Änderungen.")
        raise RuntimeError("interner Fehler mit Geheimnis /srv/secret")


@job_kind("tests.cancel_self", label="Test: bricht sich ab")
def cancel_self(ctx: JobContext) -> dict:
    """Writes in its transaction; at step 2 someone (here: itself) asks to cancel the job."""
    from nahraum.jobs.models import Job
    from nahraum.jobs.services import cancel_job

    with transaction.atomic():
        for i in range(20):
            Group.objects.create(name=f"job-{ctx.job_id}-{i}")
            if i == 2:
                cancel_job(Job.objects.get(pk=ctx.job_id))
            ctx.progress(i, 20, f"Schritt {i}")
            time.sleep(0.1)
    return {"rows": 20}


@job_kind("tests.chatty", label="Test: viele Fortschrittsmeldungen")
def chatty(ctx: JobContext) -> dict:
    """Reports progress ``n`` times as fast as it can (the throttle must keep the writes few)."""
    n = int(ctx.params.get("n", 2000))
    for i in range(n):
        ctx.progress(i + 1, n, f"{i + 1} von {n}")
    return {"n": n}


@job_kind("tests.stopped", label="Test: Rechenprozess wird beendet")
def stopped(ctx: JobContext) -> dict:
    """Writes a row, then its worker is told to exit (as by a second Ctrl-C) mid-transaction."""
    with transaction.atomic():
        Group.objects.create(name=f"job-{ctx.job_id}-0")
        raise SystemExit(1)
