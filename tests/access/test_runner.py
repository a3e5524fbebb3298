"""The runners give identical results: in-process, a process pool and a real Dask cluster.

A 12 × 12 street grid (100 m blocks) with 30 homes and two facility types; the in-process
result is itself checked against a brute-force answer from the OD matrix, so that "equal to
in-process" is a comparison with something known to be right.
"""

from __future__ import annotations

import numpy as np
import pytest

from nahraum.access import AccessError
from nahraum.access.network import network_from_edges
from nahraum.access.route import od_matrix
from nahraum.access.runner import assemble, make_tasks, prepare_payload, run_tasks
from nahraum.access.snap import snap


def grid(n: int = 12, spacing: float = 100.0):
    ids = np.arange(n * n).reshape(n, n)
    x, y = np.meshgrid(np.arange(n) * spacing, np.arange(n) * spacing)
    u = np.concatenate([ids[:, :-1].ravel(), ids[:-1, :].ravel()])
    v = np.concatenate([ids[:, 1:].ravel(), ids[1:, :].ravel()])
    return network_from_edges(
        x.ravel().astype(float),
        y.ravel().astype(float),
        u,
        v,
        np.full(len(u), spacing),
        mode="walk",
        speed_kmh=5.0,
    )


@pytest.fixture(scope="module")
def payload():
    rng = np.random.default_rng(7)
    net = grid()
    cx, cy = rng.uniform(0, 1100, 30), rng.uniform(0, 1100, 30)
    fx, fy = rng.uniform(0, 1100, 7), rng.uniform(0, 1100, 7)
    types = ["gp", "gp", "gp", "kita", "kita", "kita", "kita"]
    p, notes = prepare_payload(
        cx, cy, fx, fy, types, networks={"walk": net}, modes=["walk", "straight"], with_od=["kita"]
    )
    assert notes == []
    return p, net


def flat(results):
    return {(r.mode, r.type_key): r for r in assemble(results, 30)}


def test_in_process_agrees_with_brute_force(payload):
    p, net = payload
    travel = flat(run_tasks(p, make_tasks(["walk", "straight"], ["gp", "kita"], 30)))
    origins = snap(net, p.cell_x, p.cell_y)
    for key, rows in (("gp", np.arange(3)), ("kita", np.arange(3, 7))):
        od = od_matrix(net, origins, snap(net, p.fac_x[rows], p.fac_y[rows]))
        t = travel[("walk", key)]
        np.testing.assert_allclose(t.time_s, od.min(axis=1), rtol=1e-9)
        # Ties aside, the facility named is the one with the least time.
        np.testing.assert_allclose(
            od[np.arange(30), np.searchsorted(rows, t.facility)], od.min(axis=1), rtol=1e-9
        )
    np.testing.assert_allclose(
        travel[("walk", "kita")].od_time_s,
        od_matrix(net, origins, snap(net, p.fac_x[3:], p.fac_y[3:])),
    )
    straight = travel[("straight", "gp")]
    d = np.hypot(p.cell_x[:, None] - p.fac_x[None, :3], p.cell_y[:, None] - p.fac_y[None, :3])
    np.testing.assert_allclose(straight.distance_m, d.min(axis=1))
    np.testing.assert_allclose(straight.time_s, d.min(axis=1) * 1.3 / (5 / 3.6))


def test_origin_blocks_and_process_pool_equal_in_process(payload):
    p, _ = payload
    tasks = make_tasks(["walk", "straight"], ["gp", "kita"], 30)
    local = flat(run_tasks(p, tasks))
    blocks = make_tasks(["walk", "straight"], ["gp", "kita"], 30, block_size=7)
    assert len(blocks) == 2 * 2 * 5
    seen = []
    pooled = flat(
        run_tasks(
            p,
            blocks,
            runner="processes",
            workers=2,
            progress=lambda d, t, label: seen.append((d, t)),
        )
    )
    assert seen[-1] == (20, 20)
    assert local.keys() == pooled.keys()
    for key, a in local.items():
        b = pooled[key]
        np.testing.assert_array_equal(a.time_s, b.time_s)
        np.testing.assert_array_equal(a.facility, b.facility)
        if a.od_time_s is not None:
            # Per-block OD searches may add the same legs in another order: last-bit differences.
            np.testing.assert_allclose(a.od_time_s, b.od_time_s, rtol=1e-12)


def test_dask_local_cluster_equals_in_process(payload):
    from distributed import Client, LocalCluster

    p, _ = payload
    tasks = make_tasks(["walk", "straight"], ["gp", "kita"], 30, block_size=10)
    local = flat(run_tasks(p, tasks))
    with (
        LocalCluster(
            processes=True, n_workers=2, threads_per_worker=1, dashboard_address=None
        ) as cluster,
        Client(cluster) as client,
    ):
        distributed = flat(run_tasks(p, tasks, runner="dask", client=client))
        assert len(client.scheduler_info()["workers"]) == 2
    for key, a in local.items():
        np.testing.assert_array_equal(a.time_s, distributed[key].time_s)
        np.testing.assert_array_equal(a.distance_m, distributed[key].distance_m)
        np.testing.assert_array_equal(a.facility, distributed[key].facility)


def test_bad_runner_and_blocks(payload):
    p, _ = payload
    with pytest.raises(AccessError, match="unknown runner 'gpu'; known: local, processes, dask"):
        run_tasks(p, [], runner="gpu")
    with pytest.raises(AccessError, match="block_size"):
        make_tasks(["walk"], ["gp"], 30, block_size=0)
    with pytest.raises(AccessError, match="no network for mode 'car'"):
        run_tasks(p, make_tasks(["car"], ["gp"], 30))
