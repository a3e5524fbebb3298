"""``nahraum worker`` and ``nahraum jobs list|show|cancel|watch``; :func:`watch_job` for others.

A CLI command that starts a job (``start_job(...)``) can show the same progress bar as the
browser with ``watch_job(job, click.echo)``; Ctrl-C stops watching, never the job.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from typing import Any

import click

from nahraum.bootstrap import setup_django


@click.command("worker")
@click.option("--queue", default="default", show_default=True, help="Queues, comma-separated; *.")
@click.option(
    "--interval", default=1.0, show_default=True, type=float, help="Seconds between looks."
)
@click.option("--once", "--batch", "batch", is_flag=True, help="Stop when the queue is empty.")
@click.option("--stale-seconds", type=float, default=None, help="Heartbeat age of a lost job.")
@click.option("--worker-id", default=None, help="Unique name (default: host:pid:random).")
def worker(
    queue: str, interval: float, batch: bool, stale_seconds: float | None, worker_id: str | None
) -> None:
    """Run background jobs (scenario runs, location planning, reports, imports) until stopped."""
    setup_django()
    from .worker import WorkerConfigurationError, run_worker

    try:
        run_worker(
            queue_names=[q.strip() for q in queue.split(",") if q.strip()],
            interval=interval,
            batch=batch,
            stale_after=stale_seconds,
            worker_id=worker_id,
            echo=click.echo,
        )
    except WorkerConfigurationError as exc:
        raise click.ClickException(str(exc)) from None


@click.group("jobs")
def jobs_group() -> None:
    """Hintergrundaufträge / background jobs: list, show, cancel, watch."""


def _get(job_id: str) -> Any:
    setup_django()
    from django.core.exceptions import ValidationError

    from .models import Job

    try:
        job = Job.objects.filter(pk=job_id).first()
    except ValidationError:
        job = None
    if job is None:
        raise click.ClickException(f"Auftrag / job {job_id} nicht gefunden / not found")
    return job


@jobs_group.command("list")
@click.option("--limit", default=20, show_default=True, type=int)
@click.option("--state", default=None, help="queued, running, done, failed or cancelled.")
def list_jobs(limit: int, state: str | None) -> None:
    """The most recent jobs, newest first."""
    setup_django()
    from . import selectors

    for job in selectors.recent_jobs(limit if not state else 1000):
        if state and job.state != state:
            continue
        who = job.created_by.get_username() if job.created_by else "-"
        click.echo(
            f"{job.pk}  {job.state:<9} {job.percent:>3}%  {job.kind:<24} {who:<12} "
            f"{job.created_at:%Y-%m-%d %H:%M}"
        )


@jobs_group.command("show")
@click.argument("job_id")
def show(job_id: str) -> None:
    """One job as JSON (the same figures as the page's JSON)."""
    job = _get(job_id)
    from .presenters import status

    data = status(job) | {
        "params": job.params,
        "result": job.result,
        "attempts": job.attempts,
        "max_attempts": job.max_attempts,
        "worker": job.worker,
        "created_at": job.created_at.isoformat(),
    }
    click.echo(json.dumps(data, ensure_ascii=False, indent=2, default=str))


@jobs_group.command("cancel")
@click.argument("job_id")
def cancel(job_id: str) -> None:
    """Cancel a job: a queued one at once, a running one at its next progress report."""
    job = _get(job_id)
    from .services import cancel_job

    cancel_job(job)
    click.echo(f"{job.pk}: {job.state}{' (cancel requested)' if job.cancel_requested else ''}")


@jobs_group.command("prune")
@click.option("--days", default=30, show_default=True, type=int, help="Finished before this.")
def prune(days: int) -> None:
    """Delete finished jobs older than DAYS (queued and running ones stay)."""
    setup_django()
    import datetime as dt

    from .services import prune_jobs

    counts = prune_jobs(dt.timedelta(days=days))
    click.echo("{jobs} jobs, {queue_rows} queue rows deleted".format(**counts))


@jobs_group.command("watch")
@click.argument("job_id")
def watch(job_id: str) -> None:
    """A progress bar until the job ends (Ctrl-C stops watching, not the job)."""
    job = watch_job(_get(job_id))
    if job.state != "done":
        sys.exit(1)


def _to_stderr(text: str) -> None:
    click.echo(text, err=True)


def watch_job(job: Any, echo: Callable[[str], None] = _to_stderr, poll_s: float = 0.5) -> Any:
    """Show ``job``'s progress as a bar on the terminal until it ends; return it refreshed.

    The bar reads the same figures as the browser (:func:`.presenters.status`). Ctrl-C ends the
    watching and leaves the job running; ``nahraum jobs watch ID`` picks it up again. Bar and
    notes go to stderr, so that a command's ``--json`` output on stdout stays pure JSON.
    """
    from rich.console import Console
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn

    from .presenters import status

    try:
        echo(f"Auftrag / job {job.pk} — Strg-C beendet nur die Anzeige / Ctrl-C stops watching")
        with Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            TaskProgressColumn(),
            TextColumn("{task.fields[message]}"),
            transient=False,
            console=Console(stderr=True),
        ) as bar:
            s = status(job)
            task = bar.add_task(s["label"], total=100, message=s["message"])
            while True:
                job.refresh_from_db()
                s = status(job)
                bar.update(task, completed=s["percent"], message=s["message"] or s["state_label"])
                if s["finished"]:
                    break
                time.sleep(poll_s)
    except KeyboardInterrupt:
        echo(f"Beobachtung beendet, der Auftrag läuft weiter / stopped watching: {job.pk}")
        return job
    echo(f"{s['label']}: {s['state_label']}")
    if s["error"]:
        echo(s["error"])
    if s["url"]:
        echo(f"Ergebnis / result: {s['url']}")
    return job


def start_and_watch(kind: str, params: dict) -> Any:
    """``--background``: hand the work to a worker as job ``kind``, show its progress bar here
    and end with its result (a failed or cancelled job is an error of the command).

    Ctrl-C stops watching only; the job goes on (``nahraum jobs watch ID``).
    """
    from .selectors import worker_alive
    from .services import start_job

    job = start_job(kind, params)
    if not job.is_finished and not worker_alive():
        _to_stderr(
            "Kein Worker läuft / no worker is running: start one with `nahraum worker`; "
            "the job waits in the queue until then."
        )
    job = watch_job(job)
    if job.state == job.State.FAILED:
        raise click.ClickException(job.error)
    if job.state == job.State.CANCELLED:
        raise click.ClickException(f"job {job.pk} was cancelled")
    return job
