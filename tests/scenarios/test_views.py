"""Pages in German and English; comparing two scenarios; the effect a strategy measure links to."""

from __future__ import annotations

import pytest

from nahraum.scenarios import services
from nahraum.scenarios.compare import run_scenario


@pytest.fixture
def two_runs(region_two_gps):
    closure = services.create_scenario(region_two_gps, "Praxis Mitte schließt")
    services.add_facility_change(closure, "close", facility_key="gp-1")
    moved = services.create_scenario(region_two_gps, "Praxis Mitte zieht nach Adorf")
    services.add_facility_change(moved, "move", facility_key="gp-1", lat=52.0, lon=8.9146)
    for s in (closure, moved):
        run_scenario(s, modes=["walk"], facility_types=["gp"])
    return closure, moved


@pytest.mark.parametrize(
    "lang, words", [("de", "Wer gewinnt, wer verliert"), ("en", "Who gains and who loses")]
)
def test_pages_answer_in_both_languages(client, two_runs, lang, words):
    closure, _moved = two_runs
    assert client.get(f"/{lang}/scenarios/").status_code == 200
    assert client.get(f"/{lang}/scenarios/locate/").status_code == 200
    assert client.get(f"/{lang}/scenarios/{closure.pk}/").status_code == 200
    page = client.get(f"/{lang}/scenarios/{closure.pk}/compare/").content.decode()
    assert words in page
    assert (
        'id="compare-map"' in page and 'id="compare-chart"' in page and 'id="gains-table"' in page
    )
    assert "estimate-badge" in page  # the tiny region's data is illustrative, and says so


def test_compare_with_another_scenario(client, two_runs):
    closure, moved = two_runs
    # moving the practice to Adorf instead of closing it: Adorf (100) gains, against the closure
    page = client.get(f"/en/scenarios/{moved.pk}/compare/?with={closure.pk}&pair=straight/gp")
    html = page.content.decode()
    assert page.status_code == 200
    assert 'id="fig-newly-within"><span class="value">100</span>' in html
    assert 'id="fig-newly-beyond"><span class="value">0</span>' in html
    assert client.get(f"/en/scenarios/{moved.pk}/compare/?with=999999").status_code == 404


def test_effect_json_for_strategy_measures(client, two_runs):
    closure, _moved = two_runs
    data = client.get(f"/en/scenarios/{closure.pk}/effect.json").json()
    gp = next(e for e in data["effects"] if e["type"] == "gp")
    assert gp["share_within_norm_before"] == pytest.approx(0.75)
    assert gp["share_within_norm_after"] == pytest.approx(0.25)
    assert gp["newly_beyond_norm"] == 200
    assert data["url"].endswith(f"/en/scenarios/{closure.pk}/compare/")
