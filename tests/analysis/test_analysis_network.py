"""The tiny region on a real street network (a hand-written OSM file): routed walking times in
the stored run, and an isochrone drawn through the JSON endpoint.

One street runs west–east along latitude 52.0 through the three Ortsteile; cells and
facilities lie on it, so every travel time is the street distance walked at the network's speed.
"""

from __future__ import annotations

import numpy as np
import pytest

from nahraum.access.projection import haversine_m
from nahraum.analysis import services
from nahraum.analysis.models import IndicatorValue
from nahraum.region.models import District

LONS = [8.895 + 0.005 * i for i in range(9)] + [8.9, 8.9146, 8.9292]


def osm_text() -> str:
    lons = sorted(set(round(v, 4) for v in LONS))
    nodes = "\n".join(
        f'  <node id="{i + 1}" version="1" lat="52.0" lon="{lon}"/>' for i, lon in enumerate(lons)
    )
    refs = "".join(f'<nd ref="{i + 1}"/>' for i in range(len(lons)))
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<osm version="0.6" generator="test">\n{nodes}\n'
        f'  <way id="1" version="1">{refs}<tag k="highway" v="residential"/></way>\n</osm>\n'
    )


@pytest.fixture
def networked(tiny_region, settings, tmp_path):
    from nahraum.analysis.network import build_region_networks

    settings.DATA_DIR = tmp_path
    path = tmp_path / "street.osm"
    path.write_text(osm_text(), encoding="utf-8")
    nets = build_region_networks(tiny_region, path, ("walk",))
    return tiny_region, nets["walk"]


def test_run_routes_on_the_street_network(networked):
    region, net = networked
    seconds_per_metre = float(net.time_s.sum() / net.length_m.sum())
    run = services.run_analysis(region, modes=["walk"], facility_types=["gp"])
    assert run.parameters["modes"] == ["walk"]
    assert "network:walk" in run.input_checksums
    a2 = District.objects.get(key="A2")
    minutes = float(haversine_m(8.9, 52.0, 8.9146, 52.0)) * seconds_per_metre / 60
    value = IndicatorValue.objects.get(
        run=run, level="district", district=a2, mode="walk", metric="mean_minutes", age_band=""
    ).value
    assert value == pytest.approx(minutes, rel=1e-3)
    # Only walking figures, none labelled straight-line.
    assert set(IndicatorValue.objects.filter(run=run).values_list("mode", flat=True)) == {"walk"}


def test_isochrone_endpoint_draws_the_reachable_street(client, networked):
    from shapely.geometry import Point, shape

    region, net = networked
    speed = float(net.length_m.sum() / net.time_s.sum())  # metres per second
    response = client.get(
        "/de/analysis/api/isochrone/",
        {"lat": "52.0", "lon": "8.9", "mode": "walk", "minutes": "5,10"},
    )
    assert response.status_code == 200
    features = response.json()["features"]
    assert [f["properties"]["minutes"] for f in features] == [10, 5]
    five = shape(features[1]["geometry"])
    reach_deg = 300 * speed / (111_320 * np.cos(np.radians(52.0)))  # 5 minutes along the street
    assert five.contains(Point(8.9 + 0.8 * reach_deg, 52.0))
    assert not five.contains(Point(8.9 + 1.3 * reach_deg, 52.0))
