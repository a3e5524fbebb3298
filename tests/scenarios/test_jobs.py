"""Scenario runs and location planning as background jobs (ImmediateBackend under pytest).

A page starts the job and goes to the job's page; the job's result says where the answer is.
Cancelling at a progress tick (the reporter reports a cancel request) raises JobCancelled and
leaves no row behind, also when the tick comes inside the run's storing transaction.
"""

from __future__ import annotations

import uuid

import pytest

from nahraum.jobs.models import Job
from nahraum.jobs.registry import JobCancelled, JobContext, ProgressReporter
from nahraum.jobs.services import params_key, start_job
from nahraum.scenarios import jobs as scenario_jobs
from nahraum.scenarios import services
from nahraum.scenarios.models import FacilityChange, Scenario, ScenarioRun
from tests.factories import UserFactory
from tests.fixtures import fresh_cache  # noqa: F401  (autouse: budgets start at zero)

QUESTION = {
    "facility_type": "gp",
    "method": "max_coverage",
    "k": 1,
    "mode": "walk",
    "target_bands": ["75+"],
    "candidate_source": "list",
    "candidates": "Adorf Mitte; 52.0; 8.9146\nBedorf Mitte; 52.0; 8.9292",
}


@pytest.fixture
def closure(region_two_gps):
    """A scenario closing Ahausen's GP, with a stored baseline (so a run adds only its own)."""
    from nahraum.analysis.services import run_analysis

    run_analysis(region_two_gps, modes=["walk"], facility_types=["gp"])
    scenario = services.create_scenario(region_two_gps, "Praxis Mitte schließt")
    services.add_facility_change(scenario, "close", facility_key="gp-1")
    return scenario


def _cancelling_at(step: str, seen: list[str]) -> ProgressReporter:
    """A real reporter whose store says "cancel requested" at the first tick of ``step``."""

    def write(done: float, total: float, message: str) -> bool:
        seen.append(message)
        return message == step

    return ProgressReporter(write, interval=0)


def test_run_starts_a_job_that_ends_on_the_comparison(client, planner, closure):
    client.force_login(planner)
    r = client.post(f"/en/scenarios/{closure.pk}/run/", {"modes": ["walk"], "types": ["gp"]})
    job = Job.objects.get(kind=scenario_jobs.RUN)
    assert r.status_code == 302 and r["Location"] == f"/en/jobs/{job.pk}/"
    assert job.state == "done" and job.created_by == planner
    assert job.result["url"] == f"/en/scenarios/{closure.pk}/compare/"
    srun = ScenarioRun.objects.get(scenario=closure)
    assert job.result["scenario_run"] == srun.pk and job.percent == 100
    page = client.get(job.result["url"]).content.decode()
    assert "Who gains and who loses" in page
    # a change to the scenario, then the same button: a new job and a new run, not the old one
    services.add_facility_change(closure, "close", facility_key="gp-2")
    again = client.post(f"/en/scenarios/{closure.pk}/run/", {"modes": ["walk"], "types": ["gp"]})
    assert again["Location"] != r["Location"]
    assert ScenarioRun.objects.filter(scenario=closure).count() == 2


def test_a_double_click_reuses_the_job(client, planner, closure):
    """While nothing changed, the same request is the same job (the worker would run it once)."""
    from nahraum.region.cachever import data_version

    client.force_login(planner)
    params = {
        "scenario": closure.pk,
        "modes": ["walk"],
        "types": ["gp"],
        "language": "en",
        "data_version": data_version("data"),
    }
    queued = Job.objects.create(
        kind=scenario_jobs.RUN, params=params, params_key=params_key(params), created_by=planner
    )  # as a worker would find it: queued, not yet run
    r = client.post(f"/en/scenarios/{closure.pk}/run/", {"modes": ["walk"], "types": ["gp"]})
    assert r["Location"] == f"/en/jobs/{queued.pk}/"
    assert Job.objects.count() == 1 and not ScenarioRun.objects.exists()


def test_run_of_a_scenario_that_is_gone_fails_readably(closure):
    job = start_job(scenario_jobs.RUN, {"scenario": 999999, "modes": ["walk"]})
    job.refresh_from_db()
    assert job.state == "failed" and job.error == "Das Szenario gibt es nicht mehr."  # German first
    bad_mode = start_job(scenario_jobs.RUN, {"scenario": closure.pk, "modes": ["teleport"]})
    bad_mode.refresh_from_db()
    assert bad_mode.state == "failed" and "teleport" in bad_mode.error
    assert not ScenarioRun.objects.exists()


@pytest.mark.parametrize("step", ["route", "store"])
def test_cancelled_run_leaves_no_rows(closure, db_counts, step):
    """Cancel while routing, and inside the storing transaction: nothing is left of the run."""
    before = db_counts()
    seen: list[str] = []
    ctx = JobContext(
        job_id=uuid.uuid4(),
        params={"scenario": closure.pk, "modes": ["walk"], "types": ["gp"]},
        user_id=None,
        reporter=_cancelling_at(step, seen),
    )
    with pytest.raises(JobCancelled):
        scenario_jobs.run(ctx)
    assert step in seen
    assert db_counts() == before


