"""Django glue of the analysis: load the region as arrays, run the engine, store the results.

``load_inputs`` turns the region's records into plain arrays (:class:`Inputs`); scenarios change
a copy of them. ``run_analysis`` hands the arrays to ``nahraum.access`` (routing via the runner,
then the indicators) and stores an :class:`AnalysisRun` with its parameters, input checksums,
timings, indicator values, per-cell results and cross-border flows, all in ONE transaction: a run
that fails at any point leaves nothing half-stored.

Modes: "walk", "bike" and "car" route on the region's street networks; where a mode has no
network the run uses the straight-line estimate (mode "straight", see
``nahraum.access.indicators``) and says so in its parameters. Further modes (public transport)
plug in with :func:`register_mode`.
"""

from __future__ import annotations

import copy
import hashlib
import io
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
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
from nahraum.access.projection import to_utm
from nahraum.region.models import (
    AGE_BANDS,
    District,
    Facility,
    FacilityType,
    Municipality,
    Norm,
    PopulationCell,
    Region,
)

from .models import AnalysisRun, CellResults, CrossBorderFlow, IndicatorValue

NETWORK_MODES: tuple[str, ...] = ("walk", "bike", "car")
STRAIGHT = "straight"

#: Extra modes: name → fn(inputs, facility_type_keys) → {type_key: time_s per cell, or a dict
#: with "time_s" and optionally "distance_m" and "facility" (row index into inputs.facilities)}.
_MODE_PROVIDERS: dict[str, Callable[[Inputs, list[str]], dict[str, Any]]] = {}


def register_mode(name: str, fn: Callable[[Inputs, list[str]], dict[str, Any]]) -> None:
    """Make ``name`` a mode of ``run_analysis`` computed by ``fn`` (e.g. "transit").

    ``fn(inputs, type_keys)`` returns, per facility type, the travel time in seconds from every
    cell (``np.inf`` where unreachable) — or a dict with ``time_s`` and optionally ``distance_m``
    and ``facility`` (row into ``inputs.facilities``, -1 where none), which enables the
    cross-border figures for the mode.
    """
    if not name or len(name) > 10:
        raise AccessError(f"mode name {name!r} must have 1 to 10 characters")
    if name in NETWORK_MODES or name == STRAIGHT:
        raise AccessError(f"mode {name!r} is built in and cannot be replaced")
    _MODE_PROVIDERS[name] = fn


def known_modes() -> list[str]:
    return [*NETWORK_MODES, STRAIGHT, *sorted(_MODE_PROVIDERS)]


@dataclass
class Inputs:
    """Everything a run needs, as arrays. Scenarios change a copy (:meth:`copy`)."""

    region_id: int
    cells: (
        pd.DataFrame
    )  # key, x, y, lon, lat, population, <age bands>, district_id, municipality_id, area_kind
    facilities: (
        pd.DataFrame
    )  # key, type_key, x, y, lon, lat, capacity, municipality_id, district_id, area_kind, name
    networks: dict[str, Any]  # mode → nahraum.access.network.Network; may be empty
    norms: list[dict]
    checksums: dict[str, str]
    types: pd.DataFrame = field(default_factory=pd.DataFrame)  # key, id, field_id, demand_age_bands
    is_estimate: bool = False
    notes: list[str] = field(default_factory=list)

    def copy(self) -> Inputs:
        """A copy whose tables may be changed freely (networks are shared, they are read-only)."""
        return Inputs(
            region_id=self.region_id,
            cells=self.cells.copy(),
            facilities=self.facilities.copy(),
            networks=dict(self.networks),
            norms=copy.deepcopy(self.norms),
            checksums=dict(self.checksums),
            types=self.types.copy(),
            is_estimate=self.is_estimate,
            notes=list(self.notes),
        )


@dataclass
class Results:
    """A run's results when not stored (``store=False``), e.g. for quick scenario comparisons."""

    values: pd.DataFrame
    flows: pd.DataFrame
    travel: list[Travel]
    parameters: dict
    timings: dict
    is_estimate: bool


# --------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------


def _load_networks(region: Region, modes: Sequence[str]) -> tuple[dict[str, Any], dict[str, str]]:
    """The region's street networks for ``modes`` (from the cache, or built from its OSM file)."""
    try:
        from nahraum.analysis import network as network_glue
    except ImportError:
        return {}, {}
    loader = getattr(network_glue, "load_networks", None)
    if loader is None:
        return {}, {}
    networks = (loader(region, list(modes)) or {}) if modes else {}
    return dict(networks), {f"network:{m}": n.checksum for m, n in networks.items()}


def _hash_frame(frame: pd.DataFrame) -> str:
    if frame.empty:
        return hashlib.sha256(b"").hexdigest()
    hashed = pd.util.hash_pandas_object(frame.astype(str), index=False).to_numpy()
    return hashlib.sha256(hashed.tobytes() + ",".join(frame.columns).encode()).hexdigest()


