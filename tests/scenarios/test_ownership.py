"""Scenarios belong to a municipality (or jointly to the project office): staff change, run and
delete their own municipality's only; the delete guard and the owner option hold for the command
line as for the pages."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from django.core.exceptions import ValidationError

from nahraum.cli import main
from nahraum.scenarios import services
from nahraum.scenarios.models import FacilityChange, Scenario
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(tiny_region):
    from nahraum.region.models import Municipality

    return {
        "ahausen": UserFactory(staff=True, municipality=Municipality.objects.get(name="Ahausen")),
        "bedorf": UserFactory(staff=True, municipality=Municipality.objects.get(name="Bedorf")),
        "office": UserFactory(office=True),
    }


@pytest.fixture
def ahausen_scenario(tiny_region, people):
    return services.create_scenario(
        tiny_region, "Praxis Mitte schließt", municipality=people["ahausen"].municipality
    )


def test_other_municipality_may_not_edit_run_or_delete(client, people, ahausen_scenario):
    s = ahausen_scenario
    client.force_login(people["bedorf"])
    edit = client.post(f"/de/scenarios/{s.pk}/", {"form": "facility", "facility-action": "close"})
    assert edit.status_code == 403
    assert client.post(f"/de/scenarios/{s.pk}/run/", {"modes": ["walk"]}).status_code == 403
    assert client.post(f"/de/scenarios/{s.pk}/delete/").status_code == 403
    assert Scenario.objects.filter(pk=s.pk).exists()
    assert not FacilityChange.objects.exists()
    page = client.get(f"/de/scenarios/{s.pk}/").content.decode()
    assert 'id="edit-heading"' not in page and "delete-form" not in page
    # the owner's staff and the project office may
    client.force_login(people["ahausen"])
    assert 'id="edit-heading"' in client.get(f"/de/scenarios/{s.pk}/").content.decode()
    client.force_login(people["office"])
    assert client.post(f"/de/scenarios/{s.pk}/delete/").status_code == 302
    assert not Scenario.objects.filter(pk=s.pk).exists()


def test_create_form_offers_only_own_municipality(client, people, tiny_region):
    client.force_login(people["ahausen"])
    form = client.get("/de/scenarios/").context["form"]
    assert [m.name for m in form.fields["municipality"].queryset] == ["Ahausen"]
    assert form.fields["municipality"].required  # joint is the project office's
    bedorf = people["bedorf"].municipality
    refused = client.post("/de/scenarios/", {"name": "Fremd", "municipality": bedorf.pk})
    assert refused.status_code == 200 and not Scenario.objects.exists()
    own = people["ahausen"].municipality
    assert (
        client.post("/de/scenarios/", {"name": "Eigen", "municipality": own.pk}).status_code == 302
    )
    assert Scenario.objects.get().municipality == own
    client.force_login(people["office"])
    assert client.post("/de/scenarios/", {"name": "Gemeinsam"}).status_code == 302
    assert Scenario.objects.get(name="Gemeinsam").municipality is None


def test_delete_guard_is_one_rule_for_pages_and_cli(tiny_region, people, ahausen_scenario):
    child = services.create_scenario(tiny_region, "baut darauf auf", parent=ahausen_scenario)
    with pytest.raises(ValidationError, match="baut darauf auf"):
        services.delete_scenario(ahausen_scenario)
    result = CliRunner().invoke(main, ["scenario", "delete", str(ahausen_scenario.pk)])
    assert result.exit_code == 1 and "baut darauf auf" in result.output
    assert Scenario.objects.count() == 2
    assert CliRunner().invoke(main, ["scenario", "delete", str(child.pk)]).exit_code == 0
    assert list(Scenario.objects.all()) == [ahausen_scenario]


def test_cli_create_takes_the_owner_by_ags(tiny_region):
    runner = CliRunner()
    joint = json.loads(runner.invoke(main, ["scenario", "create", "Gemeinsam", "--json"]).output)
    assert joint["municipality"] is None
    res = runner.invoke(
        main, ["scenario", "create", "Bedorfs", "--municipality", "05766998", "--json"]
    )
    assert json.loads(res.output)["municipality"] == "Bedorf"
    bad = runner.invoke(main, ["scenario", "create", "X", "--municipality", "00000000"])
    assert bad.exit_code == 1 and "00000000" in bad.output
    assert Scenario.objects.count() == 2
