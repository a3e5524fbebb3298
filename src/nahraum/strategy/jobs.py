"""The strategy's background job: the report as PDF (WeasyPrint takes seconds per report).

The job renders the report of one field (or all) in one language and writes
``MEDIA_ROOT/reports/<job id>.pdf``; its result points at the download, which everybody may
fetch (the report is public). The page looks for a finished PDF of the same content first
(:func:`nahraum.strategy.selectors.rendered_report`), so one render serves every reader.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.http import Http404
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from nahraum.jobs.registry import JobContext, job_kind

from . import reports

REPORT_PDF = "strategy.report_pdf"


@job_kind(REPORT_PDF, label=gettext_lazy("Strategy report as PDF"))
def report_pdf(ctx: JobContext) -> dict[str, Any]:
    """Render the report (params: field, language, version) to its PDF file."""
    params = ctx.params
    with translation.override(params.get("language") or None):
        ctx.progress(0, 2, _("Composing the report"))
        try:
            html = reports.report_html(params.get("field"))
        except Http404:
            raise ValidationError(_("This innovation field no longer exists.")) from None
        ctx.progress(1, 2, _("Writing the PDF"))
        size = reports.write_pdf(html, reports.pdf_path(ctx.job_id))
        ctx.progress(2, 2, _("Writing the PDF"))
        reports.prune_superseded(params.get("field"), params.get("language") or "", ctx.job_id)
        return {
            "url": reverse("strategy:report_pdf_file", args=[ctx.job_id]),
            "file": f"{reports.REPORTS_DIR}/{ctx.job_id}.pdf",
            "bytes": size,
            "version": reports.report_version(html),
        }
