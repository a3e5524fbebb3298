"""The data importers' background job: a whole region from its manifest.

A real region (a Kreis with its census grid) imports for minutes; ``nahraum import region
MANIFEST --background`` hands it to a worker, which reads the manifest and its files by
absolute path. The import stays all or nothing (one transaction): a cancelled or killed job
leaves no part of the region behind.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from nahraum.jobs.registry import JobContext, job_kind

IMPORT_REGION = "data.import_region"


@job_kind(IMPORT_REGION, label=gettext_lazy("Region import"))
def import_region_job(ctx: JobContext) -> dict[str, Any]:
    """Import the region of ``params["manifest"]`` (an absolute path the worker can read)."""
    from .importers.region import import_region
    from .readers import DataImportError

    manifest = Path(ctx.params["manifest"])
    if not manifest.is_absolute() or not manifest.is_file():
        raise ValidationError(
            _("%(path)s: no such file (the worker needs an absolute path it can read).")
            % {"path": manifest}
        )

    def factory(label: str):
        def advance(done: int, total: int) -> None:
            ctx.progress(done, total, label)

        return advance

    try:
        report = import_region(manifest, progress_factory=factory)
    except DataImportError as exc:
        raise ValidationError(str(exc)) from None
    return {"url": "/", "summary": report.summary(), "notes": list(report.notes)}
