"""Run the travel-time work of an analysis in-process, in a process pool or on a Dask cluster.

The work of a run splits into independent tasks: one per travel mode × facility type × block of
origin cells. Each task is a pure function of a read-only *payload* (cell and facility
coordinates, snapped points, networks) and a small task description, so the same function runs
in this process, in a local process pool, or on the workers of a Dask distributed cluster, and
the results are identical whichever runner computed them.

Why tasks by facility type first: a nearest-facility search is one multi-source search from all
facilities of a type, whose cost does not shrink with fewer origins; splitting by type gives the
natural parallelism for a region. Origin blocks exist for regions so large that one task's
result (or its origin–destination matrix for capacity figures) should be kept small; they are
what a state-wide run on a cluster hands out.

The payload is shipped once per worker (process-pool initializer, or ``Client.scatter`` with
``broadcast=True``), not once per task.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .errors import AccessError
from .indicators import DETOUR_FACTOR, STRAIGHT_SPEED_KMH, Travel
from .progress import Progress

RUNNERS: tuple[str, ...] = ("local", "processes", "dask")
STRAIGHT = "straight"


@dataclass
class Payload:
    """Everything the tasks read; built once per run, never changed by a task."""

    cell_x: np.ndarray
    cell_y: np.ndarray
    fac_x: np.ndarray
    fac_y: np.ndarray
    fac_type: np.ndarray  # str per facility row
    with_od: frozenset[str] = frozenset()  # type keys whose capacity needs an OD matrix (all modes)
    od_limits: dict[tuple[str, str], float | None] = field(
        default_factory=dict
    )  # (mode, type) → max s
    networks: dict[str, Any] = field(default_factory=dict)
    snapped_cells: dict[str, Any] = field(default_factory=dict)
    snapped_facilities: dict[str, Any] = field(default_factory=dict)
    detour_factor: float = DETOUR_FACTOR
    straight_speed_kmh: float = STRAIGHT_SPEED_KMH


@dataclass(frozen=True)
class Task:
    mode: str
    type_key: str
    start: int
    stop: int


@dataclass
class TaskResult:
    task: Task
    time_s: np.ndarray
    distance_m: np.ndarray
    facility: np.ndarray
    od_time_s: np.ndarray | None
    od_facility: np.ndarray | None


def prepare_payload(
    cell_x: np.ndarray,
    cell_y: np.ndarray,
    fac_x: np.ndarray,
    fac_y: np.ndarray,
    fac_type: Sequence[str],
    *,
    networks: dict | None = None,
    modes: Sequence[str] = (),
    with_od: Sequence[str] = (),
    od_limits: dict[tuple[str, str], float | None] | None = None,
    fac_ids: Sequence[str] | None = None,
    cell_ids: Sequence[str] | None = None,
    max_snap_m: float = 500.0,
) -> tuple[Payload, list[str]]:
    """Snap cells and facilities onto each network mode used; return the payload and notes.

    Origin–destination matrices (for capacity figures) are computed for the types in
    ``with_od`` (every mode, unbounded) and for the (mode, type) pairs in ``od_limits``, whose
    searches stop at the given time: a catchment never reaches farther than its norm, and
    bounded searches are what keep a whole-region run within seconds.

    Points farther from a network than ``max_snap_m`` are named in the notes (and get no travel
    time), never dropped silently.
    """
    payload = Payload(
        cell_x=np.asarray(cell_x, float),
        cell_y=np.asarray(cell_y, float),
        fac_x=np.asarray(fac_x, float),
        fac_y=np.asarray(fac_y, float),
        fac_type=np.asarray(list(fac_type), dtype=object),
        with_od=frozenset(with_od),
        od_limits=dict(od_limits or {}),
        networks={m: n for m, n in (networks or {}).items() if m in modes},
    )
    notes: list[str] = []
    if payload.networks:
        for mode, net in payload.networks.items():
            sc = _snap_cached(net, payload.cell_x, payload.cell_y, max_snap_m, cell_ids)
            sf = _snap_cached(net, payload.fac_x, payload.fac_y, max_snap_m, fac_ids)
            payload.snapped_cells[mode] = sc
            payload.snapped_facilities[mode] = sf
            if sc.too_far:
                notes.append(
                    f"{mode}: {len(sc.too_far)} cells farther than {max_snap_m:.0f} m "
                    f"from the network: {_names(sc.too_far)}"
                )
            if sf.too_far:
                notes.append(
                    f"{mode}: {len(sf.too_far)} facilities farther than "
                    f"{max_snap_m:.0f} m from the network: {_names(sf.too_far)}"
                )
    return payload, notes


_SNAP_CACHE: dict[str, Any] = {}
_SNAP_CACHE_SIZE = 16


def _snap_cached(net, x: np.ndarray, y: np.ndarray, max_m: float, ids) -> Any:
    """Snap points, remembering the answer per network and point set.

    A long-lived process (the web app, a scenario session) re-runs analyses on the same network
    with the same cells and mostly the same facilities; snapping is a pure function of the
    network's checksum, the coordinates, the distance limit and the ids, so its result is reused.
    A moved or added facility changes the key, and only that point set is snapped again.
    """
    import hashlib

    from nahraum.access.snap import snap

    h = hashlib.sha256()
    for part in (np.ascontiguousarray(x, dtype=float), np.ascontiguousarray(y, dtype=float)):
        h.update(part.tobytes())
    h.update(repr((net.checksum, float(max_m), list(ids) if ids is not None else None)).encode())
    key = h.hexdigest()
    if key not in _SNAP_CACHE:
        if len(_SNAP_CACHE) >= _SNAP_CACHE_SIZE:
            _SNAP_CACHE.pop(next(iter(_SNAP_CACHE)))
        _SNAP_CACHE[key] = snap(
            net, x, y, max_distance_m=max_m, ids=list(ids) if ids is not None else None
        )
    return _SNAP_CACHE[key]


def _names(items: Sequence, limit: int = 10) -> str:
    shown = ", ".join(str(i) for i in list(items)[:limit])
    return shown + (f" … (+{len(items) - limit})" if len(items) > limit else "")


def _subset(snapped, rows: np.ndarray):
    """A Snapped restricted to ``rows``."""
    return snapped.subset(rows)


def make_tasks(
    modes: Sequence[str], type_keys: Sequence[str], n_cells: int, block_size: int | None = None
) -> list[Task]:
    """Tasks for every mode × type × block of origin cells (one block unless ``block_size``)."""
    if block_size is not None and block_size < 1:
        raise AccessError(f"block_size must be at least 1, got {block_size}")
    step = n_cells if not block_size else block_size
    blocks = [(s, min(s + step, n_cells)) for s in range(0, max(n_cells, 1), max(step, 1))]
    return [Task(m, t, s, e) for m in modes for t in type_keys for s, e in blocks]


def compute_task(payload: Payload, task: Task) -> TaskResult:
    """Nearest facility of ``task.type_key`` for the task's cells (and the OD matrix if needed)."""
    rows = np.flatnonzero(payload.fac_type == task.type_key)
    cells = slice(task.start, task.stop)
    n = task.stop - task.start
    pair = (task.mode, task.type_key)
    want_od = task.type_key in payload.with_od or pair in payload.od_limits
    od_limit = payload.od_limits.get(pair)
    if rows.size == 0:
        empty = np.full(n, np.inf)
        return TaskResult(
            task,
            empty,
            empty.copy(),
            np.full(n, -1, np.int64),
            np.zeros((n, 0)) if want_od else None,
            rows if want_od else None,
        )
    if task.mode == STRAIGHT:
        from scipy.spatial import cKDTree

        pts = np.column_stack([payload.cell_x[cells], payload.cell_y[cells]])
        fac = np.column_stack([payload.fac_x[rows], payload.fac_y[rows]])
        dist, idx = cKDTree(fac).query(pts, k=1)
        speed = payload.straight_speed_kmh / 3.6
        time = dist * payload.detour_factor / speed
        od = None
        if want_od:
            from scipy.spatial.distance import cdist

            od = cdist(pts, fac) * payload.detour_factor / speed
            if od_limit is not None:
                od[od > od_limit] = np.inf
        return TaskResult(
            task, time, dist, rows[idx].astype(np.int64), od, rows if want_od else None
        )

    net = payload.networks.get(task.mode)
    if net is None:
        raise AccessError(f"no network for mode {task.mode!r}; have: {', '.join(payload.networks)}")
    from nahraum.access import route

    origins = _subset(payload.snapped_cells[task.mode], np.arange(task.start, task.stop))
    dests = _subset(payload.snapped_facilities[task.mode], rows)
    res = route.nearest(net, origins, dests, k=1)
    idx = np.asarray(res.index)[:, 0]
    facility = np.where(idx >= 0, rows[np.maximum(idx, 0)], -1).astype(np.int64)
    od = route.od_matrix(net, origins, dests, weight="time", max_cost=od_limit) if want_od else None
    return TaskResult(
        task,
        np.asarray(res.time_s)[:, 0].astype(float),
        np.asarray(res.distance_m)[:, 0].astype(float),
        facility,
        od,
        rows if want_od else None,
    )


