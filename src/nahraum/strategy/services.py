"""What staff do to the strategy, as functions the views, the demo loader and tests share.

Each function either does all of its work or none (one transaction), and checks the ownership
rule itself, so that no caller can forget it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import rules
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from . import indicators
from .models import Goal, IndicatorTarget, Measure, Project, StatusChange
from .rules import can_create_measure_for


@transaction.atomic
def change_status(
    obj: Measure | Project,
    status: str,
    *,
    user: Any = None,
    date: dt.date | None = None,
    note: str = "",
    check_permission: bool = True,
) -> StatusChange:
    """Append a dated status to the history of a measure or project and make it current.

    The current status is the entry with the latest date (recorded order breaks ties), so a change
    recorded today for last month does not override a later one.
    """
    from .models import Status

    if check_permission and not rules.has_perm("strategy.add_statuschange", user, obj):
        raise PermissionDenied(_("You may not change the status of “%(title)s”.") % {"title": obj})
    if status not in Status.values:
        raise ValidationError(
            _("Unknown status “%(status)s”; known: %(known)s")
            % {"status": status, "known": ", ".join(Status.values)}
        )
    date = date or dt.date.today()
    kwargs = {"measure": obj} if isinstance(obj, Measure) else {"project": obj}
    entry = StatusChange.objects.create(
        status=status,
        date=date,
        note=note,
        changed_by=user if getattr(user, "pk", None) else None,
        **kwargs,
    )
    newest = StatusChange.objects.filter(**kwargs).order_by("-date", "-recorded", "-pk").first()
    type(obj).objects.filter(pk=obj.pk).update(status=newest.status)
    obj.status = newest.status
    return entry


@transaction.atomic
def derive_measure(
    proposal: Any,
    goal: Goal,
    *,
    user: Any,
    title: str = "",
    description: str = "",
    municipality_id: int | None | str = "inherit",
    quick_win: bool = False,
) -> Measure:
    """Make a measure draft (status "idea") from a workshop's proposed measure.

    The draft keeps its origin: the proposed measure, the workshop result, the ideas the proposal
    was based on and the societal groups present at the workshop.
    """
    if municipality_id == "inherit":
        municipality_id = proposal.municipality_id
    if not can_create_measure_for(user, municipality_id):
        raise PermissionDenied(_("You may not create measures for this municipality."))
    if goal.field_id != proposal.field_id:
        raise ValidationError(
            _("The goal “%(goal)s” lies in another innovation field than the proposal.")
            % {"goal": goal}
        )
    result = proposal.result
    measure = Measure(
        goal=goal,
        title=title or proposal.title,
        description=description or proposal.description,
        municipality_id=municipality_id,
        quick_win=quick_win,
        created_by=user if getattr(user, "pk", None) else None,
        origin_note=proposal.action_field,
    )
    measure.full_clean(exclude=["key"])
    measure.save()
    measure.proposed_measures.add(proposal)
    measure.workshop_results.add(result)
    ideas = list(proposal.ideas.all())
    measure.ideas.add(*ideas)
    # The ideas are now "taken into a measure" (unless already answered otherwise), so that
    # their pages show what became of them.
    from nahraum.participation.models import Idea

    if ideas:
        Idea.objects.filter(
            pk__in=[i.pk for i in ideas], status__in=[Idea.Status.NEW, Idea.Status.REVIEW]
        ).update(status=Idea.Status.ACCEPTED)
    measure.groups.add(*result.groups_present.all())
    change_status(
        measure,
        "idea",
        user=user,
        note=_("Derived from a workshop result."),
        check_permission=False,
    )
    return measure


@transaction.atomic
def attach_target(
    measure: Measure,
    spec: dict,
    *,
    target_value: float,
    target_date: dt.date,
    label: str = "",
    user: Any = None,
    region_id: int | None = None,
) -> IndicatorTarget:
    """Attach an indicator target; the baseline is the value in the run current now."""
    if user is not None and not rules.has_perm("strategy.add_target", user, measure):
        raise PermissionDenied(_("You may not change “%(title)s”.") % {"title": measure})
    if not spec or not spec.get("metric") or not spec.get("level"):
        raise ValidationError(_("An indicator target must name an indicator of the analysis."))
    run = indicators.current_run(region_id)
    value = indicators.value_in(run, spec)
    if value is None:
        raise ValidationError(_("The current analysis run holds no such indicator."))
    target = IndicatorTarget(
        measure=measure,
        label=label or indicators.describe(spec),
        level=spec["level"],
        metric=spec["metric"],
        mode=spec.get("mode") or "",
        facility_type_id=spec.get("facility_type_id"),
        municipality_id=spec.get("municipality_id"),
        district_id=spec.get("district_id"),
        area_kind=spec.get("area_kind") or "",
        age_band=spec.get("age_band") or "",
        baseline_run=run,
        baseline_value=value.value,
        target_value=target_value,
        target_date=target_date,
    )
    target.full_clean()
    target.save()
    return target


@transaction.atomic
def save_project(
    project: Project, *, measure: Measure, user: Any, save_milestones: Callable[[Project], Any]
) -> Project:
    """Save a new or changed project of ``measure`` with its milestones, all or nothing.

    A new project starts its history as "planned", so that its status, like every status, is
    read from a dated entry. ``save_milestones`` saves the milestones once the project has a key.
    """
    from .models import Status

    is_new = project.pk is None
    project.measure = measure
    project.save()
    save_milestones(project)
    if is_new:
        change_status(
            project, Status.PLANNED, user=user, note=_("Project added."), check_permission=False
        )
    return project
