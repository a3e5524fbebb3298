"""Representativeness on a population built by hand (tiny_region), checked against hand sums.

Population (tiny_region): Ahausen core A1 200 people (0-5: 20, 75+: 20, 30-49: 160), Ahausen
village A2 100 (10, 10, 80), Bedorf village B1 100 (10, 10, 80); 400 in all.
Participants who consented: four aged 30-49 in A1, one aged 75+ in A2, one aged 30-49 in B1.
"""

from __future__ import annotations

import pytest
from django.utils import translation

from nahraum.participation import models as pm
from nahraum.participation import representativeness as rep
from nahraum.participation.coverage import coverage_data

from .conftest import make_user


def test_compare_and_gaps_pure():
    shares = rep.compare(
        {"young": 30, "old": 70}, {"young": 1, "old": 9, "new": 0}, order=["young"]
    )
    assert [s.key for s in shares] == ["young", "new", "old"]
    young = shares[0]
    assert young.population_share == pytest.approx(0.3)
    assert young.participant_share == pytest.approx(0.1)
    assert young.ratio == pytest.approx(1 / 3)
    # 10 participants: "young" would be expected to send 3 people, only 1 came.
    assert [s.key for s in rep.gaps(shares, min_expected=3)] == ["young"]
    # Too few participants to judge: with fewer than 5 expected, nothing is named.
    assert rep.gaps(shares) == []
    # A part below the minimum population share is never named, however few took part.
    assert rep.gaps(shares, min_population_share=0.5, min_expected=0) == []
    many = rep.compare({"young": 30, "old": 70}, {"young": 10, "old": 90})
    assert [s.key for s in rep.gaps(many)] == ["young"]  # 30 expected, 10 came
    # No participants at all: nothing can be judged.
    empty = rep.compare({"a": 1, "b": 1}, {})
    assert all(s.participant_share == 0 for s in empty)
    assert rep.gaps(empty) == []


@pytest.fixture
def participants(world):
    """Six consenting participants (each took part in a different way), plus two who don't count."""
    from nahraum.region.models import District

    a1, a2, b1 = (District.objects.get(key=k) for k in ("A1", "A2", "B1"))
    made = []
    for i, (band, district) in enumerate([("30-49", a1)] * 4 + [("75+", a2), ("30-49", b1)]):
        made.append(make_user(f"p{i}", demographics_consent=True, age_band=band, district=district))
    p = made
    pm.Idea.objects.create(author=p[0], title="x", text="x", field=world.health)
    pm.Comment.objects.create(idea=world.idea_a, author=p[1], text="y")
    pm.Support.objects.create(idea=world.idea_a, user=p[2])
    pm.Registration.objects.create(workshop=world.workshop_a, user=p[3], status="confirmed")
    pm.Answer.objects.create(survey=world.survey_a.survey, respondent=p[4])
    pm.Support.objects.create(idea=world.idea_b, user=p[5])
    # Took part without consent: counted as a participant, but not in any share.
    shy = make_user("shy", age_band="75+", district=b1)
    pm.Support.objects.create(idea=world.idea_b, user=shy)
    # Consented but never took part: not a participant.
    make_user("idle", demographics_consent=True, age_band="75+", district=b1)
    # Cancelled registrations do not count as taking part.
    cancelled = make_user("gone", demographics_consent=True, age_band="0-5", district=b1)
    pm.Registration.objects.create(workshop=world.workshop_b, user=cancelled, status="cancelled")
    return made


