"""Run an analysis: hand the inputs to ``nahraum.access`` (routing via the runner, then the
indicators) and store an :class:`AnalysisRun` with its parameters, input checksums, timings,
indicator values, per-cell results and cross-border flows, all in ONE transaction: a run that
fails at any point leaves nothing half-stored.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from django.db import connection, transaction
from django.utils import timezone

from nahraum.access import AccessError, Progress
from nahraum.access import runner as engine_runner
from nahraum.access.indicators import (
    DETOUR_FACTOR,
    STRAIGHT_SPEED_KMH,
    Indicators,
    Travel,
    compute_indicators,
)
from nahraum.region.models import AGE_BANDS, Region

from .inputs import Inputs, load_inputs
from .models import AnalysisRun, CellResults, CrossBorderFlow, IndicatorValue
from .modes import NETWORK_MODES, STRAIGHT, extra_travel, known_modes, plan_modes
from .results import Results, pack_cells


def _od_limits(inputs: Inputs, type_keys: list[str], modes: list[str]) -> dict:
    """(mode, type) pairs that need an OD matrix for 2SFCA, with the search bound in seconds.

    Only types whose every facility has a capacity, and only modes with a time norm for the
    type (the catchment); the bound is the largest such norm, since no catchment reaches farther.
    """
    caps = inputs.facilities.groupby("type_key")["capacity"].apply(
        lambda s: bool(len(s) and s.notna().all())
    )
    out: dict[tuple[str, str], float] = {}
    for key in type_keys:
        if not bool(caps.get(key, False)):
            continue
        for mode in modes:
            norm_modes = (mode, "walk") if mode == STRAIGHT else (mode,)
            minutes = [
                n["max_minutes"]
                for n in inputs.norms
                if n["type_key"] == key
                and n["mode"] in norm_modes
                and n.get("max_minutes") is not None
            ]
            if minutes:
                out[(mode, key)] = max(minutes) * 60.0
    return out


def run_analysis(
    region: Region,
    *,
    inputs: Inputs | None = None,
    scenario: Any = None,
    modes: Sequence[str] = NETWORK_MODES,
    facility_types: Sequence[str] | None = None,
    store: bool = True,
    runner: str = "local",
    progress: Progress | None = None,
    block_size: int | None = None,
    client: Any = None,
    note: str = "",
    with_run: Callable[[AnalysisRun], Any] | None = None,
) -> AnalysisRun | Results:
    """Analyse the region: travel times, indicators, and (``store=True``) one stored run.

    ``progress(done, total, step)`` (the engine's :class:`~nahraum.access.Progress`) is called
    as work proceeds (step: "load", "route", "indicators", "store"); an exception raised by it
    aborts the run, storing nothing.

    ``with_run(run)`` is called inside the run's own transaction, after its rows are written:
    rows that belong to the run (a scenario's run record) are then stored with it or not at
    all, so a job cancelled or killed at any point leaves no run without its record.
    """
    timings: dict[str, float] = {}
    clock = time.perf_counter()

    def tick(step: str, done: int = 1, total: int = 1) -> None:
        if progress is not None:
            progress(done, total, step)

    t0 = time.perf_counter()
    if inputs is None:
        inputs = load_inputs(region, modes=[m for m in modes if m in NETWORK_MODES])
    elif inputs.region_id != region.pk:
        raise AccessError(f"inputs belong to region #{inputs.region_id}, not to {region.slug!r}")
    timings["load"] = time.perf_counter() - t0
    tick("load")

    available = sorted(set(inputs.facilities["type_key"]))
    known_types = set(inputs.types["key"]) if not inputs.types.empty else set(available)
    if facility_types is None:
        type_keys = available
    else:
        unknown = [k for k in facility_types if k not in known_types]
        if unknown:
            raise AccessError(
                f"unknown facility type(s) {', '.join(map(repr, unknown))}; known: "
                f"{', '.join(sorted(known_types))}"
            )
        type_keys = list(dict.fromkeys(facility_types))
    if not modes:
        raise AccessError("no mode given; known: " + ", ".join(known_modes()))
    engine_modes, extra_modes, notes = plan_modes(modes, inputs)
    notes = [*inputs.notes, *notes]

    # Capacities: an OD matrix for 2SFCA where every facility of a type has one.
    od_limits = _od_limits(inputs, type_keys, engine_modes)

    t0 = time.perf_counter()
    payload, snap_notes = engine_runner.prepare_payload(
        inputs.cells["x"],
        inputs.cells["y"],
        inputs.facilities["x"],
        inputs.facilities["y"],
        inputs.facilities["type_key"],
        networks=inputs.networks,
        modes=engine_modes,
        od_limits=od_limits,
        fac_ids=list(inputs.facilities["key"]),
        cell_ids=list(inputs.cells["key"]),
    )
    notes += snap_notes
    timings["snap"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    tasks = engine_runner.make_tasks(engine_modes, type_keys, len(inputs.cells), block_size)
    results = engine_runner.run_tasks(
        payload,
        tasks,
        runner=runner,
        client=client,
        progress=(lambda d, t, label: tick("route", d, t)) if progress else None,
    )
    travel = engine_runner.assemble(results, len(inputs.cells))
    timings["route"] = time.perf_counter() - t0
    for mode in extra_modes:
        t0 = time.perf_counter()
        travel += extra_travel(mode, inputs, type_keys)
        timings[f"route:{mode}"] = time.perf_counter() - t0

    t0 = time.perf_counter()
    demand = {}
    if not inputs.types.empty:
        demand = {
            k: list(v or [])
            for k, v in zip(inputs.types["key"], inputs.types["demand_age_bands"], strict=True)
        }
    field_of = {}
    if not inputs.types.empty:
        field_of = {
            k: str(f) for k, f in zip(inputs.types["key"], inputs.types["field_id"], strict=True)
        }
    ind = compute_indicators(
        inputs.cells,
        inputs.facilities,
        travel,
        inputs.norms,
        age_bands=AGE_BANDS,
        demand_bands=demand,
        fields=field_of,
    )
    notes += ind.notes
    timings["indicators"] = time.perf_counter() - t0
    tick("indicators")

    uses_straight = STRAIGHT in engine_modes
    is_estimate = bool(inputs.is_estimate or uses_straight)
    parameters = {
        "modes_requested": list(modes),
        "modes": [*engine_modes, *extra_modes],
        "facility_types": type_keys,
        "runner": runner,
        "block_size": block_size,
        "detour_factor": DETOUR_FACTOR if uses_straight else None,
        "straight_speed_kmh": STRAIGHT_SPEED_KMH if uses_straight else None,
        "capacity_method": ind.methods,
        "notes": notes,
        "n_cells": len(inputs.cells),
        "n_facilities": len(inputs.facilities),
        "scenario": getattr(scenario, "pk", None),
    }
    if not store:
        timings["total"] = time.perf_counter() - clock
        return Results(ind.values, ind.flows, travel, parameters, timings, is_estimate)

    t0 = time.perf_counter()
    run = _store(
        region,
        scenario,
        inputs,
        travel,
        ind,
        parameters,
        timings,
        is_estimate,
        note,
        tick,
        with_run,
    )
    timings["store"] = time.perf_counter() - t0
    timings["total"] = time.perf_counter() - clock
    AnalysisRun.objects.filter(pk=run.pk).update(timings=timings)
    run.timings = timings
    return run


def _store(
    region,
    scenario,
    inputs: Inputs,
    travel: list[Travel],
    ind: Indicators,
    parameters: dict,
    timings: dict,
    is_estimate: bool,
    note: str,
    tick,
    with_run: Callable[[AnalysisRun], Any] | None = None,
) -> AnalysisRun:
    """Write the run, its values, cell results and flows in one transaction."""
    type_ids = dict(zip(inputs.types["key"], inputs.types["id"], strict=True))
    field_ids = dict(zip(inputs.types["key"], inputs.types["field_id"], strict=True))
    values = ind.values
    with transaction.atomic():
        run = AnalysisRun.objects.create(
            region=region,
            scenario=scenario,
            status=AnalysisRun.Status.DONE,
            parameters=parameters,
            input_checksums=inputs.checksums,
            timings=timings,
            is_estimate=is_estimate,
            note=note,
        )

        def opt(v):
            return None if v is None or (isinstance(v, float) and np.isnan(v)) else int(v)

        _insert_values(run, values, type_ids, field_ids, is_estimate, tick)
        CrossBorderFlow.objects.bulk_create(
            [
                CrossBorderFlow(
                    run=run,
                    mode=f.mode,
                    facility_type_id=type_ids[f.type_key],
                    home_id=int(f.home_municipality_id),
                    serving_id=opt(f.serving_municipality_id),
                    people=float(f.people),
                )
                for f in ind.flows.itertuples(index=False)
            ]
        )
        CellResults.objects.create(
            run=run, data=pack_cells(inputs, travel), n_cells=len(inputs.cells)
        )
        run.finished = timezone.now()
        run.save(update_fields=["finished"])
        if with_run is not None:
            with_run(run)
        tick("store", 1, 1)
    return run


def _insert_values(
    run: AnalysisRun,
    values: pd.DataFrame,
    type_ids: dict,
    field_ids: dict,
    is_estimate: bool,
    tick,
    batch: int = 10000,
) -> None:
    """Insert the indicator values with one prepared statement (``executemany``; COPY on
    PostgreSQL).

    A run writes tens of thousands of figures; building a model instance per figure and letting
    ``bulk_create`` split them into SQLite's 999-parameter batches took seconds, most of a
    run's time. The statement goes through Django's cursor, inside the run's transaction.
    """

    def ids(col: str) -> list:
        return [None if v is None or v != v else int(v) for v in values[col].tolist()]

    val = values["value"].to_numpy(dtype=float)
    # Field ids travel as strings in "field_key" (the engine knows no database ids).
    fields = [None if v is None or v != v else int(v) for v in values["field_key"].tolist()]
    type_col = [
        None if k is None or k != k else int(type_ids[k]) for k in values["type_key"].tolist()
    ]
    rows = list(
        zip(
            [run.pk] * len(values),
            values["level"].tolist(),
            values["metric"].tolist(),
            values["mode"].tolist(),
            type_col,
            fields,
            ids("municipality_id"),
            ids("district_id"),
            values["area_kind"].fillna("").tolist(),
            values["age_band"].tolist(),
            [float(v) if np.isfinite(v) else None for v in val.tolist()],
            values["population"].astype(float).tolist(),
            ((values["mode"] == STRAIGHT) | is_estimate).tolist(),
            strict=True,
        )
    )
    table = IndicatorValue._meta.db_table
    columns = [
        "run_id",
        "level",
        "metric",
        "mode",
        "facility_type_id",
        "field_id",
        "municipality_id",
        "district_id",
        "area_kind",
        "age_band",
        "value",
        "population",
        "is_estimate",
    ]
    quoted = ", ".join(connection.ops.quote_name(c) for c in columns)
    sql = (
        f"INSERT INTO {connection.ops.quote_name(table)} ({quoted}) "
        f"VALUES ({', '.join(['%s'] * len(columns))})"
    )
    total = max(1, (len(rows) + batch - 1) // batch)
    with connection.cursor() as cursor:
        raw = getattr(cursor, "cursor", None)
        if connection.vendor == "postgresql" and hasattr(raw, "copy"):
            # PostgreSQL: COPY streams the rows in one command, several times faster than
            # even a pipelined executemany (psycopg 3).
            with raw.copy(f"COPY {connection.ops.quote_name(table)} ({quoted}) FROM STDIN") as copy:
                for i, row in enumerate(rows):
                    copy.write_row(row)
                    if (i + 1) % batch == 0:
                        tick("store", (i + 1) // batch, total + 1)
            return
        for i in range(0, len(rows), batch):
            cursor.executemany(sql, rows[i : i + batch])
            tick("store", i // batch + 1, total + 1)
