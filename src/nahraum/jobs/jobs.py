"""The jobs app's own kind: ``jobs.sleep``, a harmless job for tests and health checks."""

from __future__ import annotations

import time

from django.utils.translation import gettext_lazy as _

from .registry import JobContext, job_kind


@job_kind("jobs.sleep", label=_("Test job (waits)"))
def sleep(ctx: JobContext) -> dict:
    """Wait ``seconds`` (default 1) in ``steps`` steps, reporting progress; ``fail`` = reason."""
    seconds = float(ctx.params.get("seconds", 1))
    steps = max(1, int(ctx.params.get("steps", 10)))
    for step in range(steps):
        ctx.progress(
            step, steps, _("Step %(step)s of %(steps)s") % {"step": step + 1, "steps": steps}
        )
        time.sleep(seconds / steps)
    if ctx.params.get("fail"):
        raise ValueError(str(ctx.params["fail"]))
    ctx.progress(steps, steps, _("Finished"))
    return {"slept": seconds, **({"url": ctx.params["url"]} if ctx.params.get("url") else {})}
