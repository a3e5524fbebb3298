"""Bad input via the staff forms: a clear message naming the field, status 400, nothing saved."""

from __future__ import annotations

import pytest
from django.urls import reverse

from nahraum.strategy.models import IndicatorTarget, Measure, Milestone, Project, StatusChange

pytestmark = pytest.mark.django_db


@pytest.fixture
def measure(goal, tiny_region):
    from nahraum.region.models import Municipality

    return Measure.objects.create(
        goal=goal, title="Dorfpraxis", municipality=Municipality.objects.get(name="Bedorf")
    )


@pytest.fixture
def staff_client(client, users):
    client.force_login(users["bedorf_staff"])
    return client


def _project_post(**overrides) -> dict:
    from nahraum.region.models import Municipality

    data = {
        "municipality": str(Municipality.objects.get(name="Bedorf").pk),
        "title": "Videosprechstunde",
        "weight": "1",
        "budget_planned": "1000",
        "budget_spent": "0",
        "planned_start": "2025-01-01",
        "planned_end": "2025-12-31",
        "milestones-TOTAL_FORMS": "3",
        "milestones-INITIAL_FORMS": "0",
        "milestones-MIN_NUM_FORMS": "0",
        "milestones-MAX_NUM_FORMS": "1000",
        "milestones-0-title": "Technik",
        "milestones-0-weight": "1",
        "milestones-0-planned_start": "2025-01-01",
        "milestones-0-planned_end": "2025-03-31",
        # the two empty rows as a browser sends them (weight keeps its initial value)
        "milestones-1-weight": "1",
        "milestones-2-weight": "1",
    }
    data.update(overrides)
    return data


def _nothing_saved() -> None:
    assert Project.objects.count() == 0
    assert Milestone.objects.count() == 0
    assert StatusChange.objects.count() == 0


def test_project_with_valid_data_is_saved(staff_client, measure):
    response = staff_client.post(
        reverse("strategy:project_add", args=[measure.pk]), _project_post()
    )
    assert response.status_code == 302
    project = Project.objects.get()
    assert project.milestones.count() == 1 and project.status == "planned"
    assert project.history.count() == 1


def test_staff_cannot_make_a_project_joint(staff_client, measure):
    response = staff_client.post(
        reverse("strategy:project_add", args=[measure.pk]), _project_post(municipality="")
    )
    assert response.status_code == 400
    assert "Sie dürfen nicht für beide Kommunen (gemeinsam) handeln." in response.content.decode()
    _nothing_saved()


def test_milestone_ending_before_it_starts(staff_client, measure):
    response = staff_client.post(
        reverse("strategy:project_add", args=[measure.pk]),
        _project_post(**{"milestones-0-planned_end": "2024-12-01"}),
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Nichts wurde gespeichert" in html
    assert (
        "Meilenstein „Technik“: Das geplante Ende (2024-12-01) "
        "liegt vor dem geplanten Beginn (2025-01-01)." in html
    )
    _nothing_saved()


def test_project_ending_before_it_starts(staff_client, measure):
    response = staff_client.post(
        reverse("strategy:project_add", args=[measure.pk]), _project_post(planned_end="2024-06-30")
    )
    assert response.status_code == 400
    assert (
        "Das geplante Ende (2024-06-30) liegt vor dem geplanten Beginn" in response.content.decode()
    )
    _nothing_saved()


@pytest.mark.parametrize("field", ["budget_planned", "budget_spent"])
def test_negative_budget(staff_client, measure, field):
    response = staff_client.post(
        reverse("strategy:project_add", args=[measure.pk]), _project_post(**{field: "-500"})
    )
    assert response.status_code == 400
    assert "darf nicht negativ sein" in response.content.decode()
    _nothing_saved()


def test_target_without_indicator(staff_client, measure, runs):
    response = staff_client.post(
        reverse("strategy:target_add", args=[measure.pk]),
        {"indicator": "", "target_value": "60", "target_date": "2027-12-31"},
    )
    assert response.status_code == 400
    assert "Wählen Sie den Indikator der Analyse" in response.content.decode()
    assert IndicatorTarget.objects.count() == 0


def test_share_target_above_100_percent(staff_client, measure, runs):
    from nahraum.strategy import indicators

    key = next(
        k for k, _label in indicators.available_specs(runs["first"]) if "share_within_norm" in k
    )
    response = staff_client.post(
        reverse("strategy:target_add", args=[measure.pk]),
        {"indicator": key, "target_value": "160", "target_date": "2027-12-31"},
    )
    assert response.status_code == 400
    assert "zwischen 0 und 100" in response.content.decode()
    assert IndicatorTarget.objects.count() == 0
    response = staff_client.post(
        reverse("strategy:target_add", args=[measure.pk]),
        {"indicator": key, "target_value": "60", "target_date": "2027-12-31"},
    )
    assert response.status_code == 302
    assert IndicatorTarget.objects.get().target_value == pytest.approx(0.6)


def test_target_with_a_forged_indicator_key(staff_client, measure, runs):
    response = staff_client.post(
        reverse("strategy:target_add", args=[measure.pk]),
        {"indicator": '["x"]', "target_value": "60", "target_date": "2027-12-31"},
    )
    assert response.status_code == 400
    assert IndicatorTarget.objects.count() == 0


def test_unknown_status_in_the_form(staff_client, measure):
    response = staff_client.post(
        reverse("strategy:status_change", args=["measure", measure.pk]),
        {"status": "finished", "date": "2025-01-01"},
    )
    assert response.status_code == 400
    assert StatusChange.objects.count() == 0


def test_derive_offers_only_goals_of_the_proposals_field(staff_client, users, proposal, goal):
    from nahraum.region.models import InnovationField
    from nahraum.strategy.models import Goal

    other = Goal.objects.create(
        field=InnovationField.objects.get(key="education"), key="edu", title="Bildung im Dorf"
    )
    url = reverse("strategy:derive", args=[proposal.pk])
    response = staff_client.post(url, {"goal": other.pk, "title": "X"})
    assert response.status_code == 400
    assert Measure.objects.count() == 0
    response = staff_client.post(
        url, {"goal": goal.pk, "title": "Telemedizin", "municipality": proposal.municipality_id}
    )
    assert response.status_code == 302
    measure = Measure.objects.get()
    assert list(measure.workshop_results.all()) == [proposal.result]
    assert measure.history.get().status == "idea"
    # the idea the proposal rested on is now "taken into a measure"
    assert proposal.ideas.get().status == "accepted"


def test_measure_edit_by_owner_and_refused_for_others(client, users, measure):
    url = reverse("strategy:measure_edit", args=[measure.pk])
    data = {
        "title": "Dorfpraxis digital",
        "goal": measure.goal_id,
        "municipality": measure.municipality_id,
        "phase": "implementation",
        "weight": "2",
        "lat": "52.0",
        "lon": "",
    }
    client.force_login(users["ahausen_staff"])
    assert client.post(url, data).status_code == 403
    client.force_login(users["bedorf_staff"])
    response = client.post(url, data)  # latitude without longitude
    assert response.status_code == 400
    assert "Breiten- und Längengrad" in response.content.decode()
    measure.refresh_from_db()
    assert measure.title == "Dorfpraxis" and measure.lat is None
    response = client.post(url, dict(data, lon="8.93"))
    assert response.status_code == 302
    measure.refresh_from_db()
    assert (measure.title, measure.weight, measure.lon) == ("Dorfpraxis digital", 2.0, 8.93)
