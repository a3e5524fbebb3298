"""Run a scenario through the same engine as the baseline, and compare two runs.

The comparison answers the planners' questions in this order:

1. **Every indicator, per district and field** — the indicator values of both runs side by side
   with their difference (same keys: level, metric, mode, facility type, district, area kind,
   age band).
2. **Who gains and who loses** — from the per-cell travel times of both runs: people whose trip
   got shorter or longer, people who newly reach a facility within the norm and people who newly
   do not, and per Ortsteil (the places) the same counts. People are counted as the scenario
   has them (after a projection, the projected people), so "200 people lose" means 200 people
   living there in the scenario's target year.
3. **Core town vs villages and across the border** — the ``core_village_*`` and
   ``cross_border_share`` rows of (1), before and after.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from nahraum.access.indicators import norm_thresholds
from nahraum.analysis.models import AnalysisRun, IndicatorValue
from nahraum.analysis.services import latest_run, load_inputs, run_analysis, unpack_cells
from nahraum.region.models import District

from .apply import apply_scenario
from .drt import MODE as DRT_MODE
from .models import Scenario, ScenarioRun

DEFAULT_MODES: tuple[str, ...] = ("walk", "bike", "car")
#: the registered mode of buses and trains (nahraum.transit); new bus lines run on it
TRANSIT_MODE = "transit"
#: Differences in travel time below this are rounding, not change (seconds).
TIME_TOLERANCE_S = 1.0
KEY = [
    "level",
    "metric",
    "mode",
    "facility_type",
    "district",
    "municipality",
    "area_kind",
    "age_band",
]


def _modes_for(
    applied_drt: list, modes: Sequence[str] | None, bus_lines: list | None = None
) -> list[str]:
    out = list(modes or DEFAULT_MODES)
    if applied_drt and DRT_MODE not in out:
        out.append(DRT_MODE)
    if bus_lines and TRANSIT_MODE not in out:
        out.append(TRANSIT_MODE)  # a new bus line shows in the bus-and-train travel times
    return out


def bus_line_classes(scenario: Scenario, inputs, bus_lines: list[dict]) -> dict | None:
    """ÖV-Güteklassen of the cells without and with the scenario's new bus lines.

    ``None`` when the region has no timetable. People per class for the region, the classes
    of every cell before and after, and the level of each planned stop (not stored on the feed).
    """
    from nahraum.transit.services import active_feed

    from .busline import levels_with_lines

    feed = active_feed(scenario.region)
    if feed is None or not bus_lines:
        return None
    cx = inputs.cells["x"].to_numpy(float)
    cy = inputs.cells["y"].to_numpy(float)
    pop = inputs.cells["population"].to_numpy(float)
    before = levels_with_lines(feed, [], cx, cy)
    after = levels_with_lines(feed, bus_lines, cx, cy)

    def people(classes: list[str]) -> dict[str, float]:
        out: dict[str, float] = {}
        for klass, p in zip(classes, pop, strict=True):
            out[klass or "none"] = out.get(klass or "none", 0.0) + float(p)
        return out

    return {
        "feed": feed.name,
        "service_date": feed.service_date.isoformat(),
        "method": "ARE 2022, departures 06:00–20:00 per direction, straight-line distance",
        "people_before": people(before["classes"]),
        "people_after": people(after["classes"]),
        # only the cells whose class changes (cell key → [before, after]; "" = no class)
        "changed_cells": {
            str(k): [b, a]
            for k, b, a in zip(
                inputs.cells["key"], before["classes"], after["classes"], strict=True
            )
            if a != b
        },
        "new_stops": after["new_stops"],
    }


def baseline_for(
    region, *, modes: Sequence[str], facility_types: Sequence[str] | None, inputs=None
) -> AnalysisRun:
    """The newest baseline run covering the modes and types asked for; else run one now."""
    run = latest_run(region)
    wanted_types = set(facility_types or [])
    if run is not None:
        params = run.parameters or {}
        have_modes = set(params.get("modes_requested") or [])
        have_types = set(params.get("facility_types") or [])
        base_modes = {m for m in modes if m != DRT_MODE}
        if base_modes <= have_modes and (not wanted_types or wanted_types <= have_types):
            if not facility_types and inputs is not None:
                if not set(inputs.facilities["type_key"]) <= have_types:
                    run = None
            if run is not None:
                return run
    return run_analysis(
        region,
        inputs=inputs,
        modes=[m for m in modes if m != DRT_MODE],
        facility_types=facility_types,
        note="baseline for a scenario comparison",
    )


def run_scenario(
    scenario: Scenario,
    *,
    modes: Sequence[str] | None = None,
    facility_types: Sequence[str] | None = None,
    baseline: AnalysisRun | None = None,
    progress=None,
) -> ScenarioRun:
    """Apply the scenario to the baseline inputs, run the engine, store the run and its log.

    The analysis run, its figures and the scenario's run record are written in ONE transaction
    (``run_analysis(with_run=…)``), so a run cancelled or killed midway leaves nothing
    half-written. ``progress(done, total, step)`` is the engine's progress protocol.
    """
    region = scenario.region
    wanted = list(modes or DEFAULT_MODES)
    base_inputs = load_inputs(
        region,
        modes=[m for m in wanted if m in DEFAULT_MODES] + (["car"] if "car" not in wanted else []),
    )  # car: for a DRT
    applied = apply_scenario(scenario, base_inputs)
    run_modes = _modes_for(applied.drt, modes, applied.bus_lines)
    if baseline is None:
        baseline = baseline_for(
            region, modes=run_modes, facility_types=facility_types, inputs=base_inputs
        )
    types = facility_types or (baseline.parameters or {}).get("facility_types") or None
    if types:
        # a type the scenario opens for the first time must be analysed too
        fac = applied.inputs.facilities
        added = fac.loc[fac["key"].astype(str).str.startswith("scenario:"), "type_key"].unique()
        types = list(dict.fromkeys([*types, *added]))
    log = list(applied.log)
    classes = bus_line_classes(scenario, applied.inputs, applied.bus_lines)
    if classes is not None:
        log.append(
            {
                "scenario": scenario.name,
                "kind": "bus_line_classes",
                "text": "ÖV-Güteklassen with the new bus lines (people per class): "
                f"{classes['people_before']} → {classes['people_after']}",
                **classes,
            }
        )
    made: list[ScenarioRun] = []

    def record(run: AnalysisRun) -> None:
        # inside the run's transaction: the run, its values and this record, or nothing
        made.append(
            ScenarioRun.objects.create(scenario=scenario, run=run, baseline=baseline, log=log)
        )

    run_analysis(
        region,
        inputs=applied.inputs,
        scenario=scenario,
        modes=run_modes,
        facility_types=types,
        progress=progress,
        note=f"scenario {scenario.name}",
        with_run=record,
    )
    srun = made[0]
    srun.run.refresh_from_db(fields=["timings"])
    return srun


def rerun_type(scenario: Scenario, type_key: str, *, mode: str = "walk", base_inputs=None) -> dict:
    """Re-run one facility type for the whole region with the scenario applied (not stored).

    This is the interactive path of the editor: apply, route, indicators — no database writes.
    Returns the region-level figures and the timings.
    """
    start = time.perf_counter()
    if base_inputs is None:
        base_inputs = load_inputs(scenario.region, modes=[mode] if mode in DEFAULT_MODES else [])
    applied = apply_scenario(scenario, base_inputs)
    res = run_analysis(
        scenario.region,
        inputs=applied.inputs,
        scenario=scenario,
        modes=[mode],
        facility_types=[type_key],
        store=False,
    )
    values = res.values
    region_rows = values[(values["level"] == "region") & (values["age_band"] == "")]
    return {
        "type": type_key,
        "mode": mode,
        "figures": {
            r.metric: (None if pd.isna(r.value) else float(r.value))
            for r in region_rows.itertuples(index=False)
        },
        "seconds": time.perf_counter() - start,
        "timings": res.timings,
    }


# --------------------------------------------------------------------------- comparison


def _values(run: AnalysisRun) -> pd.DataFrame:
    rows = IndicatorValue.objects.filter(run=run).values(
        "level",
        "metric",
        "mode",
        "facility_type__key",
        "district_id",
        "municipality_id",
        "area_kind",
        "age_band",
        "value",
        "population",
    )
    frame = pd.DataFrame(list(rows))
    if frame.empty:
        return pd.DataFrame(columns=[*KEY, "value", "population"])
    frame = frame.rename(
        columns={
            "facility_type__key": "facility_type",
            "district_id": "district",
            "municipality_id": "municipality",
        }
    )
    for col in ("district", "municipality"):
        frame[col] = frame[col].fillna(-1).astype(int)
    return frame


def compare_values(before: AnalysisRun, after: AnalysisRun) -> pd.DataFrame:
    """Every indicator of both runs with its difference (NaN where one run lacks it)."""
    a, b = _values(before), _values(after)
    merged = a.merge(b, on=KEY, how="outer", suffixes=("_before", "_after"))
    merged["change"] = merged["value_after"] - merged["value_before"]
    return merged


def _thresholds(norms: list[dict], mode: str, type_key: str, area_kind: np.ndarray) -> np.ndarray:
    max_s, max_m, has = norm_thresholds(norms, type_key, mode, area_kind, [""])
    # a distance norm with no time norm is judged by the distance in the "straight" mode only;
    # for gains and losses the time threshold is what the cells carry
    return np.where(has[:, 0], max_s[:, 0], np.nan)


def _norms() -> list[dict]:
    """The norms as the engine takes them (see analysis.services.load_inputs)."""
    from nahraum.region.models import Norm

    return [
        {
            "type_key": n.facility_type.key,
            "mode": n.mode,
            "max_minutes": n.max_minutes,
            "max_metres": n.max_metres,
            "area_kind": n.area_kind,
            "age_bands": list(n.age_bands or []),
        }
        for n in Norm.objects.select_related("facility_type").order_by("pk")
    ]


def gains_and_losses(
    before: AnalysisRun, after: AnalysisRun, *, norms: list[dict] | None = None
) -> dict:
    """Per (mode, type): people and Ortsteile whose trip got better or worse.

    Also across the norm: who is newly within it, who newly beyond.
    """
    a, b = unpack_cells(before), unpack_cells(after)
    if a is None or b is None:
        return {"pairs": [], "note": "a run has no per-cell results"}
    if norms is None:
        norms = _norms()
    kinds = dict(
        District.objects.filter(municipality__region=after.region).values_list("id", "kind")
    )
    names = dict(
        District.objects.filter(municipality__region=after.region).values_list("id", "name")
    )
    pos_a = {k: i for i, k in enumerate(a["cell_key"].tolist())}
    idx = np.asarray([pos_a.get(k, -1) for k in b["cell_key"].tolist()])
    common = idx >= 0
    people = b["population"].astype(float)
    district = b["district_id"]
    area_kind = np.asarray([kinds.get(int(d), "village") for d in district], dtype=object)
    pairs_a = {p: i for i, p in enumerate(a["pairs"].tolist())}
    modes_a = {p.split("/", 1)[0] for p in pairs_a}
    out = []
    for p_i, pair in enumerate(b["pairs"].tolist()):
        mode, type_key = pair.split("/", 1)
        t1 = b["time_s"][p_i].astype(float)
        if pair in pairs_a:
            t0 = np.full(t1.shape, np.inf)
            t0[common] = a["time_s"][pairs_a[pair]].astype(float)[idx[common]]
        elif mode not in modes_a:
            t0 = np.full(t1.shape, np.inf)  # a new mode (e.g. a demand-responsive service)
        else:
            continue  # the type was not analysed before: nothing to compare with
        # a demand-responsive service is public transport: judged by the transit norms
        limit = _thresholds(norms, "transit" if mode == DRT_MODE else mode, type_key, area_kind)
        with np.errstate(invalid="ignore"):
            faster = (t1 < t0 - TIME_TOLERANCE_S) | (np.isfinite(t1) & ~np.isfinite(t0))
            slower = (t1 > t0 + TIME_TOLERANCE_S) | (~np.isfinite(t1) & np.isfinite(t0))
            has_norm = ~np.isnan(limit)
            in0 = has_norm & (t0 <= limit)
            in1 = has_norm & (t1 <= limit)
        newly_in = in1 & ~in0
        newly_out = in0 & ~in1
        per_district = []
        for d in np.unique(district):
            m = district == d
            row = {
                "district_id": int(d),
                "district": names.get(int(d), "—"),
                "area_kind": kinds.get(int(d), ""),
                "people": float(people[m].sum()),
                "gain_people": float(people[m & faster].sum()),
                "loss_people": float(people[m & slower].sum()),
                "newly_within_norm": float(people[m & newly_in].sum()),
                "newly_beyond_norm": float(people[m & newly_out].sum()),
            }
            if any(
                row[k]
                for k in ("gain_people", "loss_people", "newly_within_norm", "newly_beyond_norm")
            ):
                per_district.append(row)
        both = np.isfinite(t0) & np.isfinite(t1)
        d_time = np.full(t1.shape, np.nan)
        d_time[both] = t1[both] - t0[both]
        out.append(
            {
                "mode": mode,
                "type": type_key,
                "gain_people": float(people[faster].sum()),
                "loss_people": float(people[slower].sum()),
                "newly_within_norm": float(people[newly_in].sum()),
                "newly_beyond_norm": float(people[newly_out].sum()),
                "gain_places": sum(
                    1 for r in per_district if r["gain_people"] > 0 or r["newly_within_norm"] > 0
                ),
                "loss_places": sum(
                    1 for r in per_district if r["loss_people"] > 0 or r["newly_beyond_norm"] > 0
                ),
                "has_norm": bool(has_norm.any()),
                "districts": per_district,
                "cells": {
                    "lon": b["lon"].tolist(),
                    "lat": b["lat"].tolist(),
                    "change_min": [
                        None if np.isnan(v) else round(float(v) / 60.0, 2) for v in d_time
                    ],
                    "status": [
                        "newly_within"
                        if ni
                        else "newly_beyond"
                        if no
                        else "faster"
                        if f
                        else "slower"
                        if s
                        else "same"
                        for ni, no, f, s in zip(newly_in, newly_out, faster, slower, strict=True)
                    ],
                },
            }
        )
    return {"pairs": out}


def summary_rows(comparison: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """The rows planners look at first: region figures, core vs villages, across the border."""
    total = comparison["age_band"] == ""
    return {
        "region": comparison[total & (comparison["level"] == "region")],
        "core_village": comparison[total & comparison["metric"].str.startswith("core_village")],
        "area_kind": comparison[
            total
            & (comparison["level"] == "area_kind")
            & (comparison["metric"] == "share_within_norm")
        ],
        "cross_border": comparison[total & (comparison["metric"] == "cross_border_share")],
    }


def effect(scenario: Scenario) -> dict[str, Any]:
    """The expected effect of a scenario, for a strategy measure to link to.

    Region-level changes of the share within the norm per mode and type between the scenario's
    newest run and its baseline, plus the gains and losses in people. Empty if never run.
    """
    srun = scenario.scenario_runs.select_related("run", "baseline").first()
    if srun is None or srun.baseline is None:
        return {"scenario": scenario.pk, "name": scenario.name, "run": None, "effects": []}
    comp = compare_values(srun.baseline, srun.run)
    rows = comp[
        (comp["level"] == "region")
        & (comp["age_band"] == "")
        & (comp["metric"] == "share_within_norm")
    ]
    gl = {(p["mode"], p["type"]): p for p in gains_and_losses(srun.baseline, srun.run)["pairs"]}
    effects = []
    for r in rows.itertuples(index=False):
        g = gl.get((r.mode, r.facility_type), {})
        effects.append(
            {
                "mode": r.mode,
                "type": r.facility_type,
                "share_within_norm_before": None
                if pd.isna(r.value_before)
                else float(r.value_before),
                "share_within_norm_after": None if pd.isna(r.value_after) else float(r.value_after),
                "change": None if pd.isna(r.change) else float(r.change),
                "newly_within_norm": g.get("newly_within_norm", 0.0),
                "newly_beyond_norm": g.get("newly_beyond_norm", 0.0),
            }
        )
    return {
        "scenario": scenario.pk,
        "name": scenario.name,
        "run": srun.run_id,
        "baseline": srun.baseline_id,
        "effects": effects,
    }


def population_change(before: AnalysisRun, after: AnalysisRun) -> list[dict]:
    """People per Ortsteil in both runs, in total and aged 75+ (a projection changes both)."""
    from nahraum.region.models import AGE_BANDS

    a, b = unpack_cells(before), unpack_cells(after)
    if a is None or b is None:
        return []
    old = f"age_{AGE_BANDS.index('75+')}"
    rows = []
    names = dict(
        District.objects.filter(municipality__region=after.region).values_list("id", "name")
    )
    for d in sorted(set(a["district_id"].tolist()) | set(b["district_id"].tolist())):
        ma, mb = a["district_id"] == d, b["district_id"] == d
        row = {
            "district_id": int(d),
            "district": names.get(int(d), "—"),
            "people_before": float(a["population"][ma].sum()),
            "people_after": float(b["population"][mb].sum()),
            "aged_75_before": float(a[old][ma].sum()) if old in a else None,
            "aged_75_after": float(b[old][mb].sum()) if old in b else None,
        }
        row["change"] = row["people_after"] - row["people_before"]
        rows.append(row)
    return rows


def quick_check(scenario: Scenario, type_key: str, *, mode: str = "walk") -> dict:
    """Region figures of one facility type, baseline vs scenario, computed now and not stored.

    The editor's "quick check": both sides from the same inputs loaded once, so a planner sees
    within a second what a change does before running the full scenario.
    """
    start = time.perf_counter()
    base_inputs = load_inputs(scenario.region, modes=[mode] if mode in DEFAULT_MODES else [])
    before = run_analysis(
        scenario.region, inputs=base_inputs, modes=[mode], facility_types=[type_key], store=False
    )
    after = rerun_type(scenario, type_key, mode=mode, base_inputs=base_inputs)

    def region_figures(values: pd.DataFrame) -> dict[str, float | None]:
        rows = values[(values["level"] == "region") & (values["age_band"] == "")]
        return {
            r.metric: (None if pd.isna(r.value) else float(r.value))
            for r in rows.itertuples(index=False)
        }

    b = region_figures(before.values)
    rows = [
        {"metric": m, "before": b.get(m), "after": after["figures"].get(m)}
        for m in sorted(set(b) | set(after["figures"]))
    ]
    for r in rows:
        r["change"] = (
            None if r["before"] is None or r["after"] is None else r["after"] - r["before"]
        )
    return {"type": type_key, "mode": mode, "rows": rows, "seconds": time.perf_counter() - start}
