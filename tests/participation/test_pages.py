"""Every participation page answers for every role: shown, refused (403) or sent to the login,
never an error; in German and in English."""

from __future__ import annotations

import pytest

from nahraum.participation import models as pm


def _urls(w):
    result = pm.WorkshopResult.objects.create(workshop=w.workshop_b, needs="N")
    pm.ProposedMeasure.objects.create(result=result, title="M", field=w.health, municipality=w.b)
    w.idea_a.lat, w.idea_a.lon = 52.0, 8.9
    w.idea_a.save()
    s = w.survey_a.survey
    return {
        "": "public",
        "ideas/": "public",
        "ideas/new/": "citizen",
        f"ideas/{w.idea_a.pk}/": "public",
        "workshops/": "public",
        "workshops/new/": "staff",
        f"workshops/{w.workshop_b.pk}/": "public",
        f"workshops/{w.workshop_b.pk}/edit/": "owner_b",
        f"workshops/{w.workshop_b.pk}/result/": "owner_b",
        "groups/": "staff",
        "groups/new/": "staff",
        f"groups/{w.group_b.pk}/": "staff",
        f"groups/{w.group_b.pk}/edit/": "owner_b",
        "surveys/": "public",
        "surveys/new/": "staff",
        f"surveys/{s.pk}/": "public",
        f"surveys/{s.pk}/questions/": "owner_a",
        f"surveys/{s.pk}/results/": "owner_a",
        f"surveys/{s.pk}/results.csv": "owner_a",
        "coverage/": "staff",
        "moderation/": "moderator",
    }


ALLOWED = {
    "public": {"anonymous", "citizen", "moderator", "staff_a", "staff_b", "office"},
    "citizen": {"citizen", "moderator", "staff_a", "staff_b", "office"},
    "staff": {"staff_a", "staff_b", "office"},
    "owner_a": {"staff_a", "office"},
    "owner_b": {"staff_b", "office"},
    "moderator": {"moderator", "office"},
}


@pytest.mark.parametrize("lang", ["de", "en"])
@pytest.mark.parametrize(
    "role", ["anonymous", "citizen", "moderator", "staff_a", "staff_b", "office"]
)
def test_every_page_for_every_role(world, client, role, lang):
    if role != "anonymous":
        client.force_login(world.people[role])
    for path, access in _urls(world).items():
        r = client.get(f"/{lang}/participation/{path}")
        if role in ALLOWED[access]:
            assert r.status_code == 200, (path, role, r.status_code)
        elif role == "anonymous":
            assert r.status_code == 302 and "/accounts/login/" in r["Location"], (path, role)
        else:
            assert r.status_code == 403, (path, role, r.status_code)
    pm.WorkshopResult.objects.all().delete()


def test_odd_query_strings_do_not_break_the_list(world, client):
    for query in ("field=abc", "page=999", "page=x", "sort=evil", "district=-1", "status=<b>"):
        r = client.get(f"/de/participation/ideas/?{query}")
        assert r.status_code == 200, query
        assert "<b>" not in r.content.decode().split("<main")[1]
    assert client.get("/de/participation/ideas/99999/").status_code == 404
    assert client.get("/de/participation/workshops/99999/").status_code == 404
