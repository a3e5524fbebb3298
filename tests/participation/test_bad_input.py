"""Bad input: script and HTML render inert, empty and oversize texts are refused with a message,
second supports and survey answers are refused, and a refused request leaves the DB as it was.
"""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from nahraum.participation import models as pm
from nahraum.participation.models import COMMENT_MAX, TEXT_MAX, TITLE_MAX

PAYLOADS = [
    "<script>alert('x')</script>",
    '<img src=x onerror="alert(1)">',
    '<b>fett</b><a href="javascript:alert(1)">link</a>',
]


def _counts():
    return {
        model.__name__: model.objects.count()
        for model in (
            pm.Idea,
            pm.Comment,
            pm.Support,
            pm.AbuseReport,
            pm.Answer,
            pm.AnswerItem,
            pm.Workshop,
            pm.WorkshopResult,
            pm.ProposedMeasure,
            pm.SocietalGroup,
            pm.Contact,
            pm.OutreachAction,
            pm.Survey,
            pm.Question,
            pm.Choice,
            pm.ModerationAction,
        )
    }


def _inert(html: str, payload: str) -> None:
    assert payload not in html, "raw markup reached the page"
    assert "<script>alert" not in html and 'onerror="alert' not in html
    assert 'href="javascript:' not in html


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payloads_in_idea_comment_and_answer_render_inert(payload, world, client):
    client.force_login(world.people["citizen"])
    r = client.post(
        "/de/participation/ideas/new/",
        {"title": payload, "text": payload, "field": world.health.pk},
    )
    assert r.status_code == 302
    idea = pm.Idea.objects.get(title=payload)  # stored as typed, escaped on output
    client.post(f"/de/participation/ideas/{idea.pk}/comment/", {"text": payload})
    reply_to = pm.Comment.objects.get(idea=idea, text=payload)
    client.post(
        f"/de/participation/ideas/{idea.pk}/comment/",
        {"text": payload + "!", "parent": reply_to.pk},
    )
    client.post(f"/de/participation/ideas/{idea.pk}/report/", {"reason": payload})
    client.force_login(world.people["office"])
    client.post(
        f"/de/participation/ideas/{idea.pk}/answer/",
        {"status": "rejected", "public_answer": payload},
    )
    client.post(
        f"/de/participation/ideas/{idea.pk}/comments/{reply_to.pk}/hide/", {"reason": payload}
    )
    for url in (
        idea.get_absolute_url(),
        "/de/participation/ideas/",
        "/de/participation/moderation/",
        "/de/participation/",
    ):
        html = client.get(url).content.decode()
        _inert(html, payload)
    html = client.get(idea.get_absolute_url()).content.decode()
    assert "&lt;" in html  # the text is there, escaped


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payloads_in_staff_texts_render_inert(payload, world, client):
    client.force_login(world.people["office"])
    ws = world.workshop_joint
    ws.title = ws.description = ws.place = payload
    ws.save()
    client.post(
        f"/de/participation/workshops/{ws.pk}/result/",
        {
            "needs": payload,
            "ideas": payload,
            "action_fields": payload,
            "participants_count": 3,
            "measures-TOTAL_FORMS": 1,
            "measures-INITIAL_FORMS": 0,
            "measures-0-title": payload,
            "measures-0-description": payload,
            "measures-0-action_field": payload,
            "measures-0-field": world.health.pk,
        },
    )
    assert pm.ProposedMeasure.objects.filter(title=payload).exists()
    group = pm.SocietalGroup.objects.create(name=payload, kind="club", note=payload)
    pm.Contact.objects.create(group=group, name=payload, role=payload)
    pm.OutreachAction.objects.create(
        group=group, channel="email", outcome="contacted", note=payload
    )
    survey = world.survey_a.survey
    survey.title = survey.description = payload
    survey.save()
    q = pm.Question.objects.create(survey=survey, text=payload, kind="single")
    pm.Choice.objects.create(question=q, text=payload)
    tq = pm.Question.objects.create(survey=survey, text="frei", kind="text")
    answer = pm.Answer.objects.create(survey=survey, respondent=world.people["citizen"])
    pm.AnswerItem.objects.create(answer=answer, question=tq, text=payload)
    for url in (
        ws.get_absolute_url(),
        "/de/participation/workshops/",
        group.get_absolute_url(),
        "/de/participation/groups/",
        survey.get_absolute_url(),
        f"/de/participation/surveys/{survey.pk}/results/",
        "/de/participation/surveys/",
        f"/de/participation/surveys/{survey.pk}/questions/",
        "/de/participation/coverage/",
    ):
        r = client.get(url)
        assert r.status_code == 200, url
        _inert(r.content.decode(), payload)


