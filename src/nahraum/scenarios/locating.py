"""Location planning on the region's data: candidates, travel costs, norms, target groups.

The optimisation itself is :mod:`nahraum.access.locate` (pure); this module builds its inputs
from the same arrays the analysis uses (:func:`nahraum.analysis.services.load_inputs`), so a
location found here is judged by the travel times the supply pages show.

Candidate sites are either a list given by the planner (name, latitude, longitude — e.g. empty
shops, municipal plots) or "all settled places": the centres of the populated cells, the
question "if we could put it anywhere people live, where?". Existing facilities of the type
enter as today's supply (nobody's cost gets worse than today; people within the norm today need
no new site) unless ``replace_existing`` asks which of them to keep.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from django.core.exceptions import ValidationError

from nahraum.access import locate as engine
from nahraum.access.indicators import DETOUR_FACTOR, STRAIGHT_SPEED_KMH
from nahraum.access.projection import to_utm, to_wgs84
from nahraum.region.models import AGE_BANDS, FacilityType, Norm, Region, planar_crs

from .geo import region_shape

#: Default speed for the straight-line fallback per mode (km/h), used when no network exists.
STRAIGHT_SPEEDS_KMH = {"walk": STRAIGHT_SPEED_KMH, "bike": 15.0, "car": 40.0}
#: Beyond this many candidates the solve gets slow on the demo machine; refuse, say why.
MAX_CANDIDATES = 5000


@dataclass
class Candidate:
    name: str
    lat: float
    lon: float
    facility_key: str | None = None


@dataclass
class LocationProblem:
    region: Region
    facility_type: FacilityType
    mode: str
    method: str
    k: int | None
    norm_minutes: float | None
    target_bands: list[str]
    candidates: list[Candidate]
    cost_s: np.ndarray
    weights: np.ndarray
    baseline_s: np.ndarray | None
    notes: list[str] = field(default_factory=list)
    cell_lon: np.ndarray | None = None
    cell_lat: np.ndarray | None = None


def default_norm_minutes(facility_type: FacilityType, mode: str) -> float | None:
    """The type's general norm in minutes for the mode (area kind "any", no age band)."""
    norm = (
        Norm.objects.filter(facility_type=facility_type, mode=mode, max_minutes__isnull=False)
        .order_by("area_kind")
        .first()
    )
    return norm.max_minutes if norm else None


def parse_candidates(text: str) -> list[Candidate]:
    """Read "name; lat; lon" lines (also comma or tab separated, lat/lon with a decimal point).

    Errors name the line: "line 3: latitude 'x' is not a number".
    """
    out: list[Candidate] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        sep = ";" if ";" in line else ("\t" if "\t" in line else ",")
        parts = [p.strip() for p in line.split(sep)]
        if len(parts) == 2:
            parts = [f"#{number}", *parts]
        if len(parts) != 3:
            raise ValidationError(
                f"line {number}: expected 'name; latitude; longitude', got {line!r}"
            )
        name, lat_s, lon_s = parts
        try:
            lat, lon = float(lat_s), float(lon_s)
        except ValueError as exc:
            raise ValidationError(
                f"line {number}: latitude {lat_s!r} or longitude {lon_s!r} is not a number"
            ) from exc
        out.append(Candidate(name or f"#{number}", lat, lon))
    return out


def settled_candidates(inputs: Any, limit: int | None = None, seed: int = 0) -> list[Candidate]:
    """Centres of the populated cells (a random sample of ``limit`` of them if given)."""
    cells = inputs.cells
    rows = np.flatnonzero(cells["population"].to_numpy(dtype=float) > 0)
    if limit is not None and rows.size > limit:
        rows = np.sort(np.random.default_rng(seed).choice(rows, limit, replace=False))
    from nahraum.region.models import District

    lon, lat = to_wgs84(
        cells["x"].to_numpy()[rows], cells["y"].to_numpy()[rows], planar_crs(inputs.region_id)
    )
    keys = cells["key"].to_numpy()[rows]
    districts = cells["district_id"].to_numpy()[rows]
    names = dict(
        District.objects.filter(pk__in=[d for d in set(districts) if d is not None]).values_list(
            "pk", "name"
        )
    )
    return [
        Candidate(f"{names[d]} ({k})" if d in names else str(k), float(a), float(o))
        for k, d, a, o in zip(keys, districts, lat, lon, strict=True)
    ]


