"""The analysis' background jobs: a region's re-analysis and building its street networks.

A real region (a Kreis, the real OSM extract) takes minutes for either, so the command line
(``nahraum analyze --background``, ``nahraum network build --background``) and the staff button
on the analysis overview start a job that a worker runs; the work itself stays in
``running.run_analysis`` and ``network.build_region_networks``, which report progress to it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from nahraum.jobs.registry import JobContext, job_kind, step_labels

# The steps run_analysis reports (analysis/running.py), as the job page shows them.
step_labels(
    {
        "load": gettext_lazy("Loading the region's data"),
        "route": gettext_lazy("Computing travel times"),
        "indicators": gettext_lazy("Computing the supply figures"),
        "store": gettext_lazy("Saving the results"),
    }
)

RUN = "analysis.run"
NETWORK_BUILD = "analysis.network_build"


def job_region(slug: str | None) -> Any:
    """The region a job is about (``None``: the first), or a readable failure."""
    from nahraum.region.models import Region

    regions = Region.objects.order_by("pk")
    region = regions.filter(slug=slug).first() if slug else regions.first()
    if region is None:
        raise ValidationError(
            _("There is no region %(slug)s.") % {"slug": repr(slug)}
            if slug
            else _("No region loaded yet.")
        )
    return region


@job_kind(RUN, label=gettext_lazy("Supply analysis"))
def run(ctx: JobContext) -> dict[str, Any]:
    """Re-analyse a region (params: region, modes, types, runner) into a new stored run."""
    from .models import IndicatorValue
    from .running import run_analysis

    params = ctx.params
    with translation.override(params.get("language") or None):
        region = job_region(params.get("region"))
        analysis = run_analysis(
            region,
            modes=params.get("modes") or ["walk", "bike", "car"],
            facility_types=params.get("types") or None,
            runner=params.get("runner") or "local",
            progress=ctx.progress,
            note=params.get("note") or "",
        )
        return {
            "url": reverse("analysis:overview"),
            "run": analysis.pk,
            "region": region.slug,
            "values": IndicatorValue.objects.filter(run=analysis).count(),
            "seconds": round(float(analysis.timings.get("total", 0.0)), 2),
        }


@job_kind(NETWORK_BUILD, label=gettext_lazy("Street networks from OpenStreetMap"))
def network_build(ctx: JobContext) -> dict[str, Any]:
    """Build a region's networks (params: region, pbf — an absolute path the worker reads —,
    modes, margin_m)."""
    from .network import build_region_networks

    params = ctx.params
    with translation.override(params.get("language") or None):
        region = job_region(params.get("region"))
        pbf = Path(params["pbf"])
        if not pbf.is_absolute() or not pbf.is_file():
            raise ValidationError(
                _("%(path)s: no such file (the worker needs an absolute path it can read).")
                % {"path": pbf}
            )
        nets = build_region_networks(
            region,
            pbf,
            tuple(params.get("modes") or ("walk", "bike", "car")),
            margin_m=float(params.get("margin_m", 2000.0)),
            progress=ctx.progress,
        )
        return {
            "url": reverse("analysis:overview"),
            "region": region.slug,
            "networks": {
                mode: {"nodes": net.n_nodes, "edges": net.n_edges, "checksum": net.checksum}
                for mode, net in nets.items()
            },
        }
