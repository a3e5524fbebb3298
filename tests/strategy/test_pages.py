"""Public pages, exports, the printed report (PDF text via pdftotext), traceability and the
bundled strategy frame."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import subprocess

import pytest
from django.urls import reverse

from nahraum.strategy.models import (
    DigitalOffer,
    Goal,
    Measure,
    Milestone,
    Project,
    StatusChange,
    Vision,
)
from nahraum.strategy.services import attach_target, change_status, derive_measure

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree(goal, users, proposal, runs, gp_spec):
    """A measure derived from the workshop proposal, with a target, a project and milestones."""
    from nahraum.region.models import Municipality

    bedorf = Municipality.objects.get(name="Bedorf")
    measure = derive_measure(proposal, goal, user=users["bedorf_staff"])
    measure.lat, measure.lon, measure.place_name = 52.0, 8.9292, "Bedorf"
    measure.save()
    attach_target(
        measure,
        gp_spec,
        target_value=0.6,
        target_date=dt.date(2027, 12, 31),
        label="Ab 75 in Bedorf: Hausarzt zu Fuß in Normzeit",
    )
    tz = runs["first"].finished.tzinfo
    runs["make"](dt.datetime(2026, 1, 10, 12, tzinfo=tz), 0.55)
    project = Project.objects.create(
        measure=measure,
        title="Videosprechstunde",
        municipality=bedorf,
        planned_start=dt.date(2025, 1, 1),
        planned_end=dt.date(2026, 12, 31),
        budget_planned=1000,
        budget_spent=250,
        funding_source="Landesmittel",
    )
    Milestone.objects.create(
        project=project,
        title="Technik",
        planned_start=dt.date(2025, 1, 1),
        planned_end=dt.date(2025, 3, 31),
        actual_end=dt.date(2025, 3, 20),
    )
    Milestone.objects.create(
        project=project,
        title="Betrieb",
        planned_start=dt.date(2025, 4, 1),
        planned_end=dt.date(2026, 12, 31),
        weight=3,
    )
    change_status(project, "in_progress", user=users["bedorf_staff"], date=dt.date(2025, 1, 2))
    return measure


def test_measure_page_shows_origin_progress_and_latest_value(client, tree):
    response = client.get(reverse("strategy:measure", args=[tree.pk]))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Fokusgruppe Gesundheit Bedorf" in html  # origin: the workshop
    assert "Arztbus für die Dörfer" in html  # origin: the idea
    assert "Seniorenbeirat Bedorf" in html  # origin: the group present
    # progress: 1 of 4 milestone weight reached → project 25 % → measure 25 %
    assert 'value="25"' in html
    # shares stored as fractions, shown as percent: latest 55 % (2026 run), baseline 40 %,
    # target 60 %: 15 of 20 points = 75 % of the way
    assert "55,0 %" in html and "40,0 %" in html and "60,0 %" in html and ">75 %<" in html


def test_overview_timeline_maps_network_render(client, tree):
    for name in ("overview", "timeline", "map", "innovation_map", "network", "report"):
        response = client.get(reverse(f"strategy:{name}"))
        assert response.status_code == 200, name
    html = client.get(reverse("strategy:timeline")).content.decode()
    assert "<svg" in html and "Videosprechstunde" in html and "gantt-milestone reached" in html
    html = client.get(reverse("strategy:field", args=["health"])).content.decode()
    assert tree.title in html


def test_unknown_field_is_a_clear_404(client, tree):
    for url in (
        reverse("strategy:field", args=["space"]),
        reverse("strategy:report_field", args=["space"]),
        reverse("strategy:innovation_map") + "?field=space",
    ):
        response = client.get(url)
        assert response.status_code == 404


def test_exports_csv_and_json_carry_the_whole_tree(client, tree):
    response = client.get(reverse("strategy:export_csv"))
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    levels = [r["level"] for r in rows]
    assert levels.count("field") == 2 and "goal" in levels
    measure_row = next(r for r in rows if r["level"] == "measure")
    assert measure_row["title"] == tree.title and float(measure_row["progress"]) == 25.0
    project_row = next(r for r in rows if r["level"] == "project")
    assert project_row["budget_planned"] == "1000.00" and project_row["status"] == "in_progress"

    data = json.loads(client.get(reverse("strategy:export_json")).content)
    health = next(f for f in data["fields"] if f["key"] == "health")
    measure = health["goals"][0]["measures"][0]
    assert measure["progress"] == 25.0
    assert measure["targets"][0]["baseline"] == 0.40
    assert [m["title"] for m in measure["projects"][0]["milestones"]] == ["Technik", "Betrieb"]
    assert [h["status"] for h in measure["projects"][0]["history"]] == ["in_progress"]


def test_csv_export_neutralises_formulas(client, tree):
    """Issue 12, item 9: a title written as a formula comes out as text (leading apostrophe),
    in the page's CSV and in the command line's; numbers stay numbers."""
    from click.testing import CliRunner

    from nahraum.strategy.commands import strategy_group

    tree.title = '=HYPERLINK("https://evil.example","Klick")'
    tree.save()
    project = tree.projects.get()
    project.funding_source = "@SUM(1+1)"
    project.save()
    goal = tree.goal
    goal.title = "-2+3"
    goal.save()
    for body in (
        client.get(reverse("strategy:export_csv")).content.decode(),
        CliRunner().invoke(strategy_group, ["export", "--format", "csv"]).output,
    ):
        rows = list(csv.DictReader(io.StringIO(body)))
        measure = next(r for r in rows if r["level"] == "measure")
        assert measure["title"] == "'" + tree.title
        assert float(measure["progress"]) == 25.0  # a number, untouched
        assert next(r for r in rows if r["level"] == "project")["funding_source"] == "'@SUM(1+1)"
        assert next(r for r in rows if r["level"] == "goal")["title"] == "'-2+3"
        assert "\n=HYPERLINK" not in body and ",=" not in body


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+1+1", "'+1+1"),
        ("-1+1", "'-1+1"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("-12.5", "-12.5"),  # a plain number stays a number
        ("+3", "+3"),
        (-12.5, -12.5),
        (-3, -3),
        (None, None),
        ("Bank am Markt", "Bank am Markt"),
        ("a=b", "a=b"),  # only the first character counts
    ],
)
def test_the_one_csv_neutralisation(cell, expected):
    from nahraum.region.csvsafe import csv_safe

    assert csv_safe(cell) == expected


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def test_pdf_report_renders_with_the_measures(client, tree, media, tmp_path):
    from nahraum.jobs.models import Job

    response = client.get(reverse("strategy:report_field_pdf", args=["health"]))
    job = Job.objects.get(kind="strategy.report_pdf")
    assert response.status_code == 302
    assert response["Location"] == f"/de/strategy/report/pdf/{job.pk}/" == job.result["url"]
    assert job.state == "done" and job.params["field"] == "health"
    assert (media / "reports" / f"{job.pk}.pdf").is_file()
    response = client.get(response["Location"])
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "nahraum-strategie-health.pdf" in response["Content-Disposition"]
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(b"".join(response.streaming_content))
    text = subprocess.run(
        ["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    assert "Strategiebericht" in text
    assert tree.title in text
    assert "Videosprechstunde" in text
    assert "55,0 %" in text  # the latest indicator value


def test_one_pdf_per_content_serves_everybody(client, tree, media):
    """Another visitor gets the same file; a changed report or another language, a new one."""
    from django.test import Client

    from nahraum.jobs.models import Job

    url = reverse("strategy:report_pdf")
    first = client.get(url)["Location"]
    assert Client().get(url)["Location"] == first  # another visitor, no second render
    assert Job.objects.count() == 1
    assert Client().get("/en/strategy/report.pdf")["Location"] != first
    tree.title = "Dorfpraxis Bedorf"
    tree.save()
    changed = client.get(url)["Location"]
    assert changed != first and Job.objects.count() == 3
    # a report PDF that is gone (MEDIA_ROOT emptied) is rendered again, not served broken
    for pdf in (media / "reports").iterdir():
        pdf.unlink()
    again = client.get(url)["Location"]
    assert again not in (first, changed) and client.get(again).status_code == 200


def test_pdf_file_of_an_unknown_job_is_404(client, tiny_region, media):
    import uuid

    from nahraum.jobs.services import start_job

    assert client.get(f"/de/strategy/report/pdf/{uuid.uuid4()}/").status_code == 404
    gone = start_job("strategy.report_pdf", {"field": "nope", "language": "en"})
    gone.refresh_from_db()
    assert gone.state == "failed" and gone.error == "This innovation field no longer exists."
    assert client.get(f"/de/strategy/report/pdf/{gone.pk}/").status_code == 404
    assert client.get("/de/strategy/report/nope.pdf").status_code == 404


def test_cancelled_pdf_leaves_no_file(tiny_region, media):
    import uuid

    from nahraum.jobs.registry import JobCancelled, JobContext, ProgressReporter
    from nahraum.strategy.jobs import report_pdf

    def cancel_when_writing(done: float, total: float, message: str) -> bool:
        return done == 2  # asked to cancel just after the PDF was rendered

    ctx = JobContext(
        job_id=uuid.uuid4(),
        params={"field": None, "language": "de"},
        user_id=None,
        reporter=ProgressReporter(cancel_when_writing, interval=0),
    )
    with pytest.raises(JobCancelled):
        report_pdf(ctx)
    # the file may exist, but no done job points at it: nobody is handed it
    from nahraum.strategy.selectors import report_pdf_job

    assert report_pdf_job(ctx.job_id) is None


def test_outcomes_for_idea_workshop_and_group(tree, proposal):
    from django.template import Context, Template

    from nahraum.strategy.outcomes import outcomes_for

    idea = proposal.ideas.get()
    workshop = proposal.result.workshop
    group = proposal.result.groups_present.get()
    for obj in (idea, workshop, proposal.result, proposal, group):
        assert outcomes_for(obj) == [tree]
    assert outcomes_for(object()) == []
    html = Template("{% load strategy_outcomes %}{% strategy_outcomes obj %}").render(
        Context({"obj": idea})
    )
    assert tree.title in html and f"/strategy/measures/{tree.pk}/" in html


def _rename_to_bundled(tiny_region):
    from nahraum.region.models import Municipality

    Municipality.objects.filter(name="Ahausen").update(name="Lemgo")
    Municipality.objects.filter(name="Bedorf").update(name="Kalletal")


def test_bundled_strategy_loads_idempotently_and_is_marked_illustrative(tiny_region, runs):
    from nahraum.region.models import InnovationField
    from nahraum.strategy.bundled import load_strategy_file

    _rename_to_bundled(tiny_region)
    # the runs hold the GP share for Kalletal's 75+ on foot, which the first example measure
    # names; the other two example targets name indicators the tiny region lacks
    first = load_strategy_file(region_slug="test")
    counts = (
        Goal.objects.count(),
        Measure.objects.count(),
        Project.objects.count(),
        Milestone.objects.count(),
        StatusChange.objects.count(),
        DigitalOffer.objects.count(),
    )
    assert first["targets"] == 1
    target = Measure.objects.get(key="smart-pilot-practices").targets.get()
    assert (target.baseline_value, target.target_value) == (0.40, 0.6)
    second = load_strategy_file(region_slug="test")
    assert second["targets"] == 0
    assert counts == (
        Goal.objects.count(),
        Measure.objects.count(),
        Project.objects.count(),
        Milestone.objects.count(),
        StatusChange.objects.count(),
        DigitalOffer.objects.count(),
    )
    vision = Vision.objects.get()
    assert vision.motto == "Die gemeinsame Smart-City-Strategie schafft neue Räume"
    assert not vision.is_illustrative
    assert InnovationField.objects.count() == 6
    assert not Measure.objects.filter(is_illustrative=False).exists()
    assert not Project.objects.filter(is_illustrative=False).exists()
    # the dropped example measure is dropped, per its dated history
    assert Measure.objects.get(key="local-delivery").status == "dropped"


def test_bundled_pages_show_the_illustrative_badge(client, tiny_region):
    from nahraum.strategy.bundled import load_strategy_file

    _rename_to_bundled(tiny_region)
    load_strategy_file(region_slug="test")
    html = client.get(reverse("strategy:overview")).content.decode()
    assert "Die gemeinsame Smart-City-Strategie schafft neue Räume" in html
    assert 'class="estimate-badge"' in html


def test_bad_strategy_file_names_the_place_and_saves_nothing(tiny_region, tmp_path):
    from nahraum.strategy.bundled import BUNDLED_FILE, StrategyFileError, load_strategy_file

    _rename_to_bundled(tiny_region)
    data = json.loads(BUNDLED_FILE.read_text(encoding="utf-8"))
    data["goals"][2]["field"] = "space-travel"
    bad = tmp_path / "strategy.json"
    bad.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(
        StrategyFileError, match=r"goals\[2\].*unknown innovation field 'space-travel'"
    ):
        load_strategy_file(bad, region_slug="test")
    data = json.loads(BUNDLED_FILE.read_text(encoding="utf-8"))
    data["projects"][0]["budget_planned"] = -10
    bad.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(
        StrategyFileError, match=r"projects\[0\].*budget_planned: must not be negative"
    ):
        load_strategy_file(bad, region_slug="test")
    assert Goal.objects.count() == 0 and Vision.objects.count() == 0
    assert StatusChange.objects.count() == 0


def test_superseded_pdfs_are_deleted_after_an_hour(client, tree, media):
    import datetime as dt

    from django.utils import timezone

    from nahraum.jobs.models import Job
    from nahraum.strategy.reports import pdf_path

    url = reverse("strategy:report_pdf")
    client.get(url)
    old = Job.objects.get()
    tree.title = "Neu"
    tree.save()
    client.get(url)  # the new content; the old PDF is younger than an hour: kept
    assert pdf_path(old.pk).is_file()
    Job.objects.filter(pk=old.pk).update(finished_at=timezone.now() - dt.timedelta(hours=2))
    tree.title = "Neuer"
    tree.save()
    client.get(url)
    assert not pdf_path(old.pk).is_file()
    assert sum(pdf_path(j.pk).is_file() for j in Job.objects.all()) == 2
    assert client.get(f"/de/strategy/report/pdf/{old.pk}/").status_code == 404
