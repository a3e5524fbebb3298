"""Every role × every action, through the real views: allowed actions change the database,
refused ones answer 403 (or send anonymous visitors to the login) and change nothing.

The table is the specification; it includes the cooperation's ownership rule: staff of Ahausen
(Lemgo) cannot change Bedorf's (Kalletal's) workshop, and joint objects belong to the office.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from nahraum.participation import models as pm

ROLES = ["anonymous", "citizen", "moderator", "staff_a", "staff_b", "office"]


def _dt(days: int) -> str:
    return (timezone.localtime() + timedelta(days=days)).strftime("%Y-%m-%dT%H:%M")


def submit_idea(c, w):
    c.post(
        "/de/participation/ideas/new/", {"title": "Neue Idee", "text": "Text", "field": w.health.pk}
    )
    return pm.Idea.objects.filter(title="Neue Idee").exists()


def comment(c, w):
    c.post(f"/de/participation/ideas/{w.idea_a.pk}/comment/", {"text": "Meine Meinung"})
    return pm.Comment.objects.filter(text="Meine Meinung").exists()


def support(c, w):
    c.post(f"/de/participation/ideas/{w.idea_a.pk}/support/")
    return w.idea_a.supports.exists()


def report(c, w):
    c.post(f"/de/participation/ideas/{w.idea_a.pk}/report/", {"reason": "Spam"})
    return pm.AbuseReport.objects.exists()


def hide_comment(c, w):
    c.post(
        f"/de/participation/ideas/{w.idea_a.pk}/comments/{w.comment.pk}/hide/",
        {"reason": "Beleidigung"},
    )
    return pm.Comment.objects.get(pk=w.comment.pk).is_hidden


def answer_idea_a(c, w):
    c.post(
        f"/de/participation/ideas/{w.idea_a.pk}/answer/",
        {"status": "review", "public_answer": "Wir prüfen."},
    )
    return pm.Idea.objects.get(pk=w.idea_a.pk).status == "review"


def view_groups(c, w):
    return c.get("/de/participation/groups/").status_code == 200


def create_group_a(c, w):
    c.post(
        "/de/participation/groups/new/",
        {"name": "Kirchengemeinde", "kind": "church", "municipality": w.a.pk},
    )
    return pm.SocietalGroup.objects.filter(name="Kirchengemeinde").exists()


def edit_group_b(c, w):
    c.post(
        f"/de/participation/groups/{w.group_b.pk}/edit/",
        {"name": "Umbenannt", "kind": "youth", "municipality": w.b.pk},
    )
    return pm.SocietalGroup.objects.filter(name="Umbenannt").exists()


def log_outreach_b(c, w):
    c.post(
        f"/de/participation/groups/{w.group_b.pk}/",
        {
            "outreach-outcome": "contacted",
            "outreach-channel": "email",
            "outreach-date": "2026-11-20",
        },
    )
    return pm.OutreachAction.objects.filter(group=w.group_b).exists()


def _workshop_post(w, municipality):
    return {
        "title": "Neuer Workshop",
        "field": w.health.pk,
        "municipality": municipality.pk if municipality else "",
        "starts_at": _dt(10),
        "place": "Schule",
        "capacity": 12,
        "registration_open": "on",
    }


def create_workshop_a(c, w):
    c.post("/de/participation/workshops/new/", _workshop_post(w, w.a))
    return pm.Workshop.objects.filter(title="Neuer Workshop").exists()


def create_joint_workshop(c, w):
    c.post("/de/participation/workshops/new/", _workshop_post(w, None))
    return pm.Workshop.objects.filter(title="Neuer Workshop").exists()


def _edit(c, w, workshop, municipality):
    data = _workshop_post(w, municipality)
    data["title"] = "Geändert"
    c.post(f"/de/participation/workshops/{workshop.pk}/edit/", data)
    return pm.Workshop.objects.get(pk=workshop.pk).title == "Geändert"


def edit_workshop_a(c, w):
    return _edit(c, w, w.workshop_a, w.a)


def edit_workshop_b(c, w):
    return _edit(c, w, w.workshop_b, w.b)


def edit_joint_workshop(c, w):
    return _edit(c, w, w.workshop_joint, None)


def record_result_b(c, w):
    c.post(
        f"/de/participation/workshops/{w.workshop_b.pk}/result/",
        {
            "needs": "Mehr Ärzte",
            "participants_count": 5,
            "measures-TOTAL_FORMS": 0,
            "measures-INITIAL_FORMS": 0,
        },
    )
    return pm.WorkshopResult.objects.filter(workshop=w.workshop_b).exists()


def register_workshop(c, w):
    c.post(f"/de/participation/workshops/{w.workshop_a.pk}/register/")
    return w.workshop_a.registrations.exists()


def create_survey_a(c, w):
    c.post(
        "/de/participation/surveys/new/",
        {
            "title": "Neue Umfrage",
            "municipality": w.a.pk,
            "opens_at": _dt(1),
            "closes_at": _dt(5),
        },
    )
    return pm.Survey.objects.filter(title="Neue Umfrage").exists()


def add_question_a(c, w):
    c.post(
        f"/de/participation/surveys/{w.survey_a.survey.pk}/questions/",
        {"text": "Neu?", "kind": "text", "required": "on"},
    )
    return pm.Question.objects.filter(text="Neu?").exists()


def export_survey_a(c, w):
    r = c.get(f"/de/participation/surveys/{w.survey_a.survey.pk}/results.csv")
    return r.status_code == 200 and r["Content-Type"].startswith("text/csv")


def answer_survey(c, w):
    c.post(
        f"/de/participation/surveys/{w.survey_a.survey.pk}/", {f"q{w.survey_a.question.pk}": "4"}
    )
    return pm.Answer.objects.exists()


def view_coverage(c, w):
    return c.get("/de/participation/coverage/").status_code == 200


def view_moderation(c, w):
    return c.get("/de/participation/moderation/").status_code == 200


ANYONE_SIGNED_IN = {"citizen", "moderator", "staff_a", "staff_b", "office"}
STAFF = {"staff_a", "staff_b", "office"}

#: action → roles that may do it (everyone else is refused).
TABLE = {
    submit_idea: ANYONE_SIGNED_IN,
    comment: ANYONE_SIGNED_IN,
    support: ANYONE_SIGNED_IN,
    report: ANYONE_SIGNED_IN,
    register_workshop: ANYONE_SIGNED_IN,
    answer_survey: ANYONE_SIGNED_IN,
    hide_comment: {"moderator", "office"},
    view_moderation: {"moderator", "office"},
    answer_idea_a: {"staff_a", "office"},
    view_groups: STAFF,
    create_group_a: {"staff_a", "office"},
    edit_group_b: {"staff_b", "office"},
    log_outreach_b: {"staff_b", "office"},
    create_workshop_a: {"staff_a", "office"},
    create_joint_workshop: {"office"},
    edit_workshop_a: {"staff_a", "office"},
    edit_workshop_b: {"staff_b", "office"},  # Lemgo-like staff_a changing Kalletal's: refused
    edit_joint_workshop: {"office"},
    record_result_b: {"staff_b", "office"},
    create_survey_a: {"staff_a", "office"},
    add_question_a: {"staff_a", "office"},
    export_survey_a: {"staff_a", "office"},
    view_coverage: STAFF,
}

CASES = [(action, role) for action in TABLE for role in ROLES]


@pytest.mark.parametrize("action,role", CASES, ids=[f"{a.__name__}-{r}" for a, r in CASES])
def test_role_may_or_may_not(action, role, world, client):
    if role != "anonymous":
        client.force_login(world.people[role])
    allowed = role in TABLE[action]
    before = _snapshot()
    assert action(client, world) is allowed, (
        f"{role} {'should' if allowed else 'should not'} be able to {action.__name__}"
    )
    if not allowed:
        assert _snapshot() == before, "a refused request changed the database"


def _snapshot() -> dict:
    """Row counts and the editable state of the fixture objects."""
    counts = {
        model.__name__: model.objects.count()
        for model in (
            pm.Idea,
            pm.Comment,
            pm.Support,
            pm.AbuseReport,
            pm.Workshop,
            pm.WorkshopResult,
            pm.Registration,
            pm.SocietalGroup,
            pm.OutreachAction,
            pm.Survey,
            pm.Question,
            pm.Answer,
            pm.ModerationAction,
        )
    }
    counts["state"] = (
        sorted(pm.Workshop.objects.values_list("pk", "title", "municipality_id")),
        sorted(pm.Idea.objects.values_list("pk", "status", "public_answer", "is_hidden")),
        sorted(pm.Comment.objects.values_list("pk", "is_hidden")),
        sorted(pm.SocietalGroup.objects.values_list("pk", "name")),
    )
    return counts


def test_refusal_is_403_for_signed_in_and_login_for_anonymous(world, client):
    url = f"/de/participation/workshops/{world.workshop_b.pk}/edit/"
    assert client.get(url).status_code == 302
    assert "/accounts/login/" in client.get(url)["Location"]
    client.force_login(world.people["staff_a"])
    assert client.get(url).status_code == 403


def test_staff_cannot_move_a_workshop_to_the_other_municipality(world, client):
    """Staff of A editing their own workshop may not hand it to B (it would leave their reach)."""
    client.force_login(world.people["staff_a"])
    assert not _edit(client, world, world.workshop_a, world.b)
    assert pm.Workshop.objects.get(pk=world.workshop_a.pk).municipality == world.a


def test_can_change_helper(world):
    from nahraum.accounts.rules import can_change, can_create_for

    p = world.people
    assert can_change(p["staff_a"], world.workshop_a)
    assert not can_change(p["staff_a"], world.workshop_b)
    assert not can_change(p["staff_a"], world.workshop_joint)
    assert can_change(p["office"], world.workshop_joint)
    assert not can_change(p["moderator"], world.workshop_a)
    assert not can_change(p["citizen"], world.workshop_a)
    assert can_create_for(p["staff_b"], world.b.pk) and not can_create_for(p["staff_b"], None)
    # A staff account without a municipality acts for nobody.
    p["staff_a"].municipality = None
    assert not can_change(p["staff_a"], world.workshop_a)
    # Deactivated accounts lose every right.
    p["office"].is_active = False
    assert not can_change(p["office"], world.workshop_joint)


def test_contact_data_deleted_by_owner_only(world, client):
    contact = pm.Contact.objects.create(group=world.group_b, name="Herr B")
    pm.OutreachAction.objects.create(
        group=world.group_b, contact=contact, channel="phone", outcome="contacted"
    )
    url = f"/de/participation/groups/{world.group_b.pk}/contacts/{contact.pk}/delete/"
    client.force_login(world.people["staff_a"])
    assert client.post(url).status_code == 403
    client.force_login(world.people["staff_b"])
    assert client.post(url).status_code == 302
    assert not pm.Contact.objects.exists()
    assert pm.OutreachAction.objects.get().contact is None  # the log stays, without the person
