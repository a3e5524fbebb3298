"""The scenarios' background jobs: a scenario run and a location planning.

Both take seconds to minutes (a real region: minutes), so the pages start a job
(:func:`nahraum.jobs.services.start_job`) and show its progress instead of blocking a web
request. The work itself stays in ``compare.run_scenario`` and ``locating.solve_question``;
a job only reads its parameters, reports progress and says where the answer is.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from nahraum.jobs.registry import JobContext, job_kind, step_labels

# The steps of a location question (scenarios/locating.py: solve_question), as the job page
# shows them; a scenario run reports the analysis' steps (analysis/jobs.py).
step_labels(
    {
        "inputs": gettext_lazy("Loading the region's data"),
        "costs": gettext_lazy("Computing travel times to the candidate sites"),
        "solve": gettext_lazy("Solving the location problem"),
        "answer": gettext_lazy("Preparing the answer"),
    }
)

RUN = "scenarios.run"
LOCATE = "scenarios.locate"


def _language(ctx: JobContext) -> str:
    from django.conf import settings

    return str(ctx.params.get("language") or settings.LANGUAGE_CODE)


@job_kind(RUN, label=gettext_lazy("Scenario run"))
def run(ctx: JobContext) -> dict[str, Any]:
    """Run one scenario (params: scenario, modes, types); the answer is its comparison page."""
    from .compare import run_scenario
    from .models import Scenario

    params = ctx.params
    with translation.override(_language(ctx)):
        scenario = Scenario.objects.select_related("region").filter(pk=params["scenario"]).first()
        if scenario is None:
            raise ValidationError(_("The scenario no longer exists."))
        srun = run_scenario(
            scenario,
            modes=params.get("modes") or None,
            facility_types=params.get("types") or None,
            progress=ctx.progress,
        )
        return {
            "url": reverse("scenarios:compare", args=[scenario.pk]),
            "scenario": scenario.pk,
            "scenario_run": srun.pk,
            "run": srun.run_id,
            "seconds": round(float(srun.run.timings.get("total", 0.0)), 2),
        }


@job_kind(LOCATE, label=gettext_lazy("Location planning"))
def locate(ctx: JobContext) -> dict[str, Any]:
    """Solve a location question; the stored answer is shown by the location page."""
    from nahraum.region.selectors import current_region

    from .locating import solve_question

    params = ctx.params
    with translation.override(_language(ctx)):
        region = current_region()
        if region is None:
            raise ValidationError(_("No region has been loaded yet."))
        answer = solve_question(
            region,
            type_key=params["facility_type"],
            method=params["method"],
            k=params.get("k"),
            mode=params["mode"],
            norm_minutes=params.get("norm_minutes"),
            target_bands=params.get("target_bands") or [],
            candidate_source=params.get("candidate_source") or "settled",
            candidates_text=params.get("candidates") or "",
            progress=ctx.progress,
        )
        return {
            "url": reverse("scenarios:locate") + f"?job={ctx.job_id}",
            "region": region.pk,
            "answer": answer,
        }