# --------------------------------------------------------------------------------------------
# Runners
# --------------------------------------------------------------------------------------------

_WORKER_PAYLOAD: Payload | None = None


def _init_worker(payload: Payload) -> None:
    global _WORKER_PAYLOAD
    _WORKER_PAYLOAD = payload


def _run_in_worker(task: Task) -> TaskResult:
    assert _WORKER_PAYLOAD is not None, "worker not initialised"
    return compute_task(_WORKER_PAYLOAD, task)


def run_tasks(
    payload: Payload,
    tasks: Sequence[Task],
    *,
    runner: str = "local",
    workers: int | None = None,
    client: Any = None,
    progress: Progress | None = None,
) -> list[TaskResult]:
    """Compute every task with the chosen runner; results in the order of ``tasks``.

    ``runner="dask"`` uses ``client`` if given, else connects to the scheduler named by the
    environment variable ``NAHRAUM_DASK_SCHEDULER``, else starts a local cluster of processes.
    ``progress(done, total, "mode/type")`` after each task (see :mod:`.progress`).
    """
    if runner not in RUNNERS:
        raise AccessError(f"unknown runner {runner!r}; known: {', '.join(RUNNERS)}")
    total = len(tasks)
    results: list[TaskResult | None] = [None] * total

    def done(i: int, res: TaskResult) -> None:
        results[i] = res
        if progress is not None:
            progress(
                sum(r is not None for r in results), total, f"{res.task.mode}/{res.task.type_key}"
            )

    if runner == "local" or total == 0:
        for i, task in enumerate(tasks):
            done(i, compute_task(payload, task))
    elif runner == "processes":
        import multiprocessing

        n = workers or min(total, os.cpu_count() or 1)
        # "spawn": workers start clean (no inherited threads, DB connections or locks).
        ctx = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(
            n, mp_context=ctx, initializer=_init_worker, initargs=(payload,)
        ) as pool:
            futures = {pool.submit(_run_in_worker, t): i for i, t in enumerate(tasks)}
            for fut in as_completed(futures):
                done(futures[fut], fut.result())
    else:
        from distributed import Client, LocalCluster
        from distributed import as_completed as dask_completed

        own_client = client is None
        cluster = None
        if own_client:
            address = os.environ.get("NAHRAUM_DASK_SCHEDULER")
            if address:
                client = Client(address)
            else:
                import logging

                cluster = LocalCluster(
                    processes=True,
                    n_workers=workers or 2,
                    threads_per_worker=1,
                    dashboard_address=None,
                    silence_logs=logging.ERROR,
                )
                client = Client(cluster)
        try:
            shared = client.scatter(payload, broadcast=True)
            futures = [client.submit(compute_task, shared, t, pure=False) for t in tasks]
            index = {f.key: i for i, f in enumerate(futures)}
            for fut in dask_completed(futures):
                done(index[fut.key], fut.result())
        finally:
            if own_client:
                client.close()
                if cluster is not None:
                    cluster.close()
    return [r for r in results if r is not None]


def assemble(results: Sequence[TaskResult], n_cells: int) -> list[Travel]:
    """Join the origin blocks of every (mode, type) into one :class:`Travel` per pair."""
    pairs: dict[tuple[str, str], list[TaskResult]] = {}
    for r in results:
        pairs.setdefault((r.task.mode, r.task.type_key), []).append(r)
    out = []
    for (mode, type_key), parts in pairs.items():
        parts.sort(key=lambda r: r.task.start)
        covered = sum(p.task.stop - p.task.start for p in parts)
        if covered != n_cells:
            raise AccessError(f"{mode}/{type_key}: blocks cover {covered} of {n_cells} cells")
        od = None
        if parts[0].od_time_s is not None:
            od = np.vstack([p.od_time_s for p in parts])
        out.append(
            Travel(
                mode=mode,
                type_key=type_key,
                time_s=np.concatenate([p.time_s for p in parts]),
                distance_m=np.concatenate([p.distance_m for p in parts]),
                facility=np.concatenate([p.facility for p in parts]),
                od_time_s=od,
                od_facility=parts[0].od_facility,
            )
        )
    return out
