"""Coverage and representativeness: who was reached, who took part, who is missing.

The figures of the dashboard as plain values, read by the dashboard view and by
``nahraum participation coverage`` alike, so that the page and the terminal never disagree.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _

from nahraum.region.models import AGE_BANDS, District, InnovationField, Municipality

from . import representativeness as rep
from .models import (
    Answer,
    Comment,
    Idea,
    OutreachAction,
    Registration,
    SocietalGroup,
    Support,
    Workshop,
    WorkshopResult,
)
from .templatetags.participation_tags import pct

_LEVELS = {"contacted": 1, "answered": 2, "took_part": 3}


def participant_ids() -> set[int]:
    """Everyone who took part in any way (idea, comment, support, workshop, survey)."""
    ids: set[int] = set()
    ids.update(Idea.objects.values_list("author_id", flat=True))
    ids.update(Comment.objects.values_list("author_id", flat=True))
    ids.update(Support.objects.values_list("user_id", flat=True))
    ids.update(Answer.objects.values_list("respondent_id", flat=True))
    ids.update(
        Registration.objects.exclude(status=Registration.Status.CANCELLED).values_list(
            "user_id", flat=True
        )
    )
    ids.discard(None)
    return ids


def participant_demographics(ids: set[int]) -> tuple[list[dict], int]:
    """Stated demographics of consenting participants, and how many participants there are."""
    people = (
        get_user_model()
        .objects.filter(pk__in=ids, demographics_consent=True)
        .values("age_band", "district_id", "district__municipality_id", "district__kind")
    )
    rows = [
        {
            "age_band": p["age_band"],
            "district_id": p["district_id"],
            "municipality_id": p["district__municipality_id"],
            "kind": p["district__kind"],
        }
        for p in people
    ]
    return rows, len(ids)


def group_levels() -> dict[int, int]:
    """How far each group was reached: 0 not yet, 1 contacted, 2 answered, 3 took part."""
    levels: dict[int, int] = {}
    for group_id, outcome in OutreachAction.objects.values_list("group_id", "outcome"):
        levels[group_id] = max(levels.get(group_id, 0), _LEVELS.get(outcome, 0))
    took_part = set(
        Registration.objects.filter(attended=True, group__isnull=False).values_list(
            "group_id", flat=True
        )
    )
    took_part |= set(
        WorkshopResult.groups_present.through.objects.values_list("societalgroup_id", flat=True)
    )
    for group_id in took_part:
        levels[group_id] = 3
    return levels


def _place(municipality_id: int, kind: str, names: dict[int, str]) -> str:
    template = (
        _("%(municipality)s's villages")
        if kind == District.Kind.VILLAGE
        else _("%(municipality)s's core town")
    )
    return template % {"municipality": names.get(municipality_id, "?")}


def gap_sentence(share: rep.Share, names: dict[int, str]) -> str:
    """Name one gap in words, e.g. “people aged 75+ in Kalletal's villages: 12 % of …”.

    The key tells the level: (municipality, kind, band), (municipality, kind) or a band.
    """
    figures = {
        "population": pct(share.population_share),
        "participants": pct(share.participant_share),
    }
    key = share.key
    if isinstance(key, tuple) and len(key) == 3:
        municipality_id, kind, band = key
        return _(
            "people aged %(band)s in %(place)s: %(population)s of the population, "
            "%(participants)s of participants"
        ) % {"band": band, "place": _place(municipality_id, kind, names), **figures}
    if isinstance(key, tuple):
        return _(
            "people in %(place)s: %(population)s of the population, "
            "%(participants)s of participants"
        ) % {"place": _place(*key, names), **figures}
    return _(
        "people aged %(band)s in the whole region: %(population)s of the population, "
        "%(participants)s of participants"
    ) % {"band": key, **figures}


def gap_sentences(shares: list[rep.Share], names: dict[int, str]) -> list[str]:
    return [gap_sentence(s, names) for s in shares]


#: Gap rule of the dashboard (see representativeness.gaps); settings may override it.
DEFAULT_GAP_RULE = {"min_population_share": 0.02, "max_ratio": 0.5, "min_expected": 5.0}


def gap_rule() -> dict:
    from django.conf import settings

    return {**DEFAULT_GAP_RULE, **getattr(settings, "NAHRAUM_GAP_RULE", {})}


def coverage_data(**rule: float) -> dict:
    """Everything the dashboard shows, as plain values (also used by the tests and the CLI).

    ``rule`` overrides single thresholds of the gap rule (see ``gap_rule``).
    """
    rule = {**gap_rule(), **rule}
    districts = list(District.objects.select_related("municipality", "source"))
    municipalities = {m.pk: m.name for m in Municipality.objects.all()}
    groups = list(SocietalGroup.objects.prefetch_related("fields"))
    levels = group_levels()

    def tally(subset: list[SocietalGroup]) -> dict:
        return {
            "groups": len(subset),
            "contacted": sum(1 for g in subset if levels.get(g.pk, 0) >= 1),
            "answered": sum(1 for g in subset if levels.get(g.pk, 0) >= 2),
            "took_part": sum(1 for g in subset if levels.get(g.pk, 0) >= 3),
        }

    by_kind = [
        {"kind": value, "label": label, **tally([g for g in groups if g.kind == value])}
        for value, label in SocietalGroup.Kind.choices
    ]
    by_kind = [row for row in by_kind if row["groups"]]

    field_outreach: dict[int, set[int]] = {}
    for group_id, field_id, ws_field in OutreachAction.objects.values_list(
        "group_id", "field_id", "workshop__field_id"
    ):
        for fid in {field_id, ws_field} - {None}:
            field_outreach.setdefault(fid, set()).add(group_id)
    by_field = []
    for field in InnovationField.objects.all():
        interested = [g for g in groups if any(f.pk == field.pk for f in g.fields.all())]
        attended = set(
            Registration.objects.filter(
                attended=True, workshop__field=field, group__isnull=False
            ).values_list("group_id", flat=True)
        ) | set(
            WorkshopResult.groups_present.through.objects.filter(
                workshopresult__workshop__field=field
            ).values_list("societalgroup_id", flat=True)
        )
        by_field.append(
            {
                "key": field.key,
                "label": field.name,
                "interested": len(interested),
                "reached": len(field_outreach.get(field.pk, set())),
                "took_part": len(attended),
                "workshops": Workshop.objects.filter(field=field).count(),
                "ideas": Idea.objects.filter(field=field, is_hidden=False).count(),
            }
        )

    people, participant_total = participant_demographics(participant_ids())
    part = rep.participant_counts(people)
    pop = rep.population_counts(districts)
    by_age = rep.compare(pop["age"], part["age"], order=AGE_BANDS)
    by_district_share = {s.key: s for s in rep.compare(pop["district"], part["district"])}
    area_age = rep.compare(pop["area_age"], part["area_age"])
    by_area = rep.compare(pop["area"], part["area"])
    # Finest level first (age band in core town / villages), then the coarser levels, where
    # more participants make a judgement possible for groups too small at the finest level.
    found_gaps = rep.gaps(area_age, **rule) + rep.gaps(by_area, **rule) + rep.gaps(by_age, **rule)

    by_district = []
    for d in districts:
        share = by_district_share.get(d.pk)
        subset = [g for g in groups if g.district_id == d.pk]
        by_district.append(
            {
                "district": d,
                **tally(subset),
                "participants": share.participants if share else 0,
                "population_share": share.population_share if share else 0.0,
                "participant_share": share.participant_share if share else 0.0,
                "per_1000": (1000 * share.participants / d.population)
                if share and d.population
                else 0.0,
            }
        )
    return {
        "by_kind": by_kind,
        "by_field": by_field,
        "by_district": by_district,
        "by_age": by_age,
        "area_age": area_age,
        "by_area": by_area,
        "gaps": found_gaps,
        "gap_sentences": gap_sentences(found_gaps, municipalities),
        "participant_total": participant_total,
        "participants_with_data": len(people) - part["unknown"]["unknown"],
        "participants_consented": len(people),
        "sources": sorted({d.source for d in districts}, key=lambda s: s.name),
        "estimate": any(d.is_estimate for d in districts),
        "example_participants": get_user_model()
        .objects.filter(pk__in=participant_ids(), is_example=True)
        .count(),
        "rule": rule,
    }