def load_inputs(
    region: Region, *, with_networks: bool = True, modes: Sequence[str] = NETWORK_MODES
) -> Inputs:
    """The region's cells, facilities, norms and networks (for ``modes``) as arrays, with checksums."""
    districts = {
        d.pk: d
        for d in District.objects.filter(municipality__region=region).select_related("source")
    }
    cell_rows = list(
        PopulationCell.objects.filter(region=region)
        .order_by("pk")
        .values(
            "key",
            "lon",
            "lat",
            "population",
            "population_by_age",
            "district_id",
            "municipality_id",
            "is_estimate",
            "source_id",
        )
    )
    notes: list[str] = []
    if not cell_rows:
        raise AccessError(f"region {region.slug!r} has no population cells; import some first")
    cells = pd.DataFrame(cell_rows)
    ages = pd.DataFrame(
        [{b: int((r["population_by_age"] or {}).get(b, 0)) for b in AGE_BANDS} for r in cell_rows]
    )
    no_ages = cells["population_by_age"].map(lambda v: not v) & (cells["population"] > 0)
    if no_ages.any():
        notes.append(
            f"{int(no_ages.sum())} cells have no age structure; age-band figures leave them out"
        )
    cells = pd.concat([cells.drop(columns=["population_by_age"]), ages], axis=1)
    kinds = {pk: d.kind for pk, d in districts.items()}
    muni_of = {pk: d.municipality_id for pk, d in districts.items()}
    cells["municipality_id"] = [
        m if m is not None else muni_of.get(d)
        for m, d in zip(cells["municipality_id"], cells["district_id"], strict=True)
    ]
    outside = cells["municipality_id"].isna()
    if outside.any():
        raise AccessError(
            f"{int(outside.sum())} population cells lie in no municipality of the region, "
            f"e.g. {', '.join(cells.loc[outside, 'key'].head(5))}"
        )
    cells["area_kind"] = [kinds.get(d, "village") for d in cells["district_id"]]
    no_district = cells["district_id"].isna()
    if no_district.any():
        notes.append(f"{int(no_district.sum())} cells lie in no district; counted as villages")
    cells["district_id"] = (
        cells["district_id"].astype("Int64").astype(object).where(~no_district, None)
    )
    x, y = to_utm(cells["lon"].to_numpy(), cells["lat"].to_numpy())
    cells["x"], cells["y"] = x, y

    munis = list(Municipality.objects.filter(region=region).values_list("pk", flat=True))
    fac_rows = list(
        Facility.objects.filter(municipality__in=munis)
        .order_by("pk")
        .values(
            "key",
            "name",
            "type__key",
            "lon",
            "lat",
            "capacity",
            "municipality_id",
            "district_id",
            "is_estimate",
            "source_id",
        )
    )
    facilities = pd.DataFrame(
        fac_rows,
        columns=[
            "key",
            "name",
            "type__key",
            "lon",
            "lat",
            "capacity",
            "municipality_id",
            "district_id",
            "is_estimate",
            "source_id",
        ],
    ).rename(columns={"type__key": "type_key"})
    facilities["area_kind"] = [kinds.get(d) for d in facilities["district_id"]]
    fx, fy = to_utm(facilities["lon"].to_numpy(float), facilities["lat"].to_numpy(float))
    facilities["x"], facilities["y"] = fx, fy
    facilities["capacity"] = pd.to_numeric(facilities["capacity"], errors="coerce")

    type_rows = list(FacilityType.objects.values("id", "key", "field_id", "demand_age_bands"))
    types = pd.DataFrame(type_rows, columns=["id", "key", "field_id", "demand_age_bands"])
    norms = [
        {
            "type_key": n.facility_type.key,
            "mode": n.mode,
            "max_minutes": n.max_minutes,
            "max_metres": n.max_metres,
            "area_kind": n.area_kind,
            "age_bands": list(n.age_bands or []),
            "label_de": n.label_de,
            "label_en": n.label_en,
            "source": n.source,
        }
        for n in Norm.objects.select_related("facility_type").order_by("pk")
    ]
    wanted = [m for m in modes if m in NETWORK_MODES]
    networks, net_sums = _load_networks(region, wanted) if with_networks else ({}, {})

    source_ids = set(cells["source_id"]) | set(facilities["source_id"]) | {region.source_id}
    source_ids |= {d.source_id for d in districts.values()}
    from nahraum.region.models import DataSource

    sources = DataSource.objects.filter(pk__in=source_ids)
    is_estimate = (
        bool(cells["is_estimate"].any())
        or bool(facilities["is_estimate"].any())
        or any(d.is_estimate for d in districts.values())
        or sources.filter(is_illustrative=True).exists()
    )
    checksums = {
        "db:cells": _hash_frame(cells.drop(columns=["x", "y"])),
        "db:facilities": _hash_frame(facilities.drop(columns=["x", "y"])),
        "db:norms": hashlib.sha256(json.dumps(norms, sort_keys=True).encode()).hexdigest(),
        **{f"source:{s.key}": s.checksum for s in sources if s.checksum},
        **net_sums,
    }
    return Inputs(
        region_id=region.pk,
        cells=cells,
        facilities=facilities,
        networks=networks,
        norms=norms,
        checksums=checksums,
        types=types,
        is_estimate=is_estimate,
        notes=notes,
    )


