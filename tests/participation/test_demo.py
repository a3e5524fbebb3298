"""The illustrative demo content: created once, marked as illustrative, shown as such."""

from __future__ import annotations

from click.testing import CliRunner

from nahraum.accounts.models import User
from nahraum.participation import models as pm
from nahraum.participation.demo import load_demo


def test_demo_content_is_marked_and_loaded_once(tiny_region, client):
    messages = []
    assert load_demo(echo=messages.append) is True
    assert load_demo(echo=messages.append) is False
    assert "illustrativ" in messages[0]
    assert User.objects.filter(is_example=False).count() == 0
    assert pm.Idea.objects.exists() and all(
        i.title.endswith("(Beispiel)") for i in pm.Idea.objects.all()
    )
    assert all(g.name.endswith("(Beispiel)") for g in pm.SocietalGroup.objects.all())
    client.force_login(User.objects.get(username="demo-projektbuero"))
    html = client.get("/de/participation/coverage/").content.decode()
    assert "estimate-badge" in html and "Beispielkonten" in html


def test_coverage_command_prints_shares(tiny_region):
    from nahraum.cli import main

    load_demo(echo=lambda _m: None)
    result = CliRunner().invoke(main, ["participation", "coverage", "--json"])
    assert result.exit_code == 0, result.output
    import json

    data = json.loads(result.output)
    assert data["participants"] > 0
    assert abs(sum(row["population_share"] for row in data["by_age"]) - 1) < 1e-3