def _costs(inputs: Any, mode: str, x: np.ndarray, y: np.ndarray, notes: list[str]) -> np.ndarray:
    """Travel time (s) from every cell to every point (x, y): network if present, else straight."""
    cx = inputs.cells["x"].to_numpy(dtype=float)
    cy = inputs.cells["y"].to_numpy(dtype=float)
    net = inputs.networks.get(mode)
    if net is not None:
        from nahraum.access.route import od_matrix
        from nahraum.access.snap import snap

        origins = snap(net, cx, cy)
        dests = snap(net, x, y)
        return np.asarray(od_matrix(net, origins, dests, weight="time"), dtype=float)
    speed = STRAIGHT_SPEEDS_KMH[mode] / 3.6
    notes.append(
        f"no {mode} network: straight-line distance × {DETOUR_FACTOR} at {speed * 3.6:g} km/h"
    )
    d = np.hypot(cx[:, None] - x[None, :], cy[:, None] - y[None, :])
    return d * DETOUR_FACTOR / speed


def build_problem(
    region: Region,
    inputs: Any,
    *,
    type_key: str,
    method: str,
    k: int | None,
    mode: str = "walk",
    norm_minutes: float | None = None,
    target_bands: list[str] | None = None,
    candidates: list[Candidate],
    replace_existing: bool = False,
) -> LocationProblem:
    """Check the question and compute its cost matrix; errors name the bad part."""
    if method not in engine.METHODS:
        raise ValidationError(
            {"method": f"unknown method {method!r}; known: {', '.join(engine.METHODS)}"}
        )
    if mode not in STRAIGHT_SPEEDS_KMH:
        raise ValidationError({"mode": f"unknown mode {mode!r}; known: walk, bike, car"})
    facility_type = FacilityType.objects.filter(key=type_key).first()
    if facility_type is None:
        raise ValidationError({"facility_type": f"unknown facility type {type_key!r}"})
    bands = list(target_bands or [])
    unknown = sorted(set(bands) - set(AGE_BANDS))
    if unknown:
        raise ValidationError({"target_bands": f"unknown age band(s) {', '.join(unknown)}"})
    if method != "p_median":
        norm_minutes = norm_minutes or default_norm_minutes(facility_type, mode)
        if not norm_minutes or norm_minutes <= 0:
            raise ValidationError(
                {"norm_minutes": f"{facility_type.key} has no {mode} norm in minutes; give one"}
            )
    if method != "set_cover" and (k is None or k < 1):
        raise ValidationError({"k": "give the number of sites k (at least 1)"})
    if not candidates:
        raise ValidationError({"candidates": "no candidate sites given"})
    if len(candidates) > MAX_CANDIDATES:
        raise ValidationError(
            {
                "candidates": f"{len(candidates)} candidates; "
                f"at most {MAX_CANDIDATES} are solved here"
            }
        )
    outline = region_shape(region.pk).outline
    import shapely

    inside = [c for c in candidates if outline.covers(shapely.Point(c.lon, c.lat))]
    notes: list[str] = []
    dropped = [c.name for c in candidates if c not in inside]
    if dropped:
        notes.append(
            f"{len(dropped)} candidate(s) outside the region left out: {', '.join(dropped[:10])}"
        )
    if not inside:
        raise ValidationError(
            {
                "candidates": "no valid candidate site: all "
                f"{len(candidates)} lie outside the region ({', '.join(dropped[:5])})"
            }
        )
    cx, cy = to_utm([c.lon for c in inside], [c.lat for c in inside], region.crs)
    cost = _costs(inputs, mode, np.asarray(cx), np.asarray(cy), notes)
    cells = inputs.cells
    cols = bands or ["population"]
    weights = (
        cells[cols].to_numpy(dtype=float).sum(axis=1)
        if bands
        else cells["population"].to_numpy(dtype=float)
    )
    if not np.isfinite(cost).any(axis=0).any():
        raise ValidationError(
            {
                "candidates": "no valid candidate site: none can be reached by "
                f"{mode} from any populated place"
            }
        )
    baseline = None
    fac = inputs.facilities
    existing = fac[fac["type_key"] == type_key]
    if not replace_existing and len(existing):
        base = _costs(
            inputs, mode, existing["x"].to_numpy(float), existing["y"].to_numpy(float), []
        )
        baseline = base.min(axis=1)
        notes.append(f"{len(existing)} existing {type_key} facilities count as today's supply")
    lon, lat = to_wgs84(cells["x"].to_numpy(float), cells["y"].to_numpy(float), region.crs)
    return LocationProblem(
        region=region,
        facility_type=facility_type,
        mode=mode,
        method=method,
        k=k,
        norm_minutes=norm_minutes,
        target_bands=bands,
        candidates=inside,
        cost_s=cost,
        weights=weights,
        baseline_s=baseline,
        notes=notes,
        cell_lon=lon,
        cell_lat=lat,
    )


