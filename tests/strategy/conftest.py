"""Fixtures of the strategy tests: a goal in the tiny region, staff of both municipalities, a
workshop with a proposed measure, and two finished analysis runs holding one indicator."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.factories import UserFactory
from tests.fixtures import fast_passwords  # noqa: F401  (autouse: a fast password hasher)


@pytest.fixture
def users(tiny_region):
    from nahraum.region.models import Municipality

    ahausen = Municipality.objects.get(name="Ahausen")
    bedorf = Municipality.objects.get(name="Bedorf")
    return {
        "ahausen_staff": UserFactory(username="ahausen_staff", staff=True, municipality=ahausen),
        "bedorf_staff": UserFactory(username="bedorf_staff", staff=True, municipality=bedorf),
        "office": UserFactory(username="office", office=True),
        "citizen": UserFactory(username="citizen"),
    }


@pytest.fixture
def goal(tiny_region):
    from nahraum.region.models import InnovationField
    from nahraum.strategy.models import Goal

    return Goal.objects.create(
        field=InnovationField.objects.get(key="health"),
        key="gp-reach",
        title="Hausärztliche Versorgung sichern",
    )


@pytest.fixture
def proposal(tiny_region, users):
    """A workshop in Bedorf with a recorded result and one proposed measure based on an idea."""
    from django.utils import timezone

    from nahraum.participation.models import (
        Idea,
        ProposedMeasure,
        SocietalGroup,
        Workshop,
        WorkshopResult,
    )
    from nahraum.region.models import InnovationField, Municipality

    health = InnovationField.objects.get(key="health")
    bedorf = Municipality.objects.get(name="Bedorf")
    workshop = Workshop.objects.create(
        title="Fokusgruppe Gesundheit Bedorf",
        field=health,
        municipality=bedorf,
        starts_at=timezone.now() - dt.timedelta(days=30),
        place="Dorfgemeinschaftshaus",
        capacity=20,
    )
    group = SocietalGroup.objects.create(
        name="Seniorenbeirat Bedorf", kind="seniors", municipality=bedorf
    )
    result = WorkshopResult.objects.create(workshop=workshop, needs="Wege zum Arzt sind weit.")
    result.groups_present.add(group)
    idea = Idea.objects.create(
        author=users["citizen"],
        title="Arztbus für die Dörfer",
        text="Ein Bus fährt zweimal die Woche zur Praxis.",
        field=health,
        municipality=bedorf,
    )
    proposed = ProposedMeasure.objects.create(
        result=result,
        title="Telemedizin in der Dorfpraxis",
        description="Videosprechstunde für ältere Menschen.",
        field=health,
        municipality=bedorf,
        action_field="Versorgung im Dorf",
    )
    proposed.ideas.add(idea)
    return proposed


@pytest.fixture
def runs(tiny_region):
    """Two finished baseline runs (2025 and 2026) and one scenario run, with the GP indicator
    'share of Bedorf's people aged 75+ within the norm on foot', stored as a fraction like
    the engine does: 0.40 in 2025 (a run of 2026 with 0.55 is added by tests), scenario 0.99."""
    from django.utils import timezone

    from nahraum.analysis.models import AnalysisRun, IndicatorValue
    from nahraum.region.models import FacilityType, Municipality
    from nahraum.scenarios.models import Scenario

    gp = FacilityType.objects.get(key="gp")
    bedorf = Municipality.objects.get(name="Bedorf")

    def run(when: dt.datetime, value: float, scenario=None):
        r = AnalysisRun.objects.create(region=tiny_region, status="done", scenario=scenario)
        AnalysisRun.objects.filter(pk=r.pk).update(started=when, finished=when)
        r.refresh_from_db()
        IndicatorValue.objects.create(
            run=r,
            level="municipality",
            metric="share_within_norm",
            mode="walk",
            facility_type=gp,
            field=gp.field,
            municipality=bedorf,
            age_band="75+",
            value=value,
            population=10,
        )
        IndicatorValue.objects.create(
            run=r,
            level="region",
            metric="mean_minutes",
            mode="walk",
            facility_type=gp,
            field=gp.field,
            value=12.0,
            population=400,
        )
        return r

    tz = timezone.get_current_timezone()
    first = run(dt.datetime(2025, 1, 10, 12, tzinfo=tz), 0.40)
    scenario = Scenario.objects.create(region=tiny_region, name="Was wäre wenn")
    run(dt.datetime(2027, 1, 1, 12, tzinfo=tz), 0.99, scenario=scenario)
    return {"first": first, "make": run, "scenario": scenario}


@pytest.fixture
def gp_spec(tiny_region):
    from nahraum.region.models import FacilityType, Municipality

    return {
        "level": "municipality",
        "metric": "share_within_norm",
        "mode": "walk",
        "facility_type_id": FacilityType.objects.get(key="gp").pk,
        "municipality_id": Municipality.objects.get(name="Bedorf").pk,
        "district_id": None,
        "area_kind": "",
        "age_band": "75+",
    }
