"""Snapping points to the nearest edge (not node), with too-far points reported by id."""

from __future__ import annotations

import numpy as np
import pytest

from nahraum.access import AccessError, network_from_edges, snap, snap_nodes


@pytest.fixture
def line():
    # 0 ---- 1 ---- 2   (x = 0, 100, 300), a one-way spur 1 → 3 going north 50 m
    x = np.array([0.0, 100.0, 300.0, 100.0])
    y = np.array([0.0, 0.0, 0.0, 50.0])
    return network_from_edges(
        x, y, [0, 1, 1], [1, 2, 3], [100.0, 200.0, 50.0], mode="car", oneway=[False, False, True]
    )


def test_snaps_to_edge_interior(line):
    s = snap(line, [40.0, 250.0], [7.0, -3.0])
    assert s.too_far == []
    a = line.tail[s.edge]
    b = line.indices[s.edge]
    # point 0 lies over the street 0-1 at x = 40, 7 m off; point 1 over 1-2 at x = 250
    assert {int(a[0]), int(b[0])} == {0, 1}
    assert {int(a[1]), int(b[1])} == {1, 2}
    pos0 = np.where(a[0] == 0, s.offset_m[0], 100 - s.offset_m[0])
    pos1 = np.where(a[1] == 1, s.offset_m[1], 200 - s.offset_m[1])
    assert pos0 == pytest.approx(40.0)
    assert pos1 == pytest.approx(150.0)
    assert s.access_m.tolist() == pytest.approx([7.0, 3.0])


def test_nearest_edge_not_nearest_node(line):
    # (200, 20): nearest node is 1 or 2 (≈102 m), nearest edge 1-2 is 20 m below
    s = snap(line, [200.0], [20.0])
    assert s.access_m[0] == pytest.approx(20.0)
    assert {int(line.tail[s.edge[0]]), int(line.indices[s.edge[0]])} == {1, 2}


def test_one_way_spur_and_ends(line):
    s = snap(line, [103.0, -10.0], [45.0, 0.0])
    assert int(line.tail[s.edge[0]]) == 1 and int(line.indices[s.edge[0]]) == 3
    assert s.offset_m[0] == pytest.approx(45.0)
    # beyond the end of the street: the access leg runs to the end node
    assert s.access_m[1] == pytest.approx(10.0)


def test_too_far_points_are_reported_by_id(line):
    s = snap(
        line,
        [50.0, 50.0, 5000.0],
        [10.0, 900.0, 0.0],
        max_distance_m=100.0,
        ids=["kita-1", "kita-2", "school-9"],
    )
    assert s.too_far == ["kita-2", "school-9"]
    assert s.edge.tolist()[1:] == [-1, -1]
    assert s.placed.tolist() == [True, False, False]
    assert np.isnan(s.access_m[1:]).all()
    # without ids: indices
    assert snap(line, [0.0, 9999.0], [0.0, 0.0]).too_far == [1]
    # not finite coordinates are too far as well
    assert snap(line, [np.nan], [0.0], ids=["x"]).too_far == ["x"]


def test_bad_snap_input(line):
    with pytest.raises(AccessError, match="equal length"):
        snap(line, [0.0, 1.0], [0.0])
    with pytest.raises(AccessError, match="ids has 1 entries for 2 points"):
        snap(line, [0.0, 1.0], [0.0, 0.0], ids=["a"])
    with pytest.raises(AccessError, match="max_distance_m"):
        snap(line, [0.0], [0.0], max_distance_m=0)


def test_snap_nodes(line):
    s = snap_nodes(line, [0, 3])
    assert s.access_m.tolist() == [0.0, 0.0]
    # node 0 starts an edge at offset 0; node 3 has no way out: end of 1 → 3
    assert int(line.tail[s.edge[0]]) == 0 and s.offset_m[0] == 0
    assert int(line.indices[s.edge[1]]) == 3 and s.offset_m[1] == pytest.approx(50.0)
    with pytest.raises(AccessError, match="node indices"):
        snap_nodes(line, [7])
