"""Fixtures for scenario tests: the tiny region with a second GP practice, in Bedorf."""

from __future__ import annotations

import pytest

from tests.factories import UserFactory
from tests.fixtures import fast_passwords  # noqa: F401  (autouse: a fast password hasher)


@pytest.fixture
def region_two_gps(tiny_region):
    """tiny_region plus "Praxis Bedorf" in B1, 2 km east of the only GP of Ahausen-Mitte (A1).

    Straight-line walking times (× 1.3 at 5 km/h, the engine's estimate without a network):
    A1→gp-1 0 min, A2→gp-1 and A2→gp-2 1 km ≈ 15.6 min, A1→gp-2 2 km ≈ 31 min, B1→gp-2 0 min.
    The GP norm is 15 min on foot, so today A1 (200 people) and B1 (100) are within it, A2 not.
    """
    from nahraum.region import models as m

    source = m.DataSource.objects.get(key="test")
    gp = m.FacilityType.objects.get(key="gp")
    b = m.Municipality.objects.get(name="Bedorf")
    m.Facility.objects.create(
        key="gp-2",
        type=gp,
        name="Praxis Bedorf",
        lat=52.0,
        lon=8.9292,
        capacity=1,
        municipality=b,
        district=m.District.objects.get(key="B1"),
        source=source,
    )
    return tiny_region


def _counts() -> dict[str, int]:
    from nahraum.analysis.models import AnalysisRun
    from nahraum.scenarios import models as sm

    return {
        name: model.objects.count()
        for name, model in [
            ("scenario", sm.Scenario),
            ("projection", sm.PopulationProjection),
            ("rate", sm.GrowthRate),
            ("facility", sm.FacilityChange),
            ("mobile", sm.MobileService),
            ("transport", sm.TransportChange),
            ("srun", sm.ScenarioRun),
            ("run", AnalysisRun),
            ("bus_line", sm.BusLine),
        ]
    }


@pytest.fixture
def db_counts():
    """Row counts of every scenario table (and of analysis runs), to compare before/after."""
    return _counts


@pytest.fixture
def planner(db, tiny_region):
    return UserFactory(username="planerin", office=True)


@pytest.fixture
def citizen(db):
    return UserFactory(username="buerger")
