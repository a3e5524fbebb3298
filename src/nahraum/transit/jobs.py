"""The timetable's background job: importing a GTFS feed and computing its service levels.

A full GTFS feed (a Verkehrsverbund) takes minutes; ``nahraum transit import FEED --background``
hands it to a worker with the same arguments (the feed by absolute path). The import is all or
nothing (one transaction): a cancelled or killed job leaves no feed behind.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from nahraum.analysis.jobs import job_region
from nahraum.jobs.registry import JobContext, job_kind

IMPORT_GTFS = "transit.import_gtfs"
DAY_TYPES = "transit.day_types"


@job_kind(IMPORT_GTFS, label=gettext_lazy("Timetable import (GTFS)"))
def import_gtfs(ctx: JobContext) -> dict[str, Any]:
    """Import ``params["feed"]`` for a region (params as ``nahraum transit import`` takes them)."""
    from .services import class_shares, import_feed, import_report_text, parse_window

    params = ctx.params
    with translation.override(params.get("language") or None):
        feed_path = Path(params["feed"])
        if not feed_path.is_absolute() or not feed_path.is_file():
            raise ValidationError(
                _("%(path)s: no such file (the worker needs an absolute path it can read).")
                % {"path": feed_path}
            )
        region = job_region(params.get("region"))
        # the last chance to cancel: once stored, the feed is whole (no tick after the commit)
        ctx.progress(0, 1, _("Reading and storing the timetable"))
        feed = import_feed(
            feed_path,
            region,
            name=params.get("name"),
            licence=params.get("licence") or "",
            publisher=params.get("publisher") or "",
            url=params.get("url") or "",
            illustrative=bool(params.get("illustrative")),
            service_date=dt.date.fromisoformat(params["date"]) if params.get("date") else None,
            window=parse_window(params.get("window") or "07:00-09:00"),
            allow_outside_region=bool(params.get("allow_outside_region")),
        )
        day_job = queue_day_types(feed, language=params.get("language"))
        return {
            "url": reverse("transit:overview"),
            "feed": feed.pk,
            "report": import_report_text(feed),
            "classes": class_shares(feed)["region"],
            "day_types_job": str(day_job.pk),
        }


def queue_day_types(feed, *, language: str | None = None, windows: dict | None = None):
    """Start the day-type job for ``feed`` (after an import, or from ``nahraum transit daytypes
    --background``); returns the :class:`~nahraum.jobs.models.Job`."""
    from nahraum.jobs.services import start_job

    params: dict[str, Any] = {"feed": feed.pk, "language": language}
    if windows:
        params["windows"] = {k: list(v) for k, v in windows.items()}
    return start_job(DAY_TYPES, params)


@job_kind(DAY_TYPES, label=gettext_lazy("Day types and time windows (timetable)"))
def day_types(ctx: JobContext) -> dict[str, Any]:
    """Departures, last trip back and travel times per day type × window of ``params["feed"]``.

    The computation takes a minute or more on a real feed (4 dates × 3 windows through the
    engine), so it runs in the worker after every import rather than inside the import.
    """
    from .dayservice import compute_day_types
    from .models import Feed

    params = ctx.params
    with translation.override(params.get("language") or None):
        feed = Feed.objects.filter(pk=params["feed"]).select_related("region").first()
        if feed is None:
            raise ValidationError(
                _("Timetable feed %(pk)s no longer exists.") % {"pk": params["feed"]}
            )
        if params.get("windows"):
            feed.day_type_windows = params["windows"]
            feed.save(update_fields=["day_type_windows"])
        summary = compute_day_types(feed, progress=ctx.progress)
        return {"url": reverse("transit:overview"), "feed": feed.pk, **summary}
