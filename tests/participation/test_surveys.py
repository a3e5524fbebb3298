"""Surveys: building questions, answering once, open and close dates, results and CSV."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from nahraum.participation import models as pm

from .conftest import make_user


def _build(client, survey):
    url = f"/de/participation/surveys/{survey.pk}/questions/"
    client.post(
        url,
        {
            "text": "Womit kommen Sie?",
            "kind": "single",
            "required": "on",
            "choices_text": "Bus\nAuto\nRad",
        },
    )
    client.post(
        url,
        {"text": "Was fehlt?", "kind": "multiple", "required": "on", "choices_text": "Arzt\nLaden"},
    )
    client.post(url, {"text": "Anmerkungen", "kind": "text"})
    return {q.text: q for q in survey.questions.all()}


def test_build_answer_and_results(world, client):
    survey = world.survey_a.survey
    client.force_login(world.people["staff_a"])
    q = _build(client, survey)
    assert q["Womit kommen Sie?"].choices.count() == 3
    bus = q["Womit kommen Sie?"].choices.get(text="Bus")
    arzt, laden = q["Was fehlt?"].choices.order_by("order")
    client.force_login(world.people["citizen"])
    r = client.post(
        survey.get_absolute_url(),
        {
            f"q{world.survey_a.question.pk}": "2",
            f"q{q['Womit kommen Sie?'].pk}": bus.pk,
            f"q{q['Was fehlt?'].pk}": [arzt.pk, laden.pk],
            f"q{q['Anmerkungen'].pk}": "",
        },
    )
    assert r.status_code == 302
    answer = pm.Answer.objects.get()
    assert answer.items.count() == 3  # the empty optional text is not stored
    # Questions cannot change once answers exist.
    client.force_login(world.people["staff_a"])
    client.post(
        f"/de/participation/surveys/{survey.pk}/questions/", {"text": "Neu", "kind": "text"}
    )
    assert not survey.questions.filter(text="Neu").exists()
    from nahraum.participation.selectors import survey_results_data

    rows = {r["question"].text: r for r in survey_results_data(survey)}
    assert dict(rows["Was fehlt?"]["rows"]) == {"Arzt": 1, "Laden": 1}
    assert dict(rows["Womit kommen Sie?"]["rows"]) == {"Bus": 1, "Auto": 0, "Rad": 0}
    assert rows["Wie zufrieden?"]["mean"] == 2
    html = client.get(f"/de/participation/surveys/{survey.pk}/results/").content.decode()
    assert "data-nahraum-chart=" in html and "<table" in html
    csv_text = client.get(f"/de/participation/surveys/{survey.pk}/results.csv").content.decode()
    header, row = csv_text.strip().splitlines()
    assert "Was fehlt?" in header
    assert "Arzt; Laden" in row and ",Bus," in row


def test_closed_and_future_surveys_refuse_answers(world, client):
    survey = world.survey_a.survey
    key = f"q{world.survey_a.question.pk}"
    client.force_login(world.people["citizen"])
    survey.closes_at = timezone.now() - timedelta(minutes=1)
    survey.opens_at = survey.closes_at - timedelta(days=2)
    survey.save()
    assert client.post(survey.get_absolute_url(), {key: "3"}).status_code == 403
    survey.opens_at = timezone.now() + timedelta(days=1)
    survey.closes_at = survey.opens_at + timedelta(days=1)
    survey.save()
    # a planned survey is not there at all for citizens (item 6 of issue 12)
    assert client.post(survey.get_absolute_url(), {key: "3"}).status_code == 404
    assert not pm.Answer.objects.exists()


def test_results_public_only_after_closing(world, client):
    survey = world.survey_a.survey
    url = f"/de/participation/surveys/{survey.pk}/results/"
    client.force_login(world.people["citizen"])
    assert client.get(url).status_code == 403
    survey.opens_at = timezone.now() - timedelta(days=3)
    survey.closes_at = timezone.now() - timedelta(days=1)
    survey.save()
    assert client.get(url).status_code == 200
    assert client.get(f"/de/participation/surveys/{survey.pk}/results.csv").status_code == 403


def test_survey_dates_must_be_in_order(world, client):
    client.force_login(world.people["office"])
    now = timezone.localtime()
    r = client.post(
        "/de/participation/surveys/new/",
        {
            "title": "Rückwärts",
            "opens_at": now.strftime("%Y-%m-%dT%H:%M"),
            "closes_at": (now - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert r.status_code == 400
    assert "nach ihrer Öffnung" in r.content.decode()
    assert not pm.Survey.objects.filter(title="Rückwärts").exists()


@pytest.fixture
def planned(world):
    """Ahausen's survey, not open yet (opens in two days), with a question and a telling title."""
    survey = world.survey_a.survey
    survey.title = "Geheimer Entwurf"
    survey.description = "Noch nicht veröffentlicht."
    survey.opens_at = timezone.now() + timedelta(days=2)
    survey.closes_at = timezone.now() + timedelta(days=9)
    survey.save()
    return survey


