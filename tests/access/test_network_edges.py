"""Street engine edge cases (issue 13, item 6): each case failed or answered wrongly before."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from nahraum.access import (
    AccessError,
    OutsideZoneWarning,
    count_within,
    gravity,
    isochrone,
    nearest,
    network_from_edges,
    od_matrix,
    snap,
    snap_nodes,
    to_utm,
)
from nahraum.access.graph import Network
from nahraum.access.projection import check_zone
from nahraum.access.reach import reach_times


def _line(n: int = 4, step: float = 100.0, **kw) -> Network:
    x = np.arange(n) * step
    return network_from_edges(
        x, np.zeros(n), np.arange(n - 1), np.arange(1, n), np.full(n - 1, step), **kw
    )


# -- snap_nodes at a dead end ----------------------------------------------------------------


def test_a_dead_end_behind_a_zero_length_edge_is_reached_by_its_other_street():
    # node 1 has no outgoing edge; its incoming edges are 0→1 (0 m) and 2→1 (100 m)
    net = network_from_edges(
        [0.0, 0.0, 100.0], [0.0, 0.0, 0.0], [0, 2], [1, 1], [0.0, 100.0], oneway=True
    )
    pts = snap_nodes(net, [1, 2])
    od = od_matrix(net, pts, pts, weight="distance")
    assert od[1, 0] == pytest.approx(100.0)  # node 2 → node 1 along 2→1
    assert od[0, 1] == np.inf  # one-way: node 1 cannot leave
    assert nearest(net, pts.subset([1]), pts.subset([0]), weight="distance").distance_m[
        0, 0
    ] == pytest.approx(100.0)


# -- arrays read-only, exports copied --------------------------------------------------------


def test_scaling_or_sorting_the_csr_leaves_the_network_unchanged():
    # edges added in an order that leaves the CSR's indices unsorted within a row
    net = network_from_edges(
        [0.0, 100.0, 200.0], [0.0, 0.0, 0.0], [0, 0], [2, 1], [200.0, 100.0], oneway=True
    )
    before = (net.indices.copy(), net.length_m.copy(), net.time_s.copy())
    a = net.csr("distance")
    a.data /= 1000.0
    a.has_sorted_indices = False
    a.sort_indices()
    b = net.csr("time")
    b *= 60.0
    assert np.array_equal(net.indices, before[0])
    assert np.array_equal(net.length_m, before[1])
    assert np.array_equal(net.time_s, before[2])
    s = snap_nodes(net, [0, 1, 2])
    assert od_matrix(net, s, s, weight="distance")[0, 2] == pytest.approx(200.0)


def test_network_arrays_are_read_only_and_the_callers_arrays_are_not_frozen():
    x = np.arange(3) * 100.0
    y = np.zeros(3)
    net = network_from_edges(x, y, [0, 1], [1, 2], [100.0, 100.0])
    for name in ("x", "y", "indptr", "indices", "length_m", "time_s", "twin", "tail"):
        with pytest.raises(ValueError, match="read-only"):
            getattr(net, name)[0] = 7
    with pytest.raises(ValueError, match="read-only"):
        net.weights("time")[0] = 0.0
    with pytest.raises(ValueError, match="read-only"):
        net.reverse[0][0] = 3
    x[0] = -5.0  # the caller's array stays theirs, and the network keeps its own copy
    assert net.x[0] == 0.0


# -- empty networks ----------------------------------------------------------------------------


def test_a_network_without_nodes_or_edges_is_refused_by_name():
    with pytest.raises(AccessError, match="network_from_edges: the network has no nodes"):
        network_from_edges([], [], [], [], [])
    with pytest.raises(AccessError, match="network_from_edges: the network has no edges"):
        network_from_edges([0.0, 1.0], [0.0, 0.0], [], [], [])
    with pytest.raises(AccessError, match="no edges"):
        network_from_edges([0.0, 1.0], [0.0, 0.0], [1], [1], [1.0])  # a self-loop only


@pytest.mark.parametrize("n_nodes", [0, 2])
def test_every_query_on_an_empty_network_names_the_problem(n_nodes):
    # a network read from a file or built by hand may have no edges
    net = Network(
        "walk",
        np.zeros(n_nodes),
        np.zeros(n_nodes),
        np.zeros(n_nodes + 1, np.int64),
        np.zeros(0, np.int32),
        np.zeros(0),
        np.zeros(0),
        "empty",
        twin=np.zeros(0, np.int64),
    )
    other = _line()
    pts = snap(other, [50.0], [0.0])
    calls = {
        "snap": lambda: snap(net, [0.0], [0.0]),
        "snap_nodes": lambda: snap_nodes(net, [0]),
        "nearest": lambda: nearest(net, pts, pts),
        "count_within": lambda: count_within(net, pts, pts, max_time_s=60),
        "gravity": lambda: gravity(net, pts, pts, beta=0.01),
        "od_matrix": lambda: od_matrix(net, pts, pts),
        "isochrone": lambda: isochrone(net, pts, [60]),
        "reach_times": lambda: reach_times(net, pts),
    }
    for call in calls.values():
        with pytest.raises(AccessError, match="no edges"):
            call()


# -- argument checks ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, message",
    [
        (
            dict(oneway=[True, False, True]),
            "network_from_edges: oneway has 3 values, expected 1 or 2",
        ),
        (
            dict(speed_kmh=[5.0, 5.0, 5.0]),
            "network_from_edges: speed_kmh has 3 values, expected 1 or 2",
        ),
        (dict(node_id=[1, 2]), "network_from_edges: node_id has 2 values, expected 3"),
        (dict(u=[0.0, 1.5]), "network_from_edges: u must be integer node indices"),
        (dict(v=[True, False]), "network_from_edges: v must be integer node indices"),
        (dict(u=[0, -1]), r"network_from_edges: u\[1\] = -1: node indices lie in 0..2"),
        (dict(v=[1, 3]), r"network_from_edges: v\[1\] = 3: node indices lie in 0..2"),
    ],
)
def test_bad_arguments_are_refused_naming_the_argument(kwargs, message):
    args = dict(x=[0.0, 100.0, 200.0], y=[0.0, 0.0, 0.0], u=[0, 1], v=[1, 2], length_m=[1.0, 1.0])
    args.update(kwargs)
    with pytest.raises(AccessError, match=message):
        network_from_edges(**args)


def test_snap_nodes_refuses_non_integer_and_out_of_range_nodes():
    net = _line()
    with pytest.raises(AccessError, match="snap_nodes: nodes must be integer node indices"):
        snap_nodes(net, [0.5])
    with pytest.raises(AccessError, match=r"snap_nodes: nodes\[1\] = 4: node indices lie in 0..3"):
        snap_nodes(net, [0, 4])


# -- points of another network -----------------------------------------------------------------


def test_points_snapped_to_another_network_of_as_many_edges_are_refused():
    here = _line()
    there = _line(step=500.0)  # the same edge count, other coordinates and lengths
    assert here.n_edges == there.n_edges
    far = snap(there, [1500.0], [0.0])  # 1.5 km along "there": on its last edge
    home = snap(here, [0.0], [0.0])
    for call in (
        lambda: od_matrix(here, far, home),
        lambda: nearest(here, home, far),
        lambda: count_within(here, far, home, max_time_s=60),
        lambda: isochrone(here, far, [60]),
    ):
        with pytest.raises(AccessError, match="snapped to another network"):
            call()
    # the subset of a snap keeps its network
    with pytest.raises(AccessError, match="snapped to another network"):
        od_matrix(here, far.subset([0]), home)
    # the same network rebuilt from the same arrays is the same network
    again = _line()
    assert od_matrix(again, home, snap(here, [300.0], [0.0]), weight="distance")[0, 0] == 300.0


# -- the planar CRS ----------------------------------------------------------------------------


def test_points_outside_the_utm_zone_warn_and_far_outside_are_refused():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        to_utm([8.9, 6.0, 14.9], [52.0, 51.0, 51.2])  # Lemgo, Aachen, Görlitz: zone 32 is fine
    with pytest.warns(OutsideZoneWarning, match="1 of 2 points .* outside UTM zone 32"):
        to_utm([8.9, 24.9], [52.0, 60.2])  # Helsinki is 15.9° east of 9° E
    with pytest.raises(AccessError, match="83.0° of longitude .* EPSG:25832"):
        to_utm([-74.0], [40.7])  # New York
    # another zone's CRS is checked against its own central meridian (zone 35: 27° E)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check_zone([24.9], "EPSG:32635")
    check_zone([-74.0], "EPSG:3035")  # not a UTM zone: not checked
