"""The bundled region's Ortsteile tile their municipalities and hold their own people and places.

An earlier version clipped the Voronoi cells of the Ortsteil centres to a shrunken outline, so
twelve centres lay outside their own Ortsteil and villages on the rim fell outside their
municipality. These tests check the geometry a planner relies on: in metres (EPSG:25832), on the
files as shipped and on the region as loaded through the importers.
"""

from __future__ import annotations

import csv
import itertools
import json
import math

import numpy as np
import pytest
import shapely
from pyproj import Transformer
from shapely.geometry import Point, shape

from nahraum.data.bundled import REGION_DIR, ensure_bundled_region
from nahraum.region.models import AGE_BANDS, District, Facility

TO_UTM = Transformer.from_crs("EPSG:4326", "EPSG:25832", always_xy=True)
LEMGO, KALLETAL = "05766044", "05766036"


def metric(geom):
    """The geometry in EPSG:25832, so that areas and distances are in m² and m."""
    return shapely.transform(geom, lambda xy: np.column_stack(TO_UTM.transform(xy[:, 0], xy[:, 1])))


def features(name: str) -> list[dict]:
    return json.loads((REGION_DIR / name).read_text(encoding="utf-8"))["features"]


@pytest.fixture(scope="module")
def districts() -> list[tuple[dict, shapely.Geometry]]:
    return [(f["properties"], metric(shape(f["geometry"]))) for f in features("districts.geojson")]


@pytest.fixture(scope="module")
def municipalities() -> dict[str, shapely.Geometry]:
    return {
        f["properties"]["ags"]: metric(shape(f["geometry"]))
        for f in features("municipalities.geojson")
    }


def centre(props: dict) -> Point:
    return Point(TO_UTM.transform(props["centre_lon"], props["centre_lat"]))


def test_every_ortsteil_is_one_polygon_holding_its_centre_well_inside(districts):
    for props, poly in districts:
        assert poly.geom_type == "Polygon" and poly.is_valid, props["name"]
        assert poly.contains(centre(props)), props["name"]
        assert poly.exterior.distance(centre(props)) > 500, props["name"]


def test_ortsteile_tile_each_municipality_without_gaps_or_overlaps(districts, municipalities):
    for ags, outline in municipalities.items():
        own = [poly for props, poly in districts if props["municipality"] == ags]
        assert outline.geom_type == "Polygon" and not outline.interiors, ags
        for a, b in itertools.combinations(own, 2):
            assert a.intersection(b).area < 1.0  # m²: shared borders only
        assert shapely.union_all(own).symmetric_difference(outline).area < 1.0, ags
        # every centre lies inside its own municipality (Varenholz once lay outside Kalletal)
        for props, _ in districts:
            assert outline.contains(centre(props)) == (props["municipality"] == ags), props["name"]
    assert municipalities[LEMGO].intersection(municipalities[KALLETAL]).area < 1.0


def test_municipal_areas_come_close_to_the_official_ones(municipalities):
    # official (IT.NRW): Lemgo 100.85 km², Kalletal 112.4 km²; the outline is illustrative
    assert municipalities[LEMGO].area / 1e6 == pytest.approx(100.85, rel=0.10)
    assert municipalities[KALLETAL].area / 1e6 == pytest.approx(112.4, rel=0.10)
    stated = {
        f["properties"]["ags"]: f["properties"]["area_km2_illustrative"]
        for f in features("municipalities.geojson")
    }
    for ags, poly in municipalities.items():
        assert stated[ags] == pytest.approx(poly.area / 1e6, abs=0.05)


def test_lemgo_and_kalletal_meet_between_their_border_villages(districts, municipalities):
    by_name = {props["name"]: poly for props, poly in districts}
    # Lemgo's northern villages border Kalletal, Kalletal's southern ones border Lemgo
    for name in ("Kirchheide", "Matorf"):
        assert by_name[name].intersection(municipalities[KALLETAL]).length > 500, name
    for name in ("Bavenhausen", "Hohenhausen", "Talle"):
        assert by_name[name].intersection(municipalities[LEMGO]).length > 500, name
    # and the border runs between them: no Lemgo Ortsteil north of Bavenhausen/Talle's centres
    south_kalletal = min(centre(p).y for p, _ in districts if p["municipality"] == KALLETAL)
    north_lemgo = max(centre(p).y for p, _ in districts if p["municipality"] == LEMGO)
    assert north_lemgo < south_kalletal


def test_generated_cells_and_facilities_lie_in_their_own_ortsteil_on_file(districts):
    polys = [poly for _, poly in districts]
    tree = shapely.STRtree(polys)
    with open(REGION_DIR / "cells.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    xy = np.array([(float(r["x"]), float(r["y"])) for r in rows])
    hits = tree.query(shapely.points(xy), predicate="within")
    # every cell centre falls in exactly one Ortsteil
    assert np.array_equal(np.sort(hits[0]), np.arange(len(rows)))
    with open(REGION_DIR / "facilities.csv", encoding="utf-8") as fh:
        for row in csv.DictReader(fh):
            point = Point(TO_UTM.transform(float(row["lon"]), float(row["lat"])))
            inside = [props["name"] for props, poly in districts if poly.contains(point)]
            assert inside == [row["address"]], row["id"]


@pytest.fixture
def bundled(db):
    assert ensure_bundled_region(echo=lambda _: None) is True


def test_loaded_cells_sum_per_ortsteil_and_age_band_and_sit_around_its_centre(bundled, districts):
    radius = {}  # the settled disc of the generator: 2,600 (core) or 1,300 (village) per km²
    for props, _ in districts:
        density = 2600 if props["kind"] == "core" else 1300
        radius[props["id"]] = max(250.0, math.sqrt(props["population"] / density / math.pi) * 1000)
    for d in District.objects.prefetch_related("cells"):
        cells = list(d.cells.all())
        assert sum(c.population for c in cells) == d.population, d.name
        for band in AGE_BANDS:
            assert sum(c.population_by_age[band] for c in cells) == d.population_by_age[band], (
                d.name,
                band,
            )
        # the cells point-in-polygon gave this Ortsteil are its own settlement, not a neighbour's
        cx, cy = TO_UTM.transform(d.centre_lon, d.centre_lat)
        for c in cells:
            x, y = TO_UTM.transform(c.lon, c.lat)
            assert math.hypot(x - cx, y - cy) <= radius[d.key] + 75, (d.name, c.key)


def test_loaded_facilities_lie_in_the_ortsteil_they_were_placed_in(bundled):
    facilities = list(Facility.objects.select_related("district", "municipality"))
    assert len(facilities) > 300
    for f in facilities:
        assert f.district is not None and f.district.name == f.address, f.key
        assert f.municipality_id == f.district.municipality_id, f.key
        assert shape(f.district.boundary).contains(Point(f.lon, f.lat)), f.key
    gp = Facility.objects.get(key="demo:langenholzhausen:gp:1")  # closed in the demo scenario
    assert gp.district.name == "Langenholzhausen"
