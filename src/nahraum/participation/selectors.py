"""What the participation pages read: queries kept out of the views, so views only glue.

Selectors only read; whatever changes something lives in :mod:`nahraum.participation.services`.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet

from nahraum.region.models import InnovationField

from . import specs
from .models import (
    AbuseReport,
    Answer,
    AnswerItem,
    Comment,
    Idea,
    Invitation,
    ModerationAction,
    OutreachAction,
    ProposedMeasure,
    Question,
    Registration,
    SocietalGroup,
    Survey,
    Workshop,
    WorkshopResult,
)


def latest_public_ideas(limit: int = 5) -> QuerySet[Idea]:
    """The newest ideas everyone may see (start page of participation)."""
    return Idea.objects.filter(is_hidden=False).select_related("field", "district")[:limit]


def upcoming_workshops(now: dt.datetime, limit: int = 5) -> QuerySet[Workshop]:
    """The next workshops from ``now`` on, soonest first (start page of participation)."""
    return (
        Workshop.objects.filter(starts_at__gte=now)
        .select_related("field")
        .order_by("starts_at")[:limit]
    )


def open_surveys(now: dt.datetime, limit: int = 5) -> QuerySet[Survey]:
    """Surveys open for answers at ``now`` (start page of participation)."""
    return Survey.objects.filter(opens_at__lte=now, closes_at__gt=now)[:limit]


def visible_ideas(user: Any) -> Q:
    """Hidden ideas are shown to moderators only (with their reason)."""
    if user.has_perm("participation.moderate"):
        return Q()
    return Q(is_hidden=False)


def idea_list(user: Any, filters: dict[str, Any] | None) -> QuerySet[Idea]:
    """The ideas ``user`` may see, filtered by the cleaned filter form, with ``support_count``.

    ``filters`` is the filter form's ``cleaned_data`` (``None``: form invalid or empty, so no
    filter and the newest first).
    """
    ideas = (
        Idea.objects.filter(visible_ideas(user))
        .select_related("field", "district", "municipality")
        .annotate(support_count=Count("supports", distinct=True))
    )
    filters = filters or {}
    for name in ("field", "municipality", "district"):
        if filters.get(name):
            ideas = ideas.filter(**{name: filters[name]})
    if filters.get("status"):
        ideas = ideas.filter(status=filters["status"])
    if (filters.get("sort") or "new") == "support":
        return ideas.order_by("-support_count", "-created_at")
    return ideas.order_by("-created_at", "-pk")


def innovation_fields() -> list[InnovationField]:
    """The innovation fields an idea can lie in (filter, map legend and the per-field chart)."""
    return list(InnovationField.objects.all())


def idea_with_details() -> QuerySet[Idea]:
    """Ideas with field, place and author, as their detail page shows them."""
    return Idea.objects.select_related("field", "district", "municipality", "author")


def open_abuse_reports() -> QuerySet[AbuseReport]:
    """Abuse reports no moderator has resolved yet, with the idea or comment they are about."""
    return AbuseReport.objects.filter(resolved_at=None).select_related("idea", "comment__idea")


def moderation_log(limit: int = 50) -> QuerySet[ModerationAction]:
    """The latest ``limit`` moderation actions, newest first, with moderator and target."""
    return ModerationAction.objects.select_related("moderator", "idea", "comment__idea")[:limit]


def ideas_by_field(ideas: QuerySet[Idea], fields: list[InnovationField]) -> list[dict]:
    """How many of ``ideas`` lie in each innovation field (table and chart rows)."""
    return [{"name": f.name, "count": sum(1 for i in ideas if i.field_id == f.pk)} for f in fields]


def idea_comments(idea: Idea) -> QuerySet[Comment]:
    """Top-level comments of an idea with their replies, authors and moderation log."""
    return (
        idea.comments.filter(parent=None)
        .select_related("author")
        .prefetch_related(
            Prefetch("replies", queryset=Comment.objects.select_related("author")),
            "moderation",
        )
    )


def survey_results_data(survey: Survey) -> list[dict]:
    """Per question: counts per option (choice), per value (scale) or the texts (free text)."""
    out = []
    for q in survey.questions.prefetch_related("choices"):
        items = AnswerItem.objects.filter(question=q)
        row: dict = {"question": q, "answered": items.count()}
        if q.has_choices:
            counts = Counter(items.values_list("choices", flat=True))
            row["rows"] = [(c.text, counts.get(c.pk, 0)) for c in q.choices.all()]
        elif q.kind == Question.Kind.SCALE:
            counts = Counter(items.values_list("scale", flat=True))
            row["rows"] = [(str(v), counts.get(v, 0)) for v in range(1, 6)]
            values = [v for v in items.values_list("scale", flat=True) if v is not None]
            row["mean"] = sum(values) / len(values) if values else None
        else:
            row["texts"] = list(items.exclude(text="").values_list("text", flat=True))
        if "rows" in row:
            row["chart_id"] = f"q{q.pk}-chart-spec"
            row["chart"] = specs.answers_chart(row["rows"], horizontal=q.has_choices)
        out.append(row)
    return out


def workshops_with_confirmed() -> QuerySet[Workshop]:
    """All workshops with their field and municipality, annotated with ``confirmed`` places."""
    return Workshop.objects.select_related("field", "municipality").annotate(
        confirmed=Count(
            "registrations", filter=Q(registrations__status=Registration.Status.CONFIRMED)
        )
    )


def workshop_with_place() -> QuerySet[Workshop]:
    """Workshops with their field and municipality (detail and result pages show both)."""
    return Workshop.objects.select_related("field", "municipality")


def registration_of(workshop: Workshop, user: Any) -> Registration | None:
    """``user``'s own registration for ``workshop`` (none for signed-out visitors)."""
    if not user.is_authenticated:
        return None
    return workshop.registrations.filter(user=user).first()