# --------------------------------------------------------------------------------------------
# Running
# --------------------------------------------------------------------------------------------


def _plan_modes(modes: Sequence[str], inputs: Inputs) -> tuple[list[str], list[str], list[str]]:
    """(network-or-straight modes for the runner, provider modes, notes)."""
    engine, extra, notes = [], [], []
    for mode in modes:
        if mode in _MODE_PROVIDERS:
            extra.append(mode)
        elif mode in NETWORK_MODES:
            if mode in inputs.networks:
                engine.append(mode)
            else:
                notes.append(
                    f"no street network for {mode}: straight-line distance × {DETOUR_FACTOR} "
                    f"at {STRAIGHT_SPEED_KMH:g} km/h used instead (mode 'straight')"
                )
                if STRAIGHT not in engine:
                    engine.append(STRAIGHT)
        elif mode == STRAIGHT:
            if STRAIGHT not in engine:
                engine.append(STRAIGHT)
        else:
            raise AccessError(f"unknown mode {mode!r}; known: {', '.join(known_modes())}")
    return engine, extra, notes


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


def _extra_travel(mode: str, inputs: Inputs, type_keys: list[str]) -> list[Travel]:
    got = _MODE_PROVIDERS[mode](inputs, type_keys)
    n = len(inputs.cells)
    out = []
    for key in type_keys:
        if key not in got:
            continue
        item = got[key]
        if not isinstance(item, dict):
            item = {"time_s": item}
        t = np.asarray(item["time_s"], dtype=float)
        if t.shape != (n,):
            raise AccessError(
                f"mode {mode}, type {key}: {t.shape[0] if t.ndim else 0} times for {n} cells"
            )
        out.append(
            Travel(
                mode,
                key,
                t,
                np.asarray(item.get("distance_m", np.full(n, np.nan)), dtype=float),
                np.asarray(item.get("facility", np.full(n, -1)), dtype=np.int64),
            )
        )
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
) -> AnalysisRun | Results:
    """Analyse the region: travel times, indicators, and (``store=True``) one stored run.

    ``progress(done, total, step)`` (the engine's :class:`~nahraum.access.Progress`) is called
    as work proceeds (step: "load", "route", "indicators", "store"); an exception raised by it
    aborts the run, storing nothing.
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
    engine_modes, extra_modes, notes = _plan_modes(modes, inputs)
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
        travel += _extra_travel(mode, inputs, type_keys)
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
        region, scenario, inputs, travel, ind, parameters, timings, is_estimate, note, tick
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
    """Insert the indicator values with one prepared statement (``executemany``; COPY on PostgreSQL).

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


# --------------------------------------------------------------------------------------------
# Per-cell results
# --------------------------------------------------------------------------------------------


def pack_cells(inputs: Inputs, travel: list[Travel]) -> bytes:
    """The per-cell arrays of a run as compressed ``.npz`` bytes (see :class:`CellResults`)."""
    cells = inputs.cells
    buf = io.BytesIO()
    district = cells["district_id"].map(lambda v: -1 if v is None or pd.isna(v) else int(v))
    np.savez_compressed(
        buf,
        cell_key=np.asarray(cells["key"], dtype=str),
        lon=cells["lon"].to_numpy(float),
        lat=cells["lat"].to_numpy(float),
        district_id=district.to_numpy(np.int64),
        population=cells["population"].to_numpy(float),
        **{f"age_{i}": cells[b].to_numpy(float) for i, b in enumerate(AGE_BANDS)},
        pairs=np.asarray([f"{t.mode}/{t.type_key}" for t in travel], dtype=str),
        time_s=np.vstack([t.time_s for t in travel]).astype(np.float32)
        if travel
        else np.zeros((0, len(cells)), np.float32),
        distance_m=np.vstack([t.distance_m for t in travel]).astype(np.float32)
        if travel
        else np.zeros((0, len(cells)), np.float32),
        facility=np.vstack([t.facility for t in travel]).astype(np.int32)
        if travel
        else np.zeros((0, len(cells)), np.int32),
        facility_key=np.asarray(inputs.facilities["key"], dtype=str),
        facility_name=np.asarray(inputs.facilities["name"].fillna(""), dtype=str),
    )
    return buf.getvalue()


def unpack_cells(run: AnalysisRun) -> dict[str, np.ndarray] | None:
    """The per-cell arrays of a run, or None if it stored none."""
    try:
        blob = run.cell_results.data
    except CellResults.DoesNotExist:
        return None
    with np.load(io.BytesIO(bytes(blob)), allow_pickle=False) as z:
        return {k: z[k] for k in z.files}


def latest_run(region: Region | None = None, *, scenario: Any = None) -> AnalysisRun | None:
    """The newest finished baseline run (or of ``scenario``) of the region."""
    qs = AnalysisRun.objects.filter(status=AnalysisRun.Status.DONE, scenario=scenario)
    if region is not None:
        qs = qs.filter(region=region)
    return qs.order_by("-started", "-pk").first()
