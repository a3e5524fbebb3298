"""What the strategy pages read: queries kept out of the views, so that views only glue and the
same question (where the content comes from, which measures are on the map) has one answer.

Selectors only read; whatever changes something lives in :mod:`nahraum.strategy.services`.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from nahraum.participation.models import ProposedMeasure
from nahraum.region.models import DataSource, InnovationField

from .models import Actor, DigitalOffer, Involvement, Measure, Project, Vision


def vision() -> Vision | None:
    """The strategy's vision (one per region; the first one if several are loaded)."""
    return Vision.objects.select_related("source", "region").order_by("pk").first()


def strategy_sources(*, illustrative_too: bool = True) -> list[DataSource]:
    """Where the strategy's content comes from: the profile and, if loaded, the examples."""
    keys = set(Vision.objects.exclude(source=None).values_list("source_id", flat=True))
    found = list(DataSource.objects.filter(pk__in=keys))
    if illustrative_too:
        found += list(DataSource.objects.filter(key__startswith="strategy-").exclude(pk__in=keys))
    return found


def innovation_field_or_404(key: str) -> InnovationField:
    """The innovation field named by ``key`` in a URL; a 404 that says which key is unknown."""
    try:
        return InnovationField.objects.get(key=key)
    except InnovationField.DoesNotExist:
        raise Http404(_("Unknown innovation field “%(key)s”.") % {"key": key}) from None


def innovation_fields() -> QuerySet[InnovationField]:
    """The innovation fields in their display order (groups and filter of the maps)."""
    return InnovationField.objects.order_by("order")


def measure_with_details() -> QuerySet[Measure]:
    """Measures with everything their detail page shows, fetched in a fixed number of queries:
    projects with milestones, history and actors, targets, the workshops they came from,
    ideas, groups and actors."""
    return Measure.objects.select_related("goal__field", "municipality").prefetch_related(
        "projects__milestones",
        "projects__history",
        "projects__involvements__actor",
        "history",
        "targets",
        "proposed_measures__result__workshop",
        "workshop_results__workshop",
        "ideas",
        "groups",
        "involvements__actor",
    )


def projects_for_timeline() -> QuerySet[Project]:
    """All projects with their milestones, by field order, then planned start (Gantt rows)."""
    return (
        Project.objects.select_related("measure__goal__field", "municipality")
        .prefetch_related("milestones")
        .order_by("measure__goal__field__order", "planned_start", "pk")
    )


def placed_measures() -> QuerySet[Measure]:
    """Measures that have a place (a point on the map)."""
    return Measure.objects.select_related("goal__field", "municipality").filter(lat__isnull=False)


def placed_projects() -> QuerySet[Project]:
    """Projects that have a place (a point on the map)."""
    return Project.objects.select_related("measure__goal__field", "municipality").filter(
        lat__isnull=False
    )


def digital_offers() -> QuerySet[DigitalOffer]:
    """The region's digital offers with field, place, provider and project (innovation map)."""
    return DigitalOffer.objects.select_related("field", "municipality", "provider", "project")


def digital_projects() -> QuerySet[Project]:
    """Projects that are themselves a digital offer (shown on the innovation map too)."""
    return Project.objects.filter(is_digital_offer=True).select_related(
        "measure__goal__field", "municipality"
    )


def actors_with_involvements() -> QuerySet[Actor]:
    """Actors with their municipality and what they are involved in (network page)."""
    return Actor.objects.select_related("municipality").prefetch_related(
        "involvements__measure", "involvements__project__measure", "involvements__workshop"
    )


def cross_border_partnerships() -> list[dict[str, Any]]:
    """Involvements of an actor in a subject of another (or no) municipality: the partnerships
    that cross the municipal border, with ``involvement``, ``subject`` and ``subject_muni``."""
    cross = []
    for inv in Involvement.objects.select_related(
        "actor__municipality",
        "measure__municipality",
        "project__municipality",
        "workshop__municipality",
    ):
        subject = inv.subject
        subject_muni = getattr(subject, "municipality", None)
        actor_muni = inv.actor.municipality
        if actor_muni is not None and (subject_muni is None or subject_muni.pk != actor_muni.pk):
            cross.append({"involvement": inv, "subject": subject, "subject_muni": subject_muni})
    return cross


def project_with_measure() -> QuerySet[Project]:
    """Projects with their measure (the staff forms redirect to and check the measure)."""
    return Project.objects.select_related("measure")


def proposals_newest_first() -> QuerySet[ProposedMeasure]:
    """Workshop proposals, newest first, with the measures already derived from them."""
    return (
        ProposedMeasure.objects.select_related("result__workshop", "field", "municipality")
        .prefetch_related("strategy_measures")
        .order_by("-created_at")
    )


def proposals_with_workshop() -> QuerySet[ProposedMeasure]:
    """Proposals with the workshop they came from and their field (derive form)."""
    return ProposedMeasure.objects.select_related("result__workshop", "field")


def measures_changeable_by(user: Any) -> list[Measure]:
    """The measures ``user`` may change (staff start page), with municipality and field."""
    return [
        m
        for m in Measure.objects.select_related("municipality", "goal__field")
        if user.has_perm("strategy.change_measure", m)
    ]


def rendered_report(params: dict) -> Any:
    """The newest finished PDF job of exactly this report (field, language, content version)
    whose file is still there, whoever asked for it (the report is public), or ``None``."""
    from nahraum.jobs.models import Job
    from nahraum.jobs.services import params_key

    from .jobs import REPORT_PDF
    from .reports import pdf_path

    done = Job.objects.filter(
        kind=REPORT_PDF, params_key=params_key(params), state=Job.State.DONE
    ).order_by("-finished_at")
    for job in done[:3]:
        if pdf_path(job.pk).is_file():
            return job
    return None


def report_pdf_job(job_id: Any) -> Any:
    """A finished report PDF job by its id, if its file is there; else ``None``."""
    from nahraum.jobs.models import Job

    from .jobs import REPORT_PDF
    from .reports import pdf_path

    job = Job.objects.filter(pk=job_id, kind=REPORT_PDF, state=Job.State.DONE).first()
    return job if job is not None and pdf_path(job.pk).is_file() else None