def workshop_result(workshop: Workshop) -> WorkshopResult | None:
    """The recorded result of ``workshop``, if there is one yet."""
    return WorkshopResult.objects.filter(workshop=workshop).first()


def result_proposals(result: WorkshopResult) -> QuerySet[ProposedMeasure]:
    """The measures a workshop's result proposes, with their field."""
    return result.proposed_measures.select_related("field")


def workshop_registrations(workshop: Workshop) -> QuerySet[Registration]:
    """Everyone registered for ``workshop``, with the person and the group they speak for."""
    return workshop.registrations.select_related("user", "group")


def workshop_invitations(workshop: Workshop) -> QuerySet[Invitation]:
    """The groups invited to ``workshop`` and their answers."""
    return workshop.invitations.select_related("group")


def took_part_by_group(workshop: Workshop) -> QuerySet:
    """How many attended a workshop per societal group (rows: ``group__name``, ``n``)."""
    return (
        workshop.registrations.filter(attended=True)
        .values("group__name")
        .annotate(n=Count("pk"))
        .order_by("group__name")
    )


def surveys_with_answer_count() -> QuerySet[Survey]:
    """All surveys with their field and municipality, annotated with ``n`` answers."""
    return Survey.objects.select_related("field", "municipality").annotate(n=Count("answers"))


def survey_with_place() -> QuerySet[Survey]:
    """Surveys with their field and municipality (the survey page shows both)."""
    return Survey.objects.select_related("field", "municipality")


def survey_questions(survey: Survey) -> QuerySet[Question]:
    """The questions of ``survey`` with their answer options."""
    return survey.questions.prefetch_related("choices")


def survey_answers(survey: Survey) -> QuerySet[Answer]:
    """Every answer to ``survey`` with its items and chosen options (CSV export)."""
    return Answer.objects.filter(survey=survey).prefetch_related("items__choices")


def societal_groups(kind: str | None = None) -> QuerySet[SocietalGroup]:
    """The societal groups with place and fields; only those of ``kind`` if it is a known kind
    (an unknown or empty kind from the URL lists all)."""
    groups = SocietalGroup.objects.select_related("municipality", "district").prefetch_related(
        "fields"
    )
    if kind in SocietalGroup.Kind.values:
        groups = groups.filter(kind=kind)
    return groups


def group_with_place() -> QuerySet[SocietalGroup]:
    """Societal groups with their municipality and district (group page)."""
    return SocietalGroup.objects.select_related("municipality", "district")


def group_outreach(group: SocietalGroup) -> QuerySet[OutreachAction]:
    """The outreach log of ``group``, with the field, workshop and contact of each entry."""
    return group.outreach.select_related("field", "workshop", "contact")