@pytest.mark.parametrize("role", ["anonymous", "citizen", "moderator"])
def test_planned_survey_is_not_there_for_the_public(world, client, planned, role):
    """Issue 12, item 6: before it opens, a survey's title, text and dates are nobody's business
    but the planners'. Every page of it answers 404, as for an id that does not exist, and the
    list does not name it."""
    if role != "anonymous":
        client.force_login(world.people[role])
    base = f"/de/participation/surveys/{planned.pk}/"
    for path in (base, f"{base}results/", f"{base}results.csv"):
        r = client.get(path)
        assert r.status_code == 404, (path, r.status_code)
        assert "Geheimer Entwurf" not in r.content.decode()
    answer = client.post(base, {f"q{world.survey_a.question.pk}": "3"})
    assert answer.status_code == 404 and not pm.Answer.objects.exists()
    questions = client.get(f"{base}questions/")
    # signed out: the login first, as for any id; signed in: 404
    assert questions.status_code == (302 if role == "anonymous" else 404)
    assert "Geheimer Entwurf" not in client.get("/de/participation/surveys/").content.decode()


def test_planned_survey_is_shown_to_planners_and_to_everybody_once_open(world, client, planned):
    for who in ("staff_a", "staff_b", "office"):
        client.force_login(world.people[who])
        assert client.get(planned.get_absolute_url()).status_code == 200, who
        assert "Geheimer Entwurf" in client.get("/de/participation/surveys/").content.decode()
    # Bedorf's staff see Ahausen's draft but may not change or export it
    client.force_login(world.people["staff_b"])
    assert client.get(f"/de/participation/surveys/{planned.pk}/questions/").status_code == 403
    assert client.get(f"/de/participation/surveys/{planned.pk}/results.csv").status_code == 403
    planned.opens_at = timezone.now() - timedelta(minutes=1)
    planned.save()
    client.force_login(world.people["citizen"])
    assert "Geheimer Entwurf" in client.get(planned.get_absolute_url()).content.decode()
    client.logout()
    assert client.get(planned.get_absolute_url()).status_code == 200


def test_survey_export_keeps_numbers_and_neutralises_every_formula_start(world, client):
    """The shared neutralisation (region.csvsafe): =, +, -, @, TAB and CR starts become text,
    plain (negative) numbers stay numbers."""
    import csv
    import io

    survey = world.survey_a.survey
    tq = pm.Question.objects.create(survey=survey, text="@frei", kind="text", order=5)
    texts = ["+1+2", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "-3.5", "ganz normal"]
    for n, text in enumerate(texts):
        answer = pm.Answer.objects.create(survey=survey, respondent=make_user(f"p{n}"))
        pm.AnswerItem.objects.create(answer=answer, question=tq, text=text)
    client.force_login(world.people["staff_a"])
    body = client.get(f"/de/participation/surveys/{survey.pk}/results.csv").content.decode()
    header, *rows = list(csv.reader(io.StringIO(body)))
    assert header[-1] == "'@frei"
    got = sorted(row[-1] for row in rows)
    assert got == sorted(["'+1+2", "'-2+3", "'@SUM(A1)", "'\t=1", "'\r=1", "-3.5", "ganz normal"])