def solve_problem(problem: LocationProblem, *, time_limit_s: float = 60.0) -> engine.LocateResult:
    kwargs: dict[str, Any] = {"baseline_cost": problem.baseline_s, "time_limit_s": time_limit_s}
    if problem.method != "p_median":
        kwargs["max_cost"] = problem.norm_minutes * 60.0
    if problem.method != "set_cover":
        kwargs["k"] = problem.k
    try:
        return engine.solve(problem.method, problem.cost_s, problem.weights, **kwargs)
    except engine.LocateError as exc:
        raise ValidationError(str(exc)) from exc


def result_rows(problem: LocationProblem, result: engine.LocateResult) -> list[dict]:
    """One row per chosen site: name, place and the people it serves first (nearest to it)."""
    chosen = np.asarray(result.chosen, dtype=int)
    rows = []
    if chosen.size == 0:
        return rows
    sub = problem.cost_s[:, chosen]
    nearest = np.argmin(np.where(np.isfinite(sub), sub, np.inf), axis=1)
    best = sub[np.arange(sub.shape[0]), nearest]
    base = problem.baseline_s if problem.baseline_s is not None else np.full(sub.shape[0], np.inf)
    limit = (problem.norm_minutes or np.inf) * 60.0
    for pos, j in enumerate(chosen):
        mine = (nearest == pos) & (best < base) & np.isfinite(best)
        within = mine & (best <= limit)
        c = problem.candidates[j]
        rows.append(
            {
                "index": int(j),
                "name": c.name,
                "lat": c.lat,
                "lon": c.lon,
                "people_served": float(problem.weights[mine].sum()),
                "people_within_norm": float(problem.weights[within].sum())
                if problem.norm_minutes
                else None,
            }
        )
    return rows


def greedy_rows(problem: LocationProblem, result: engine.LocateResult) -> list[dict]:
    return [
        {
            "index": int(j),
            "name": problem.candidates[j].name,
            "lat": problem.candidates[j].lat,
            "lon": problem.candidates[j].lon,
        }
        for j in result.greedy.chosen
    ]


METHOD_NAMES = {
    "max_coverage": "maximal coverage",
    "p_median": "p-median",
    "set_cover": "set cover",
}


def answer(problem: LocationProblem, result: engine.LocateResult) -> dict[str, Any]:
    """The answer as plain data (JSON): what the page shows and what a scenario is made from.

    This is what a location-planning job stores as its result, so the page and "make it a
    scenario" read the answer instead of solving again; the cost matrix is not part of it.
    """
    keep_mode = all(c.facility_key for c in problem.candidates)
    chosen = {int(j) for j in result.chosen}
    return {
        "type": problem.facility_type.key,
        "type_name": problem.facility_type.name,
        "method": problem.method,
        "mode": problem.mode,
        "k": problem.k,
        "norm_minutes": problem.norm_minutes,
        "target_bands": list(problem.target_bands),
        "sites": result_rows(problem, result),
        "greedy_sites": greedy_rows(problem, result),
        "objective": float(result.objective),
        "bound": float(result.bound),
        "greedy_objective": float(result.greedy.objective),
        "gap": float(result.gap),
        "status": result.status,
        "solve_time_s": float(result.solve_time_s),
        "notes": [*problem.notes, *result.notes],
        "n_candidates": len(problem.candidates),
        "n_cells": int(problem.cost_s.shape[0]),
        "target_weight": float(problem.weights.sum()),
        "keep_mode": keep_mode,
        "closed_keys": [
            str(c.facility_key)
            for j, c in enumerate(problem.candidates)
            if keep_mode and j not in chosen
        ],
    }


