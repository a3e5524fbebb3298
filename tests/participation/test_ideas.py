"""Ideas: list filters and sort, point from the map to the Ortsteil, moderation, status answer."""

from __future__ import annotations

import pytest

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


def test_no_reply_under_a_hidden_comment_and_old_replies_hide_with_it(world, client):
    """Issue 12, item 7: a reply to a hidden comment is refused; replies written before the
    comment was hidden are not shown to the public (moderators still see them), and come back
    with the comment when it is restored."""
    url = world.idea_a.get_absolute_url()
    before = pm.Comment.objects.create(
        idea=world.idea_a, parent=world.comment, author=world.people["citizen"], text="Antwort alt"
    )
    world.comment.is_hidden = True
    world.comment.save()
    client.force_login(world.people["citizen"])
    r = client.post(f"{url}comment/", {"text": "Antwort neu", "parent": world.comment.pk})
    assert r.status_code == 302
    assert not pm.Comment.objects.filter(text="Antwort neu").exists()
    page = client.get(url).content.decode()
    assert "kann nicht beantwortet werden" in page  # the refusal, in German
    assert "Antwort alt" not in page
    client.logout()
    assert "Antwort alt" not in client.get(url).content.decode()
    client.force_login(world.people["moderator"])
    page = client.get(url).content.decode()
    assert "Antwort alt" in page and "nicht sichtbar, solange" in page
    # restored: the earlier reply shows again (it was never hidden itself)
    world.comment.is_hidden = False
    world.comment.save()
    client.force_login(world.people["citizen"])
    assert "Antwort alt" in client.get(url).content.decode()
    assert not pm.Comment.objects.get(pk=before.pk).is_hidden


def test_no_comment_on_a_hidden_idea_in_the_service(world):
    """The rule lives in the service, so the CLI or a later API cannot get round the page."""
    from nahraum.participation import services

    world.idea_a.is_hidden = True
    world.idea_a.save()
    with pytest.raises(services.Refused, match="ausgeblendet"):
        services.add_comment(
            world.idea_a, pm.Comment(text="Trotzdem"), world.people["citizen"], None
        )
    with pytest.raises(services.Refused, match="ausgeblendet"):
        services.add_comment(
            world.idea_a, pm.Comment(text="Trotzdem"), world.people["citizen"], world.comment.pk
        )
    assert not pm.Comment.objects.filter(text="Trotzdem").exists()
