"""Staff of one municipality cannot change the other's measures, projects or their history."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse

from nahraum.strategy.models import Measure, Project, StatusChange
from nahraum.strategy.services import change_status, derive_measure

pytestmark = pytest.mark.django_db


@pytest.fixture
def bedorf_measure(goal):
    from nahraum.region.models import Municipality

    m = Measure.objects.create(
        goal=goal, title="Dorfpraxis", municipality=Municipality.objects.get(name="Bedorf")
    )
    change_status(m, "planned", date=dt.date(2025, 1, 1), check_permission=False)
    return m


@pytest.fixture
def joint_measure(goal):
    m = Measure.objects.create(goal=goal, title="Gemeinsames Netzwerk", municipality=None)
    change_status(m, "planned", date=dt.date(2025, 1, 1), check_permission=False)
    return m


@pytest.mark.parametrize(
    ("who", "bedorf", "joint"),
    [
        ("bedorf_staff", True, False),
        ("ahausen_staff", False, False),
        ("office", True, True),
        ("citizen", False, False),
    ],
)
def test_rule_table(users, bedorf_measure, joint_measure, who, bedorf, joint):
    user = users[who]
    assert user.has_perm("strategy.change_measure", bedorf_measure) is bedorf
    assert user.has_perm("strategy.change_measure", joint_measure) is joint
    history = bedorf_measure.history.first()
    assert user.has_perm("strategy.add_statuschange", bedorf_measure) is bedorf
    # nobody edits or deletes history, not even the project office
    assert user.has_perm("strategy.change_statuschange", history) is False
    assert user.has_perm("strategy.delete_statuschange", history) is False


def test_other_municipality_cannot_change_status_via_service(users, bedorf_measure):
    with pytest.raises(PermissionDenied):
        change_status(bedorf_measure, "dropped", user=users["ahausen_staff"])
    bedorf_measure.refresh_from_db()
    assert bedorf_measure.status == "planned"
    assert bedorf_measure.history.count() == 1


@pytest.mark.parametrize("kind", ["measure", "project"])
def test_other_municipality_cannot_change_status_via_the_form(client, users, bedorf_measure, kind):
    from nahraum.region.models import Municipality

    project = Project.objects.create(
        measure=bedorf_measure,
        title="Praxis-IT",
        municipality=Municipality.objects.get(name="Bedorf"),
    )
    obj = bedorf_measure if kind == "measure" else project
    before = StatusChange.objects.count()
    client.force_login(users["ahausen_staff"])
    url = reverse("strategy:status_change", args=[kind, obj.pk])
    response = client.post(url, {"status": "dropped", "date": "2025-06-01", "note": "x"})
    assert response.status_code == 403
    assert StatusChange.objects.count() == before
    obj.refresh_from_db()
    assert obj.status != "dropped"
    # the owner may
    client.force_login(users["bedorf_staff"])
    response = client.post(url, {"status": "dropped", "date": "2025-06-01", "note": "x"})
    assert response.status_code == 302
    obj.refresh_from_db()
    assert obj.status == "dropped"


def test_other_municipality_cannot_add_projects_or_targets(client, users, bedorf_measure, runs):
    client.force_login(users["ahausen_staff"])
    assert client.get(reverse("strategy:project_add", args=[bedorf_measure.pk])).status_code == 403
    response = client.post(
        reverse("strategy:project_add", args=[bedorf_measure.pk]), {"title": "Fremdprojekt"}
    )
    assert response.status_code == 403
    assert client.get(reverse("strategy:target_add", args=[bedorf_measure.pk])).status_code == 403
    assert Project.objects.count() == 0


def test_municipal_staff_cannot_change_joint_measures(client, users, joint_measure):
    client.force_login(users["bedorf_staff"])
    url = reverse("strategy:status_change", args=["measure", joint_measure.pk])
    assert client.post(url, {"status": "done", "date": "2025-06-01"}).status_code == 403
    client.force_login(users["office"])
    assert client.post(url, {"status": "done", "date": "2025-06-01"}).status_code == 302


def test_deriving_for_the_other_municipality_is_refused(users, proposal, goal):
    with pytest.raises(PermissionDenied):
        derive_measure(proposal, goal, user=users["ahausen_staff"])
    assert Measure.objects.count() == 0


def test_citizens_and_anonymous_cannot_reach_staff_pages(client, users, proposal):
    url = reverse("strategy:derive", args=[proposal.pk])
    assert client.get(url).status_code == 302  # to the login page
    client.force_login(users["citizen"])
    assert client.get(url).status_code == 403
    assert client.get(reverse("strategy:manage")).status_code == 403
