"""The taxonomy file: fields, types, age bands, OSM mapping and sourced norms."""

from __future__ import annotations

import pytest

from nahraum.data.taxonomy import OsmTagMatcher, load_taxonomy, read_taxonomy
from nahraum.region.models import AGE_BANDS, FacilityType, InnovationField, Norm


def test_six_fields_and_the_required_types(db):
    load_taxonomy()
    assert dict(InnovationField.objects.values_list("key", "name_de")) == {
        "housing": "Bauen, Wohnen und Lebensraum",
        "education": "Bildung",
        "retail": "Einzelhandel",
        "health": "Gesundheit",
        "mobility": "Mobilität und Infrastruktur",
        "environment": "Umwelt",
    }
    keys = set(FacilityType.objects.values_list("key", flat=True))
    assert {
        "gp",
        "pharmacy",
        "hospital",
        "kita",
        "primary_school",
        "secondary_school",
        "library",
        "supermarket",
        "village_shop",
        "weekly_market",
        "bus_stop",
        "railway_station",
        "charging_point",
        "park",
    } <= keys
    bands = dict(FacilityType.objects.values_list("key", "demand_age_bands"))
    assert (bands["kita"], bands["primary_school"], bands["secondary_school"]) == (
        ["0-5"],
        ["6-9"],
        ["10-17"],
    )
    for t in FacilityType.objects.all():
        assert t.name_de and t.name_en and t.osm_tags, t.key
        assert set(t.demand_age_bands) <= set(AGE_BANDS)


def test_norms_carry_sources_and_the_planning_figures(db):
    load_taxonomy()
    assert all(n.source.strip() for n in Norm.objects.all())

    def norm(ftype, mode, area="any"):
        return Norm.objects.get(facility_type__key=ftype, mode=mode, area_kind=area)

    assert norm("supermarket", "straight").max_metres == 1000
    assert "BBSR" in norm("supermarket", "straight").source
    assert norm("bus_stop", "walk", "core").max_metres == 300
    assert norm("bus_stop", "walk", "village").max_metres == 600
    assert norm("primary_school", "walk").max_metres == 2000
    assert norm("secondary_school", "walk").max_metres == 3500
    assert "SchfkVO" in norm("primary_school", "walk").source
    assert norm("gp", "car").max_minutes == 5 and "Deutschlandatlas" in norm("gp", "car").source
    assert norm("hospital", "car").max_minutes == 30 and "G-BA" in norm("hospital", "car").source
    # our own defaults say so
    assert norm("kita", "walk").source.startswith("nahraum assumption")


def test_reloading_keeps_norms_planners_changed(db):
    load_taxonomy()
    n = Norm.objects.get(facility_type__key="hospital", mode="car")
    n.max_minutes = 25
    n.save()
    assert load_taxonomy() == {"fields": 0, "types": 0, "norms": 0}
    assert Norm.objects.get(pk=n.pk).max_minutes == 25


@pytest.mark.parametrize(
    ("tags", "expected"),
    [
        ({"amenity": "school", "name": "Engelbert-Kaempfer-Gymnasium"}, "secondary_school"),
        ({"amenity": "school", "school:de": "Realschule"}, "secondary_school"),
        ({"amenity": "school", "name": "Grundschule am Wall"}, "primary_school"),
        ({"amenity": "school"}, "primary_school"),
        ({"amenity": "doctors"}, "gp"),
        ({"amenity": "dentist"}, "dentist"),
        ({"shop": "bakery"}, "village_shop"),
        ({"shop": "supermarket"}, "supermarket"),
        ({"highway": "bus_stop"}, "bus_stop"),
        ({"railway": "halt"}, "railway_station"),
        ({"amenity": "kindergarten"}, "kita"),
        ({"leisure": "park"}, "park"),
        ({"highway": "residential"}, None),
        ({"shop": "clothes"}, None),
    ],
)
def test_osm_tag_mapping(tags, expected):
    assert OsmTagMatcher.from_taxonomy().match(tags) == expected


def test_every_norm_names_a_known_source_or_says_it_is_ours():
    data = read_taxonomy()
    for t in data["types"]:
        assert t["field"] in {f["key"] for f in data["fields"]}
        for n in t["norms"]:
            assert n["source"] in data["sources"], (t["key"], n)
            assert n.get("max_minutes") or n.get("max_metres"), (t["key"], n)
