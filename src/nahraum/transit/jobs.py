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
        )
        return {
            "url": reverse("transit:overview"),
            "feed": feed.pk,
            "report": import_report_text(feed),
            "classes": class_shares(feed)["region"],
        }