def test_shares_on_hand_built_population(world, participants):
    """world.people's citizen wrote the fixture ideas, stated nothing: participant without data."""
    data = coverage_data()
    # 6 consenting + shy + the fixture citizen (author of the world's ideas and comment)
    assert data["participant_total"] == 8
    assert data["participants_consented"] == 6
    by_age = {s.key: s for s in data["by_age"]}
    assert by_age["30-49"].population == 320 and by_age["30-49"].participants == 5
    assert by_age["30-49"].population_share == pytest.approx(0.8)
    assert by_age["30-49"].participant_share == pytest.approx(5 / 6)
    assert by_age["75+"].participant_share == pytest.approx(1 / 6)
    assert by_age["0-5"].population_share == pytest.approx(0.1)
    assert by_age["0-5"].participant_share == 0
    by_district = {row["district"].key: row for row in data["by_district"]}
    assert by_district["A1"]["population_share"] == pytest.approx(0.5)
    assert by_district["A1"]["participant_share"] == pytest.approx(4 / 6)
    assert by_district["B1"]["participant_share"] == pytest.approx(1 / 6)
    assert by_district["A1"]["per_1000"] == pytest.approx(20.0)

    # Six participants are too few to judge any group by the dashboard's default rule ...
    assert data["gaps"] == [] and data["gap_sentences"] == []
    # ... so the hand check of the gap rule itself drops the minimum expected count.
    data = coverage_data(min_expected=0)
    finest = [s for s in data["gaps"] if isinstance(s.key, tuple) and len(s.key) == 3]
    gaps = {s.key: s for s in finest}
    a, b = world.a.pk, world.b.pk
    assert set(gaps) == {
        (a, "village", "30-49"),
        (a, "core", "0-5"),
        (a, "core", "75+"),
        (a, "village", "0-5"),
        (b, "village", "0-5"),
        (b, "village", "75+"),
    }
    # Bedorf's 30-49 year-olds: 20 % of the people, 1 of 6 participants: not a gap (> half).
    assert (b, "village", "30-49") not in gaps
    # Coarser levels: the villages of each (25 % of the people, 1 of 6 = 16.7 %) are not gaps
    # (more than half their share); the 0-5 year-olds of the whole region (10 %, none) are.
    coarse = [s.key for s in data["gaps"] if s not in finest]
    assert coarse == ["0-5"]
    largest = finest[0]
    assert largest.key == (a, "village", "30-49")
    assert largest.population_share == pytest.approx(0.2)


def test_gaps_named_in_words(world, participants):
    with translation.override("en"):
        sentences = coverage_data(min_expected=0)["gap_sentences"]
    assert sentences[0] == (
        "people aged 30-49 in Ahausen's villages: 20 % of the population, 0 % of participants"
    )
    assert (
        "people aged 75+ in Bedorf's villages: 2.5 % of the population, 0 % of participants"
        in sentences
    )
    with translation.override("de"):
        german = coverage_data(min_expected=0)["gap_sentences"][0]
    assert german.startswith("Menschen im Alter 30-49")
    assert "20 %" in german


def test_group_coverage_by_kind_and_field(world, participants):
    pm.OutreachAction.objects.create(
        group=world.group_a, channel="email", outcome="contacted", field=world.health
    )
    pm.OutreachAction.objects.create(group=world.group_a, channel="phone", outcome="answered")
    pm.OutreachAction.objects.create(group=world.group_b, channel="visit", outcome="contacted")
    pm.Registration.objects.create(
        workshop=world.workshop_b,
        user=world.people["staff_b"],
        group=world.group_b,
        status="confirmed",
        attended=True,
    )
    data = coverage_data()
    kinds = {row["kind"]: row for row in data["by_kind"]}
    assert kinds["seniors"]["answered"] == 1 and kinds["seniors"]["took_part"] == 0
    assert kinds["youth"]["took_part"] == 1 and kinds["youth"]["answered"] == 1
    health = next(r for r in data["by_field"] if r["key"] == "health")
    assert health["reached"] == 1 and health["took_part"] == 1 and health["workshops"] == 3


def test_dashboard_page_shows_map_table_chart_and_sources(world, participants, client, settings):
    settings.NAHRAUM_GAP_RULE = {"min_expected": 0}
    client.force_login(world.people["office"])
    html = client.get("/en/participation/coverage/").content.decode()
    for needle in (
        'id="coverage-map"',
        'id="age-chart"',
        'id="age-table"',
        "Test data",
        "people aged 30-49 in Ahausen&#x27;s villages",
    ):
        assert needle in html, needle


def test_percentages_are_rounded_not_cut():
    from django.utils import translation

    from nahraum.participation.templatetags.participation_tags import pct

    with translation.override("de"):
        assert pct(0.1396) == "14 %"
        assert pct(0.0996) == "10 %"
        assert pct(0.0249) == "2,5 %"
        assert pct(0) == "0 %"
        assert pct(None) == "–"
