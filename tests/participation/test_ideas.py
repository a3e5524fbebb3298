"""Ideas: list filters and sort, point from the map to the Ortsteil, moderation, status answer."""

from __future__ import annotations

from nahraum.participation import models as pm

from .conftest import make_user


def test_point_finds_the_ortsteil(world, client):
    client.force_login(world.people["citizen"])
    r = client.post(
        "/de/participation/ideas/new/",
        {
            "title": "Bank in Adorf",
            "text": "Bitte.",
            "field": world.health.pk,
            "lat": "52.0005",
            "lon": "8.9146",
        },
    )
    assert r.status_code == 302
    idea = pm.Idea.objects.get(title="Bank in Adorf")
    assert idea.district.key == "A2" and idea.municipality == world.a
    assert (idea.lat, idea.lon) == (52.0005, 8.9146)


def test_filters_and_sorting(world, client):
    for i in range(3):
        pm.Support.objects.create(idea=world.idea_b, user=make_user(f"s{i}"))
    r = client.get("/de/participation/ideas/", {"sort": "support"})
    titles = [i.title for i in r.context["page"]]
    assert titles[0] == "Bus nach Bedorf"
    r = client.get("/de/participation/ideas/")
    assert [i.title for i in r.context["page"]][0] == "Bus nach Bedorf"  # newest first
    r = client.get("/de/participation/ideas/", {"municipality": world.a.pk})
    assert [i.title for i in r.context["page"]] == ["Bank am Markt"]
    r = client.get("/de/participation/ideas/", {"district": world.b1.pk, "status": "new"})
    assert [i.title for i in r.context["page"]] == ["Bus nach Bedorf"]
    r = client.get("/de/participation/ideas/", {"status": "accepted"})
    assert list(r.context["page"]) == []


def test_hidden_idea_and_comment(world, client):
    client.force_login(world.people["moderator"])
    client.post(
        f"/de/participation/ideas/{world.idea_a.pk}/comments/{world.comment.pk}/hide/",
        {"reason": "Beleidigend"},
    )
    client.post(f"/de/participation/ideas/{world.idea_b.pk}/hide/", {"reason": "Werbung"})
    # An empty reason is refused.
    client.post(f"/de/participation/ideas/{world.idea_a.pk}/hide/", {"reason": ""})
    assert not pm.Idea.objects.get(pk=world.idea_a.pk).is_hidden
    assert pm.ModerationAction.objects.count() == 2
    client.force_login(world.people["citizen"])
    html = client.get(world.idea_a.get_absolute_url()).content.decode()
    assert "Gute Idee" not in html and "Beleidigend" in html
    assert client.get(world.idea_b.get_absolute_url()).status_code == 404
    assert "Bus nach Bedorf" not in client.get("/de/participation/ideas/").content.decode()
    # Restore with a reason.
    client.force_login(world.people["moderator"])
    client.post(f"/de/participation/ideas/{world.idea_b.pk}/restore/", {"reason": "Irrtum"})
    client.force_login(world.people["citizen"])
    assert client.get(world.idea_b.get_absolute_url()).status_code == 200


def test_status_follows_the_workflow_and_a_decision_needs_a_public_answer(world, client):
    client.force_login(world.people["staff_a"])
    url = f"/de/participation/ideas/{world.idea_a.pk}/answer/"
    # new → accepted skips the review: refused.
    r = client.post(url, {"status": "accepted", "public_answer": "Sofort!"}, follow=True)
    assert "gültige Auswahl" in r.content.decode()
    assert pm.Idea.objects.get(pk=world.idea_a.pk).status == "new"
    client.post(url, {"status": "review", "public_answer": ""})
    assert pm.Idea.objects.get(pk=world.idea_a.pk).status == "review"
    client.post(url, {"status": "accepted", "public_answer": ""})
    assert pm.Idea.objects.get(pk=world.idea_a.pk).status == "review"
    client.post(
        f"/de/participation/ideas/{world.idea_a.pk}/answer/",
        {"status": "accepted", "public_answer": "Wird Maßnahme M3."},
    )
    idea = pm.Idea.objects.get(pk=world.idea_a.pk)
    assert idea.status == "accepted" and idea.answered_by == world.people["staff_a"]
    assert "Wird Maßnahme M3." in client.get(idea.get_absolute_url()).content.decode()


def test_reports_are_settled_by_moderation(world, client):
    client.force_login(world.people["citizen"])
    client.post(
        f"/de/participation/ideas/{world.idea_a.pk}/comments/{world.comment.pk}/report/",
        {"reason": "Spam"},
    )
    report = pm.AbuseReport.objects.get()
    assert report.comment == world.comment and report.resolved_at is None
    client.force_login(world.people["moderator"])
    assert "Spam" in client.get("/de/participation/moderation/").content.decode()
    client.post(
        f"/de/participation/ideas/{world.idea_a.pk}/comments/{world.comment.pk}/hide/",
        {"reason": "ok"},
    )
    assert pm.AbuseReport.objects.get().resolved_by == world.people["moderator"]


def test_decisions_can_be_reopened_but_not_reset_to_new(world):
    from nahraum.participation.forms import IdeaAnswerForm

    idea = world.idea_a
    idea.status = "rejected"
    form = IdeaAnswerForm({"status": "new", "public_answer": "x"}, instance=idea)
    assert not form.is_valid()
    form = IdeaAnswerForm({"status": "review", "public_answer": ""}, instance=idea)
    assert form.is_valid()