def solve_question(
    region: Region,
    *,
    type_key: str,
    method: str,
    k: int | None,
    mode: str,
    norm_minutes: float | None = None,
    target_bands: list[str] | None = None,
    candidate_source: str = "settled",
    candidates_text: str = "",
    progress: Any = None,
    time_limit_s: float = 30.0,
) -> dict[str, Any]:
    """Build and solve the question the location page asks; the answer as :func:`answer` data.

    ``progress(done, total, step)`` is told each stage (inputs, travel costs, solve), the
    engine's progress protocol, so that a job shows where it is and can be cancelled between
    stages. Bad input raises ``ValidationError`` naming the field.
    """
    from nahraum.analysis.services import load_inputs

    def tick(done: int, step: str) -> None:
        if progress is not None:
            progress(done, 4, step)

    tick(0, "inputs")
    inputs = load_inputs(region, modes=[mode])
    if candidate_source == "list":
        candidates = parse_candidates(candidates_text)
    elif candidate_source == "keep":
        candidates = existing_candidates(inputs, type_key)
    else:
        candidates = settled_candidates(inputs, limit=MAX_CANDIDATES)
    tick(1, "costs")
    problem = build_problem(
        region,
        inputs,
        type_key=type_key,
        method=method,
        k=k,
        mode=mode,
        norm_minutes=norm_minutes,
        target_bands=target_bands or [],
        candidates=candidates,
        replace_existing=candidate_source == "keep",
    )
    tick(2, "solve")
    result = solve_problem(problem, time_limit_s=time_limit_s)
    tick(3, "answer")
    data = answer(problem, result)
    tick(4, "answer")
    return data


def scenario_from_result(
    problem: LocationProblem,
    result: engine.LocateResult,
    *,
    author=None,
    name: str | None = None,
    municipality=None,
):
    """Turn an answer into a scenario in one step (see :func:`scenario_from_answer`)."""
    return scenario_from_answer(
        problem.region,
        answer(problem, result),
        author=author,
        name=name,
        municipality=municipality,
    )


def scenario_from_answer(
    region: Region,
    data: dict[str, Any],
    *,
    author=None,
    name: str | None = None,
    municipality=None,
):
    """Turn a stored answer into a scenario: open the chosen sites (or close the others).

    When the candidates were the existing facilities (``keep_mode``), the question was
    "which to keep", so the scenario closes the ones not chosen; otherwise it opens the chosen.
    All in one transaction: a bad row leaves no scenario behind.
    """
    from django.db import transaction

    from .models import FacilityChange
    from .services import add_facility_change, create_scenario

    method = METHOD_NAMES[data["method"]]
    keep_mode = bool(data["keep_mode"])
    with transaction.atomic():
        scenario = create_scenario(
            region,
            name
            or f"{data['type_name']}: {len(data['sites'])} "
            f"{'kept' if keep_mode else 'new'} ({method})",
            description=(
                f"Location planning, {method}, mode {data['mode']}"
                + (f", norm {data['norm_minutes']:g} min" if data["norm_minutes"] else "")
                + (
                    f", target group {', '.join(data['target_bands'])}"
                    if data["target_bands"]
                    else ""
                )
                + f"; objective {data['objective']:.6g}, gap {data['gap']:.4%}, "
                f"solved in {data['solve_time_s']:.2f} s ({data['status']})."
            ),
            author=author,
            municipality=municipality,
        )
        if keep_mode:
            for key in data["closed_keys"]:
                add_facility_change(
                    scenario,
                    FacilityChange.Action.CLOSE,
                    facility_key=key,
                    note="not kept by the optimiser",
                )
            return scenario
        for site in data["sites"]:
            add_facility_change(
                scenario,
                FacilityChange.Action.OPEN,
                type_key=data["type"],
                name=site["name"],
                lat=site["lat"],
                lon=site["lon"],
                note="chosen by the optimiser",
            )
    return scenario


def existing_candidates(inputs: Any, type_key: str) -> list[Candidate]:
    """The existing facilities of a type as candidates (to decide which to keep)."""
    fac = inputs.facilities[inputs.facilities["type_key"] == type_key]
    lon, lat = to_wgs84(
        fac["x"].to_numpy(float), fac["y"].to_numpy(float), planar_crs(inputs.region_id)
    )
    names = fac["name"].astype(str).tolist() if "name" in fac else fac["key"].astype(str).tolist()
    return [
        Candidate(n or k, float(a), float(o), facility_key=str(k))
        for n, k, a, o in zip(names, fac["key"].astype(str), lat, lon, strict=True)
    ]
