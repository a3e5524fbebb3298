"""The strategy report: its content (for the page and the PDF) and the PDF itself.

Rendering the PDF (WeasyPrint) takes seconds, so the PDF is a background job
(:mod:`nahraum.strategy.jobs`) that writes ``MEDIA_ROOT/reports/<job id>.pdf``. The report is
public and the same for everybody, so one PDF per field, language and content serves every
request until the content changes: :func:`report_version` is a hash of the report's HTML as the
PDF would show it, which changes exactly when something in the report does (a measure, a
target, a new analysis run, the date).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import os
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string

from . import indicators, selectors, specs
from .models import Measure
from .progress import target_progress
from .timeline import build_timeline
from .tree import by_municipality, load_tree

#: Where the rendered PDFs are stored, under MEDIA_ROOT.
REPORTS_DIR = "reports"


def target_rows(measure: Measure) -> list[dict]:
    """Baseline, latest value, target and the series per run, in display units (shares as %)."""
    rows = []
    for target in measure.targets.all():
        spec = target.spec
        metric = target.metric
        points = indicators.series(spec)
        for point in points:
            point.display = indicators.to_display(metric, point.value)
        run, latest = indicators.latest(spec)
        latest_value = latest.value if latest is not None else None
        rows.append(
            {
                "target": target,
                "unit": indicators.unit(metric),
                "baseline": indicators.to_display(metric, target.baseline_value),
                "target_display": indicators.to_display(metric, target.target_value),
                "points": points,
                "latest_run": run,
                "latest": latest,
                "latest_value": indicators.to_display(metric, latest_value),
                "progress": target_progress(
                    target.baseline_value, target.target_value, latest_value
                ),
                "chart": specs.target_chart(target, points),
                "chart_id": f"target-spec-{target.pk}",
            }
        )
    return rows


def report_context(field_key: str | None) -> dict:
    """What the report shows: vision, tree with targets, timeline, municipalities, sources.

    ``Http404`` for an unknown field (the pages' answer)."""
    if field_key is not None:
        selectors.innovation_field_or_404(field_key)
    nodes = load_tree(field_key)
    for node in nodes:
        for goal in node.goals:
            for measure in goal.measures.all():
                measure.target_rows = target_rows(measure)
    projects = [p for node in nodes for m in node.measures for p in m.projects.all()]
    return {
        "vision": selectors.vision(),
        "nodes": nodes,
        "chart": build_timeline(projects, today=dt.date.today()),
        "municipality_rows": by_municipality(nodes),
        "field_key": field_key,
        "today": dt.date.today(),
        "sources": selectors.strategy_sources(),
    }


def report_html(field_key: str | None) -> str:
    """The report as the PDF shows it (stylesheet written in; no request, so no nonce or token:
    the same content gives the same HTML)."""
    return render_to_string("strategy/report.html", {**report_context(field_key), "pdf": True})


def report_version(html: str) -> str:
    """A short hash of the report's HTML: the key under which its PDF is kept."""
    return hashlib.sha256(html.encode()).hexdigest()[:20]


def current_version(field_key: str | None) -> str:
    """The version of the report as it is now, in the active language: the hash of its HTML,
    computed once per data version and day (the cache; a change to any data bumps it)."""
    from django.core.cache import cache
    from django.utils.translation import get_language

    from nahraum.region.cachever import PAGE_TIMEOUT, SCOPES, cache_key

    key = cache_key("strategy-report", field_key, get_language(), dt.date.today(), scopes=SCOPES)
    version = cache.get(key)
    if version is None:
        version = report_version(report_html(field_key))  # Http404 for an unknown field
        cache.set(key, version, timeout=PAGE_TIMEOUT)
    return version


def pdf_path(job_id: object) -> Path:
    """Where the PDF of the report job ``job_id`` lives."""
    return Path(settings.MEDIA_ROOT) / REPORTS_DIR / f"{job_id}.pdf"


def write_pdf(html: str, path: Path) -> int:
    """Render ``html`` to a PDF at ``path``; written to a temporary file first and moved into
    place, so a killed render never leaves half a PDF where a download would find it."""
    from weasyprint import HTML

    path.parent.mkdir(parents=True, exist_ok=True)
    data = HTML(string=html, base_url=str(settings.STATIC_ROOT)).write_pdf()
    partial = path.with_suffix(f".{os.getpid()}.part")
    partial.write_bytes(data)
    os.replace(partial, path)
    return len(data)


#: Superseded PDFs are deleted this long after they were rendered (a download may be running).
KEEP_SUPERSEDED = dt.timedelta(hours=1)


def prune_superseded(field_key: str | None, language: str, newest_job_id: object) -> int:
    """Delete the files of older PDFs of the same report (field, language): a newer content
    replaced them. Returns how many files went. Without this every edit would leave a file."""
    from django.utils import timezone

    from nahraum.jobs.models import Job

    from .jobs import REPORT_PDF

    older = Job.objects.filter(
        kind=REPORT_PDF,
        state=Job.State.DONE,
        params__field=field_key,
        params__language=language,
        finished_at__lt=timezone.now() - KEEP_SUPERSEDED,
    ).exclude(pk=newest_job_id)
    removed = 0
    for job_id in older.values_list("pk", flat=True):
        path = pdf_path(job_id)
        if path.is_file():
            path.unlink()
            removed += 1
    return removed
