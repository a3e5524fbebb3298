"""Bad input is refused with a message naming it and nothing is saved (DB compared before/after)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from nahraum.scenarios import services
from nahraum.scenarios.models import Scenario


@pytest.fixture(autouse=True)
def english():
    """Messages are checked in English (the German catalogue translates them on /de/ pages)."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def scenario(tiny_region):
    return services.create_scenario(tiny_region, "Prüfung")


def test_projection_year_in_the_past_is_refused(scenario, db_counts):
    before = db_counts()
    past = timezone.now().year - 3
    with pytest.raises(ValidationError, match=f"target year {past} lies in the past"):
        services.set_projection(scenario, past, base_year=past - 5)
    assert db_counts() == before


def test_growth_rate_of_minus_150_percent_is_refused(scenario, db_counts):
    before = db_counts()
    with pytest.raises(ValidationError, match="-150 % is impossible"):
        services.set_projection(scenario, timezone.now().year + 5, rates={"05766999": -1.5})
    assert db_counts() == before  # not even the projection row of the failed call


def test_facility_outside_the_region_is_refused(scenario, db_counts):
    before = db_counts()
    with pytest.raises(
        ValidationError, match="Praxis Köln: the place 50.93000, 6.95000 lies outside the region"
    ):
        services.add_facility_change(
            scenario, "open", type_key="gp", name="Praxis Köln", lat=50.93, lon=6.95
        )
    with pytest.raises(ValidationError, match="outside the region"):
        services.add_mobile_service(
            scenario,
            type_key="gp",
            name="Bus",
            lat=48.1,
            lon=11.6,
            weekday=0,
            start=dt.time(9),
            end=dt.time(10),
        )
    assert db_counts() == before


def test_unknown_or_incomplete_changes_are_named(scenario, db_counts):
    before = db_counts()
    with pytest.raises(ValidationError, match="no facility with the key 'gp-99'"):
        services.add_facility_change(scenario, "close", facility_key="gp-99")
    with pytest.raises(ValidationError, match="Give the new capacity"):
        services.add_facility_change(scenario, "capacity", facility_key="gp-1")
    with pytest.raises(ValidationError, match="end after it starts"):
        services.add_mobile_service(
            scenario,
            type_key="gp",
            name="Bus",
            lat=52.0,
            lon=8.9,
            weekday=0,
            start=dt.time(12),
            end=dt.time(9),
        )
    with pytest.raises(ValidationError, match="unknown district key"):
        services.add_transport_change(scenario, "drt", wait_minutes=20, district_keys=["X9"])
    assert db_counts() == before


def test_candidate_list_with_no_valid_site_is_refused(tiny_region, db_counts):
    from nahraum.analysis.services import load_inputs
    from nahraum.scenarios import locating

    before = db_counts()
    candidates = locating.parse_candidates("Köln; 50.93; 6.95\nMünchen; 48.14; 11.58")
    with pytest.raises(
        ValidationError, match="no valid candidate site: all 2 lie outside the region"
    ):
        locating.build_problem(
            tiny_region,
            load_inputs(tiny_region),
            type_key="gp",
            method="max_coverage",
            k=1,
            candidates=candidates,
        )
    with pytest.raises(ValidationError, match="line 2: latitude 'abc'"):
        locating.parse_candidates("A; 52.0; 8.9\nB; abc; 8.9")
    assert db_counts() == before


# -- the same through the web forms: an error on the page, nothing saved ----------------------


def test_web_forms_show_the_error_and_save_nothing(client, planner, scenario, db_counts):
    client.force_login(planner)
    url = f"/en/scenarios/{scenario.pk}/"
    before = db_counts()
    past = timezone.now().year - 1
    r = client.post(
        url,
        {
            "form": "projection",
            "projection-base_year": 2020,
            "projection-target_year": past,
            "projection-cohort_ageing": "on",
            "projection-birth_rate": 0.008,
            "projection-top_band_mortality": 0.08,
        },
    )
    assert r.status_code == 200 and f"The target year {past} lies in the past" in r.content.decode()
    r = client.post(
        url,
        {
            "form": "facility",
            "facility-action": "open",
            "facility-facility_type": scenario.region.municipalities.first()
            .facilities.first()
            .type_id,
            "facility-name": "Praxis Köln",
            "facility-lat": 50.93,
            "facility-lon": 6.95,
        },
    )
    assert r.status_code == 200 and "lies outside the region" in r.content.decode()
    r = client.post(
        url,
        {
            "form": "rate",
            "rate-area": f"m:{scenario.region.municipalities.first().pk}",
            "rate-rate_percent": -150,
        },
    )
    assert r.status_code == 200 and "-150 % is impossible" in r.content.decode()
    assert db_counts() == before


def test_web_locate_with_no_valid_site_shows_the_error(client, planner, tiny_region, db_counts):
    from nahraum.jobs.models import Job

    client.force_login(planner)
    before = db_counts()
    r = client.post(
        "/en/scenarios/locate/",
        {
            "facility_type": "gp",
            "method": "max_coverage",
            "k": 1,
            "mode": "walk",
            "candidate_source": "list",
            "candidates": "Köln; 50.93; 6.95",
        },
    )
    job = Job.objects.get(kind="scenarios.locate")
    assert r.status_code == 302 and r["Location"].endswith(f"/jobs/{job.pk}/")
    assert job.state == "failed" and "no valid candidate site" in job.error
    page = client.get(f"/en/scenarios/locate/?job={job.pk}")
    assert page.status_code == 200
    assert "no valid candidate site" in page.content.decode()
    # no answer, so no scenario can be made of it
    r = client.post("/en/scenarios/locate/", {"job": job.pk, "make_scenario": "1"})
    assert r.status_code == 404
    assert db_counts() == before


def test_only_planners_may_change_scenarios(client, citizen, scenario, db_counts):
    before = db_counts()
    assert client.get(f"/de/scenarios/{scenario.pk}/").status_code == 200  # public
    client.force_login(citizen)
    r = client.post("/de/scenarios/", {"name": "Heimlich"})
    assert r.status_code == 403
    r = client.post(
        f"/de/scenarios/{scenario.pk}/",
        {"form": "facility", "facility-action": "close", "facility-facility": 1},
    )
    assert r.status_code == 403
    assert db_counts() == before
    assert not Scenario.objects.filter(name="Heimlich").exists()


def test_a_scenario_others_build_on_cannot_be_deleted(client, planner, scenario, db_counts):
    child = services.create_scenario(scenario.region, "Kind", parent=scenario)
    client.force_login(planner)
    before = db_counts()
    r = client.post(f"/en/scenarios/{scenario.pk}/delete/", follow=True)
    assert "cannot be deleted: Kind build on it" in r.content.decode()
    assert db_counts() == before
    client.post(f"/en/scenarios/{child.pk}/delete/")
    client.post(f"/en/scenarios/{scenario.pk}/delete/")
    assert not Scenario.objects.exists()
