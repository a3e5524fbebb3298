"""The notebook layer: DataFrames in, DataFrames indexed by the caller's ids out, NaN for none."""

from __future__ import annotations

import warnings

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

from nahraum.access import (
    AccessError,
    ZoneWarning,
    counts_within,
    frames,
    network_from_edges,
    od_matrix,
    region_crs,
    snap,
    to_wgs84,
    travel_times,
    utm_crs,
)


@pytest.fixture(scope="module")
def two_islands():
    """Two streets 1 km apart that do not meet (1 m/s): the second is unreachable from the first.
    Coordinates in EPSG:25832 near Lemgo, so that lon/lat input can be reprojected to them."""
    x0, y0 = 493_000.0, 5_764_000.0
    x = np.array([0.0, 100.0, 200.0, 0.0, 100.0]) + x0
    y = np.array([0.0, 0.0, 0.0, 1000.0, 1000.0]) + y0
    return network_from_edges(
        x, y, [0, 1, 3], [1, 2, 4], [100.0, 100.0, 100.0], speed_kmh=3.6, crs="EPSG:25832"
    )


def xy_frame(two_islands, rows: dict[str, tuple[float, float]]) -> pd.DataFrame:
    """Points given relative to the first street's west end, as x/y columns (no CRS)."""
    x0, y0 = two_islands.x[0], two_islands.y[0]
    return pd.DataFrame(
        {"x": [x0 + a for a, _ in rows.values()], "y": [y0 + b for _, b in rows.values()]},
        index=list(rows),
    )


def test_travel_times_keep_ids_and_give_nan_for_unreachable(two_islands):
    origins = xy_frame(two_islands, {"home": (10.0, 0.0), "far away": (5000.0, 5000.0)})
    dests = xy_frame(two_islands, {"gp": (190.0, 0.0), "other island": (50.0, 1000.0)})
    t = travel_times(two_islands, origins, dests, crs="EPSG:25832")
    assert list(t.index) == ["home", "far away"] and list(t.columns) == ["gp", "other island"]
    assert t.loc["home", "gp"] == pytest.approx(180.0)
    assert np.isnan(t.loc["home", "other island"])  # not inf
    assert t.loc["far away"].isna().all()  # off the network (beyond max_snap_m)
    assert not np.isinf(t.to_numpy()).any()


def test_geodataframes_are_reprojected_to_the_network_crs(two_islands):
    rel = {"a": (10.0, 0.0), "b": (150.0, 0.0)}
    plain = xy_frame(two_islands, rel)
    lon, lat = to_wgs84(plain["x"].to_numpy(), plain["y"].to_numpy(), "EPSG:25832")
    geo = gpd.GeoDataFrame(
        index=plain.index, geometry=gpd.points_from_xy(lon, lat), crs="EPSG:4326"
    )
    a = travel_times(two_islands, geo, geo)
    b = travel_times(two_islands, plain, plain, crs="EPSG:25832")
    pd.testing.assert_frame_equal(a, b, atol=1e-3)
    o = snap(two_islands, plain["x"], plain["y"])
    np.testing.assert_allclose(a.to_numpy(), od_matrix(two_islands, o, o), atol=1e-3)


def test_points_without_a_crs_are_refused(two_islands):
    with pytest.raises(AccessError, match="no CRS"):
        travel_times(
            two_islands, xy_frame(two_islands, {"a": (0, 0)}), xy_frame(two_islands, {"b": (0, 0)})
        )


def test_nearest_and_counts_by_id(two_islands):
    origins = xy_frame(
        two_islands, {"home": (10.0, 0.0), "island": (10.0, 1000.0), "nowhere": (9000.0, 0.0)}
    )
    dests = xy_frame(two_islands, {"gp1": (190.0, 0.0), "gp2": (60.0, 0.0)})
    dests["doctors"] = [3.0, 1.0]
    near = frames.nearest(two_islands, origins, dests, crs="EPSG:25832")
    assert list(near.index) == ["home", "island", "nowhere"]
    assert near.loc["home", "destination"] == "gp2"
    assert near.loc["home", "time_s"] == pytest.approx(50.0)
    assert near.loc["island"].isna().all() and near.loc["nowhere"].isna().all()
    two = frames.nearest(two_islands, origins, dests, k=2, crs="EPSG:25832")
    assert list(two.loc["home", "destination"]) == ["gp2", "gp1"]
    counts = counts_within(two_islands, origins, dests, max_time_s=100.0, crs="EPSG:25832")
    assert counts.to_dict()["home"] == 1.0 and counts.to_dict()["island"] == 0.0
    assert np.isnan(counts["nowhere"])
    summed = counts_within(
        two_islands, origins, dests, max_time_s=1000.0, weights="doctors", crs="EPSG:25832"
    )
    assert summed["home"] == 4.0


def test_isochrones_are_a_geodataframe_by_origin_and_cutoff(two_islands):
    origins = xy_frame(two_islands, {"home": (10.0, 0.0), "nowhere": (9000.0, 0.0)})
    calls = []
    areas = frames.isochrones(
        two_islands,
        origins,
        [30.0, 120.0],
        buffer_m=5.0,
        crs="EPSG:25832",
        progress=lambda d, t, m="": calls.append((d, t)),
    )
    assert isinstance(areas, gpd.GeoDataFrame) and areas.crs == "EPSG:25832"
    assert list(areas.index) == [
        ("home", 30.0),
        ("home", 120.0),
        ("nowhere", 30.0),
        ("nowhere", 120.0),
    ]
    assert 0 < areas.area[("home", 30.0)] < areas.area[("home", 120.0)]
    assert areas.geometry[("nowhere", 120.0)].is_empty
    assert calls == [(1, 2), (2, 2)]


def test_region_crs_is_chosen_from_the_location():
    lemgo = pd.DataFrame({"x": [8.90, 8.95], "y": [52.02, 52.05]})
    assert region_crs(lemgo, crs="EPSG:4326") == "EPSG:25832"
    assert utm_crs(13.4, 52.5) == "EPSG:25833"  # Berlin: ETRS89 / UTM 33N
    assert utm_crs(-74.0, 40.7) == "EPSG:32618"  # New York: WGS84 / UTM 18N
    assert utm_crs(151.2, -33.9) == "EPSG:32756"  # Sydney: southern hemisphere


def test_data_spanning_two_zones_warn():
    with pytest.warns(ZoneWarning, match="zones 32, 33"):
        crs = utm_crs([11.9, 11.95, 12.1], [51.0, 51.0, 51.0])
    assert crs == "EPSG:25832"  # the zone most points lie in
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        utm_crs([8.9, 9.0], [52.0, 52.1])  # one zone: no warning