@pytest.mark.parametrize(
    "url_name,data,needle",
    [
        (
            "idea_empty_title",
            {"title": "", "text": "Text"},
            "Dieses Feld ist zwingend erforderlich",
        ),
        (
            "idea_blank_text",
            {"title": "Titel", "text": "   "},
            "Dieses Feld ist zwingend erforderlich",
        ),
        (
            "idea_long_title",
            {"title": "x" * (TITLE_MAX + 1), "text": "Text"},
            "höchstens 200 Zeichen",
        ),
        (
            "idea_long_text",
            {"title": "Titel", "text": "x" * (TEXT_MAX + 1)},
            "höchstens 5000 Zeichen",
        ),
        ("idea_half_point", {"title": "Titel", "text": "Text", "lat": "52.0"}, "beide Koordinaten"),
        (
            "idea_point_far_away",
            {"title": "Titel", "text": "Text", "lat": "48.1", "lon": "11.6"},
            "außerhalb der Region",
        ),
        (
            "idea_honeypot",
            {"title": "Titel", "text": "Text", "website": "http://spam"},
            "automatisch ausgefüllt",
        ),
    ],
)
def test_idea_form_refuses_with_message(url_name, data, needle, world, client):
    client.force_login(world.people["citizen"])
    before = _counts()
    r = client.post("/de/participation/ideas/new/", {"field": world.health.pk, **data})
    assert r.status_code == 400
    assert needle in r.content.decode()
    assert _counts() == before


@pytest.mark.parametrize("text", ["", "   ", "x" * (COMMENT_MAX + 1)])
def test_comment_refused_with_message(text, world, client):
    client.force_login(world.people["citizen"])
    before = _counts()
    r = client.post(
        f"/de/participation/ideas/{world.idea_a.pk}/comment/", {"text": text}, follow=True
    )
    assert "Kommentar nicht gespeichert" in r.content.decode()
    assert _counts() == before


def test_reply_to_a_reply_refused(world, client):
    client.force_login(world.people["citizen"])
    reply = pm.Comment.objects.create(idea=world.idea_a, parent=world.comment, text="Antwort")
    before = _counts()
    r = client.post(
        f"/de/participation/ideas/{world.idea_a.pk}/comment/",
        {"text": "Antwort auf Antwort", "parent": reply.pk},
        follow=True,
    )
    assert "eine Ebene" in r.content.decode()
    assert _counts() == before


def test_second_support_refused(world, client):
    client.force_login(world.people["citizen"])
    client.post(f"/de/participation/ideas/{world.idea_a.pk}/support/")
    before = _counts()
    r = client.post(f"/de/participation/ideas/{world.idea_a.pk}/support/", follow=True)
    assert "unterstützen diese Idee bereits" in r.content.decode()
    assert _counts() == before
    assert world.idea_a.supports.count() == 1


def test_database_refuses_second_support_and_answer(world):
    user = world.people["citizen"]
    pm.Support.objects.create(idea=world.idea_a, user=user)
    with pytest.raises(IntegrityError), transaction.atomic():
        pm.Support.objects.create(idea=world.idea_a, user=user)
    pm.Answer.objects.create(survey=world.survey_a.survey, respondent=user)
    with pytest.raises(IntegrityError), transaction.atomic():
        pm.Answer.objects.create(survey=world.survey_a.survey, respondent=user)


def test_second_survey_answer_refused(world, client):
    client.force_login(world.people["citizen"])
    url = world.survey_a.survey.get_absolute_url()
    key = f"q{world.survey_a.question.pk}"
    assert client.post(url, {key: "3"}).status_code == 302
    before = _counts()
    r = client.post(url, {key: "5"}, follow=True)
    assert "bereits beantwortet" in r.content.decode()
    assert _counts() == before
    assert pm.AnswerItem.objects.get().scale == 3