def test_locate_is_for_signed_in_people_through_a_job(client, citizen, planner, tiny_region):
    # anonymous visitors see the question, not the button, and may not ask
    page = client.get("/de/scenarios/locate/").content.decode()
    assert 'id="locate-sign-in"' in page and 'name="solve"' not in page
    assert (
        'bitte <a href="/de/accounts/login/?next=/de/scenarios/locate/">melden Sie sich an' in page
    )
    assert client.post("/de/scenarios/locate/", QUESTION).status_code == 403
    assert not Job.objects.exists()
    client.force_login(citizen)
    r = client.post("/en/scenarios/locate/", QUESTION)
    job = Job.objects.get(kind=scenario_jobs.LOCATE)
    assert r["Location"] == f"/en/jobs/{job.pk}/" and job.state == "done"
    assert job.result["url"] == f"/en/scenarios/locate/?job={job.pk}"
    answer = job.result["answer"]
    assert answer["objective"] == 10 and answer["gap"] == 0 and "cost_s" not in answer
    html = client.get(job.result["url"]).content.decode()
    assert 'id="sites-table"' in html and 'id="locate-map"' in html
    assert 'id="make-scenario"' not in html  # citizens plan no scenarios
    # the same question again reuses the answer
    assert client.post("/en/scenarios/locate/", QUESTION)["Location"] == r["Location"]
    assert Job.objects.filter(kind=scenario_jobs.LOCATE).count() == 1
    # somebody else's answer is not shown (nor found) to others
    client.logout()
    assert client.get(job.result["url"]).status_code == 404
    client.force_login(UserFactory(username="jemand"))
    assert client.get(job.result["url"]).status_code == 404


def test_make_a_scenario_from_the_stored_answer(client, planner, tiny_region):
    client.force_login(planner)
    client.post("/en/scenarios/locate/", QUESTION)
    job = Job.objects.get(kind=scenario_jobs.LOCATE)
    html = client.get(f"/en/scenarios/locate/?job={job.pk}").content.decode()
    assert 'id="make-scenario"' in html and f'value="{job.pk}"' in html
    r = client.post("/en/scenarios/locate/", {"job": str(job.pk), "make_scenario": "1"})
    scenario = Scenario.objects.get()
    assert r["Location"] == f"/en/scenarios/{scenario.pk}/"
    opened = list(FacilityChange.objects.filter(scenario=scenario))
    sites = job.result["answer"]["sites"]
    assert [(c.action, c.name, c.lat, c.lon) for c in opened] == [
        ("open", s["name"], s["lat"], s["lon"]) for s in sites
    ]
    assert scenario.author == planner and "max" in scenario.name.lower()
    assert Job.objects.count() == 1  # made from the answer, not solved again


def test_cancelled_locate_stores_nothing(tiny_region, db_counts):
    before = db_counts()
    seen: list[str] = []
    ctx = JobContext(
        job_id=uuid.uuid4(), params=QUESTION, user_id=None, reporter=_cancelling_at("solve", seen)
    )
    with pytest.raises(JobCancelled):
        scenario_jobs.locate(ctx)
    assert seen == ["inputs", "costs", "solve"]
    assert db_counts() == before


def test_locate_with_a_bad_question_fails_readably(tiny_region):
    job = start_job(scenario_jobs.LOCATE, {**QUESTION, "facility_type": "dragon"})
    job.refresh_from_db()
    assert job.state == "failed" and "unknown facility type 'dragon'" in job.error


def test_run_and_its_record_are_one_transaction(closure, db_counts, monkeypatch):
    """A failure while recording the scenario's run (think: the worker killed right there)
    leaves no analysis run without its record: they are written together or not at all."""
    from nahraum.scenarios.compare import run_scenario

    before = db_counts()

    def fail(**kwargs):
        raise RuntimeError("killed while recording")

    monkeypatch.setattr(ScenarioRun.objects, "create", fail)
    with pytest.raises(RuntimeError):
        run_scenario(closure, modes=["walk"], facility_types=["gp"])
    assert db_counts() == before


def test_new_location_plannings_spend_a_budget(client, citizen, tiny_region, settings):
    """Each new question spends one unit of the person's hourly budget; asking the same again
    reuses the job and costs nothing; beyond the budget the answer is 429 with Retry-After."""
    settings.NAHRAUM_LOCATE_BUDGET = {"per_user": 2}
    client.force_login(citizen)
    for k in (1, 1, 2):  # the second k=1 reuses the first one's job
        assert client.post("/en/scenarios/locate/", {**QUESTION, "k": k}).status_code == 302
    refused = client.post("/en/scenarios/locate/", {**QUESTION, "k": 3})
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0
    assert Job.objects.filter(kind=scenario_jobs.LOCATE).count() == 2


def test_scenario_run_command_in_the_background(closure):
    from click.testing import CliRunner

    from nahraum.cli import main

    args = ["scenario", "run", str(closure.pk), "--mode", "walk", "--type", "gp", "--background"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    job = Job.objects.get(kind=scenario_jobs.RUN)
    srun = ScenarioRun.objects.get(scenario=closure)
    assert job.state == "done" and job.result["scenario_run"] == srun.pk
    assert f"run #{srun.run_id} (baseline #{srun.baseline_id})" in result.output
    assert "straight/gp: +0 faster, −200 slower" in result.output  # no street network
    gone = CliRunner().invoke(main, ["scenario", "run", "999999", "--background"])
    assert gone.exit_code != 0 and not Job.objects.filter(params__scenario=999999).exists()