@pytest.mark.parametrize("value", ["", "0", "6", "abc"])
def test_bad_survey_answer_refused_and_nothing_half_saved(value, world, client):
    survey = world.survey_a.survey
    pm.Question.objects.create(survey=survey, text="Zweite", kind="text", required=False, order=5)
    client.force_login(world.people["citizen"])
    before = _counts()
    r = client.post(
        survey.get_absolute_url(),
        {f"q{world.survey_a.question.pk}": value, f"q{survey.questions.last().pk}": "ok"},
    )
    assert r.status_code == 400
    assert "nicht gespeichert" in r.content.decode()
    assert _counts() == before


def test_service_rolls_back_a_half_answer(world):
    """Even past the form: an invalid value in the second question leaves no answer behind."""
    from nahraum.participation import services

    survey = world.survey_a.survey
    q2 = pm.Question.objects.create(survey=survey, text="Auswahl", kind="single", order=2)
    c = pm.Choice.objects.create(question=q2, text="ja")
    before = _counts()
    with pytest.raises(ValidationError):
        services.submit_survey_answer(
            survey, world.people["citizen"], {world.survey_a.question.pk: 4, q2.pk: [c.pk + 999]}
        )
    assert _counts() == before


def test_workshop_form_refuses_bad_values(world, client):
    client.force_login(world.people["staff_a"])
    before = _counts()
    r = client.post(
        "/de/participation/workshops/new/",
        {
            "title": "",
            "field": world.health.pk,
            "municipality": world.a.pk,
            "starts_at": "kein Datum",
            "capacity": 0,
        },
    )
    html = r.content.decode()
    assert r.status_code == 400
    assert "Dieses Feld ist zwingend erforderlich" in html
    assert "Ort oder einen Online-Link" in html or "gültiges Datum" in html
    assert _counts() == before


def test_result_with_bad_measure_saves_nothing(world, client):
    client.force_login(world.people["staff_a"])
    before = _counts()
    r = client.post(
        f"/de/participation/workshops/{world.workshop_a.pk}/result/",
        {
            "needs": "Bedarf",
            "participants_count": 4,
            "measures-TOTAL_FORMS": 2,
            "measures-INITIAL_FORMS": 0,
            "measures-0-title": "Gute Maßnahme",
            "measures-0-field": world.health.pk,
            "measures-1-title": "x" * (TITLE_MAX + 1),
            "measures-1-field": world.health.pk,
        },
    )
    assert r.status_code == 400
    assert "höchstens 200 Zeichen" in r.content.decode()
    assert _counts() == before


def test_contact_data_needs_consent(world, client):
    client.force_login(world.people["staff_a"])
    before = _counts()
    r = client.post(
        world.group_a.get_absolute_url(),
        {"contact-name": "Frau M.", "contact-email": "m@example.org"},
    )
    assert r.status_code == 400
    assert "Einwilligung" in r.content.decode()
    assert _counts() == before


def test_question_without_options_refused(world, client):
    client.force_login(world.people["staff_a"])
    before = _counts()
    r = client.post(
        f"/de/participation/surveys/{world.survey_a.survey.pk}/questions/",
        {"text": "Welche?", "kind": "multiple", "choices_text": "nur eine"},
    )
    assert r.status_code == 400
    assert "mindestens zwei" in r.content.decode()
    assert _counts() == before


def test_submission_rate_limit(world, client, settings):
    settings.NAHRAUM_RATE_LIMITS = {"idea": 2}
    from django.core.cache import cache

    cache.clear()
    client.force_login(world.people["citizen"])
    for i in range(2):
        assert (
            client.post(
                "/de/participation/ideas/new/",
                {"title": f"I{i}", "text": "t", "field": world.health.pk},
            ).status_code
            == 302
        )
    before = _counts()
    r = client.post(
        "/de/participation/ideas/new/", {"title": "I3", "text": "t", "field": world.health.pk}
    )
    assert r.status_code == 429
    assert "kurzer Zeit" in r.content.decode()
    assert _counts() == before
    cache.clear()


def test_csv_export_neutralises_formulas(world, client):
    survey = world.survey_a.survey
    tq = pm.Question.objects.create(survey=survey, text="=frei", kind="text")
    answer = pm.Answer.objects.create(survey=survey, respondent=world.people["citizen"])
    pm.AnswerItem.objects.create(answer=answer, question=tq, text='=HYPERLINK("http://x")')
    pm.AnswerItem.objects.create(answer=answer, question=world.survey_a.question, scale=4)
    client.force_login(world.people["staff_a"])
    body = client.get(f"/de/participation/surveys/{survey.pk}/results.csv").content.decode()
    assert "'=HYPERLINK" in body and "'=frei" in body
    assert "clara" not in body  # anonymous export
    assert body.splitlines()[1].split(",")[2] == "4"


def _forms(w):
    """(who, url, valid data, required text fields, size limit per text field)."""
    from datetime import timedelta

    from django.utils import timezone

    when = (timezone.localtime() + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    later = (timezone.localtime() + timedelta(days=9)).strftime("%Y-%m-%dT%H:%M")
    return [
        (
            "citizen",
            "/de/participation/ideas/new/",
            {"title": "T", "text": "T", "field": w.health.pk},
            {"title": TITLE_MAX, "text": TEXT_MAX},
        ),
        (
            "staff_a",
            "/de/participation/workshops/new/",
            {
                "title": "T",
                "field": w.health.pk,
                "municipality": w.a.pk,
                "starts_at": when,
                "place": "P",
                "capacity": 5,
                "description": "D",
            },
            {"title": TITLE_MAX, "place": TITLE_MAX, "description": TEXT_MAX},
        ),
        (
            "staff_a",
            "/de/participation/groups/new/",
            {"name": "N", "kind": "club", "municipality": w.a.pk, "note": "x"},
            {"name": TITLE_MAX, "note": TEXT_MAX},
        ),
        (
            "staff_a",
            "/de/participation/surveys/new/",
            {
                "title": "T",
                "municipality": w.a.pk,
                "opens_at": when,
                "closes_at": later,
                "description": "D",
            },
            {"title": TITLE_MAX, "description": TEXT_MAX},
        ),
        (
            "staff_a",
            f"/de/participation/surveys/{w.survey_a.survey.pk}/questions/",
            {"text": "Q", "kind": "text"},
            {"text": 500},
        ),
        (
            "staff_a",
            f"/de/participation/groups/{w.group_a.pk}/",
            {"contact-name": "N", "contact-role": "R"},
            {"contact-name": TITLE_MAX, "contact-role": TITLE_MAX},
        ),
        (
            "staff_a",
            f"/de/participation/groups/{w.group_a.pk}/",
            {
                "outreach-outcome": "contacted",
                "outreach-channel": "email",
                "outreach-date": "2026-11-01",
                "outreach-note": "n",
            },
            {"outreach-note": 1000},
        ),
        (
            "staff_a",
            f"/de/participation/workshops/{w.workshop_a.pk}/result/",
            {
                "needs": "N",
                "ideas": "I",
                "action_fields": "A",
                "participants_count": 1,
                "measures-TOTAL_FORMS": 1,
                "measures-INITIAL_FORMS": 0,
                "measures-0-title": "M",
                "measures-0-description": "D",
                "measures-0-action_field": "A",
                "measures-0-field": w.health.pk,
            },
            {
                "needs": 10000,
                "ideas": 10000,
                "action_fields": 10000,
                "measures-0-title": TITLE_MAX,
                "measures-0-description": TEXT_MAX,
                "measures-0-action_field": TITLE_MAX,
            },
        ),
    ]


REQUIRED = {"title", "text", "name", "contact-name", "needs", "measures-0-title"}


def test_every_text_field_refuses_oversize_and_empty_and_saves_nothing(world, client):
    checked = 0
    for who, url, data, limits in _forms(world):
        client.force_login(world.people[who])
        for field, limit in limits.items():
            cases = [("x" * (limit + 1), f"höchstens {limit} Zeichen")]
            if field in REQUIRED:
                cases.append(("   ", "zwingend erforderlich"))
            for value, needle in cases:
                before = _counts()
                r = client.post(url, {**data, field: value})
                assert r.status_code == 400, (url, field)
                assert needle in r.content.decode(), (url, field, needle)
                assert _counts() == before, (url, field)
                checked += 1
        # The valid data itself is accepted, so each refusal above is due to the one bad field.
        assert client.post(url, data).status_code == 302, url
    assert checked >= 25
