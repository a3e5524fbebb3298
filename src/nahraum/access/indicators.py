"""Supply indicators: from per-cell travel times to figures per Ortsteil, municipality and region.

Pure numpy/pandas (no Django): the analysis app hands in arrays, this module returns tables.

What is computed, for every travel mode and facility type
----------------------------------------------------------
* **Travel time, population-weighted** (``mean_minutes``, ``median_minutes``, ``p90_minutes``):
  every person counts once, so a village of 50 people weighs a fiftieth of a quarter of 2,500.
  The quantile is the *lower weighted quantile*: the smallest travel time ``t`` such that the
  people living at most ``t`` away make up at least the share ``q`` of the unit's people (the
  "inverted CDF" definition; no interpolation, so every reported time is a time somebody really
  has). The mean counts the people who reach a facility at all; people who reach none (too far
  from any road, or no facility of the type reachable) are reported as ``share_unreachable``.
* **Share within the norm** (``share_within_norm``): norms come from ``region.Norm`` with a
  threshold in minutes and/or metres (both must hold when both are set), optionally one per area
  kind (core town / village) and per age band. For each person the most specific norm applies:
  one naming their age band before a general one, one naming their area kind before "any".
  Reported in total (``age_band=""``) and for every age band, so that "people aged 75+ to a GP",
  "children aged 6–9 to a primary school" and "children aged 0–5 to a kita" are rows of the table.
* **Capacity against demand** (``capacity_per_demand``), where a facility type has capacities
  (kita places, school places, GPs): the two-step floating catchment area method (2SFCA; Luo &
  Wang 2003, *Environment and Planning B* 30(6): 865–884), the method behind catchment-based
  supply ratios such as Hamburg's CoSI. Step 1: every facility's capacity is divided by the demand
  (people of the type's demand age bands) living within the catchment threshold of it. Step 2:
  every cell sums the ratios of the facilities within the threshold of it. A unit's value is the
  demand-weighted mean of its cells: "places per child aged 0–5 within reach". The catchment
  threshold is the cell's norm for the demand group; where no travel-time matrix or no norm is
  available the *nearest-facility catchment* is used instead (each cell belongs to the catchment
  of its nearest facility), which is the 2SFCA with the catchment shrunk to a Voronoi cell. The
  method used is reported with every pair. The plain ratio of the capacity located in a unit to
  the demand living there is ``capacity_in_unit_per_demand`` (what a register count would say).
* **Core town vs villages** (``core_village_gap_pp``, ``core_village_ratio``): the share within
  the norm in the core towns minus the share in the villages, in percentage points, and the
  villages' share divided by the core towns' share (1 = parity, below 1 = villages worse off);
  for the region and for each municipality, in total and per age band.
* **Across the border** (``cross_border_share``): the share of people whose nearest facility of
  the type lies in another municipality than their home; and the table of who serves whom
  (people by home municipality × municipality of the nearest facility).

Straight-line estimates
-----------------------
Where a region has no street network the mode is ``"straight"``: the straight-line distance
times a detour factor of :data:`DETOUR_FACTOR` = 1.3, walked at :data:`STRAIGHT_SPEED_KMH`.
Network distances are typically about 1.3 times the distance as the crow flies: Wang, Bette,
Schreckenberg & Guhr (2024), "How much longer do you have to drive than the crow has to fly?",
arXiv:2406.06490; an average radial detour of 1.343 across 300 European cities is reported in
*Environment and Planning B* (2023), doi:10.1177/23998083231168870; Newell (1980) gives about 1.2
for random point pairs in cities. Every figure of this mode carries the mode name "straight".
Norms given for mode "straight" (e.g. BBSR's 1,000 m as the crow flies) compare the straight-line
distance itself; where a type has no such norm, its walking norm is applied to the estimate.

Where the parts live: weighted statistics by group in ``indicators_stats``, norms (and the
core/village comparison, and the straight-line constants) in ``indicators_norms``, capacity
against demand in ``indicators_capacity``; this module builds the table (and re-exports the
parts' public names, so ``from nahraum.access.indicators import norm_thresholds`` keeps working).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .errors import AccessError
from .indicators_capacity import (
    capacity_in_unit_rows,
    capacity_per_cell,
    nearest_catchment,
    two_step_fca,
)
from .indicators_norms import (
    AREA_KINDS,
    DETOUR_FACTOR,
    STRAIGHT_SPEED_KMH,
    balance_rows,
    norm_thresholds,
)
from .indicators_stats import (
    divide_or_nan,
    group_sum,
    grouped_weighted_quantile,
    one_hot,
    worst_served,
)

__all__ = [
    "AREA_KINDS",
    "DETOUR_FACTOR",
    "LEVELS",
    "STRAIGHT_SPEED_KMH",
    "VALUE_COLUMNS",
    "Indicators",
    "Travel",
    "compute_indicators",
    "grouped_weighted_quantile",
    "nearest_catchment",
    "norm_thresholds",
    "two_step_fca",
    "who_serves_whom",
    "worst_served",
]

LEVELS: tuple[str, ...] = ("district", "municipality", "area_kind", "region")

#: Columns of the long indicator table (one row per figure), matching analysis.IndicatorValue.
VALUE_COLUMNS: list[str] = [
    "level",
    "district_id",
    "municipality_id",
    "area_kind",
    "metric",
    "mode",
    "type_key",
    "age_band",
    "value",
    "population",
    "field_key",
]


@dataclass(frozen=True)
class Travel:
    """Travel from every cell to the nearest facility of one type by one mode.

    ``facility`` indexes the rows of the facilities table (-1 where none was reached). ``od_time_s``
    (optional, [n_cells, len(od_facility)]) holds times to every facility of the type listed in
    ``od_facility`` (rows of the facilities table); it lets capacities use the 2SFCA method.
    """

    mode: str
    type_key: str
    time_s: np.ndarray
    distance_m: np.ndarray
    facility: np.ndarray
    od_time_s: np.ndarray | None = None
    od_facility: np.ndarray | None = None


@dataclass
class Indicators:
    """What :func:`compute_indicators` returns."""

    values: pd.DataFrame  # VALUE_COLUMNS
    flows: pd.DataFrame  # mode, type_key, home_municipality_id, serving_municipality_id, people
    methods: dict[str, str] = field(default_factory=dict)  # "mode/type" → capacity method
    notes: list[str] = field(default_factory=list)


# --------------------------------------------------------------------------------------------
# The indicator table
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Unit:
    level: str
    codes: np.ndarray  # [n_cells] group index
    labels: list[tuple]  # per group: (district_id, municipality_id, area_kind)


def _units(cells: pd.DataFrame) -> list[_Unit]:
    out = []
    district = cells["district_id"].to_numpy()
    municipality = cells["municipality_id"].to_numpy()
    kind = cells["area_kind"].astype(str).to_numpy()

    def build(level: str, keys: list[np.ndarray], label) -> _Unit:
        frame = pd.DataFrame({f"k{i}": k for i, k in enumerate(keys)})
        codes, uniques = (
            pd.factorize(pd.MultiIndex.from_frame(frame))
            if len(keys) > 1
            else pd.factorize(keys[0])
        )
        labels = [label(u if isinstance(u, tuple) else (u,)) for u in uniques]
        return _Unit(level, np.asarray(codes, dtype=np.int64), labels)

    has_district = pd.notna(cells["district_id"]).to_numpy()
    if has_district.any():
        out.append(
            build("district", [np.where(has_district, district, -1)], lambda u: (u[0], None, ""))
        )
    out.append(build("municipality", [municipality], lambda u: (None, u[0], "")))
    out.append(build("area_kind", [kind], lambda u: (None, None, u[0])))
    out.append(build("area_kind", [municipality, kind], lambda u: (None, u[0], u[1])))
    out.append(_Unit("region", np.zeros(len(cells), dtype=np.int64), [(None, None, "")]))
    return out


def _check_cells(cells: pd.DataFrame, age_bands: Sequence[str]) -> None:
    required = ["population", "district_id", "municipality_id", "area_kind", *age_bands]
    missing = [c for c in required if c not in cells.columns]
    if missing:
        raise AccessError(f"cells table lacks column(s) {', '.join(missing)}")
    pop = cells["population"].to_numpy(dtype=float)
    if (pop < 0).any() or not np.isfinite(pop).all():
        bad = int(np.flatnonzero((pop < 0) | ~np.isfinite(pop))[0])
        raise AccessError(f"cell row {bad}: population must be a finite number ≥ 0")
    kinds = set(cells["area_kind"].astype(str)) - set(AREA_KINDS)
    if kinds:
        raise AccessError(f"cells: unknown area kind(s) {sorted(kinds)}; known: core, village")


def compute_indicators(
    cells: pd.DataFrame,
    facilities: pd.DataFrame,
    travel: Iterable[Travel],
    norms: Sequence[Mapping],
    *,
    age_bands: Sequence[str],
    demand_bands: Mapping[str, Sequence[str]] | None = None,
    fields: Mapping[str, str] | None = None,
    detour_factor: float = DETOUR_FACTOR,
) -> Indicators:
    """Indicator tables for every (mode, type) in ``travel``.

    ``cells``: population, one column per age band, district_id (may be NaN), municipality_id,
    area_kind ("core"/"village"). ``facilities``: type_key, capacity (NaN where unknown),
    municipality_id, district_id and area_kind (NaN where unknown); rows are what
    ``Travel.facility`` indexes. ``demand_bands``: per type, the age bands whose people make up
    its demand (empty/missing: everybody). ``fields``: per type, its innovation field; with it,
    each field gets ``share_within_all_norms`` per mode (rows with ``type_key`` None and
    ``field_key`` set): the share of people who are within the norm of *every* type of the field
    that has a norm for them — the question "is this place well supplied in health?".
    """
    _check_cells(cells, age_bands)
    demand_bands = dict(demand_bands or {})
    columns = ["", *age_bands]
    n = len(cells)
    weights = np.column_stack(
        [cells["population"].to_numpy(dtype=float)]
        + [cells[b].to_numpy(dtype=float) for b in age_bands]
    )
    kind = cells["area_kind"].astype(str).to_numpy()
    home = cells["municipality_id"].to_numpy()
    units = _units(cells)
    onehots = [one_hot(u.codes, len(u.labels)) for u in units]
    starts = np.cumsum([0] + [len(u.labels) for u in units])
    all_rows = np.concatenate([np.arange(n)] * len(units))
    all_codes = np.concatenate([u.codes + starts[i] for i, u in enumerate(units)])
    n_all = int(starts[-1])
    fac_muni = facilities["municipality_id"].to_numpy() if len(facilities) else np.array([])
    fac_type = facilities["type_key"].astype(str).to_numpy() if len(facilities) else np.array([])
    fac_cap = (
        pd.to_numeric(facilities["capacity"], errors="coerce").to_numpy(dtype=float)
        if len(facilities)
        else np.array([])
    )
    rows: list[tuple] = []
    flows: list[tuple] = []
    methods: dict[str, str] = {}
    notes: list[str] = []

    field_state: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = {}
    for tr in travel:
        for name in ("time_s", "distance_m", "facility"):
            arr = getattr(tr, name)
            if len(arr) != n:
                raise AccessError(
                    f"travel {tr.mode}/{tr.type_key}: {name} has {len(arr)} values for {n} cells"
                )
        t = np.asarray(tr.time_s, dtype=float)
        d = np.asarray(tr.distance_m, dtype=float)
        nearest = np.asarray(tr.facility, dtype=np.int64)
        # Extra modes (e.g. transit) may give times without naming the facility: a finite time
        # counts as reached; the cross-border figures then use the cells that name one.
        reached = np.isfinite(t)
        known = reached & (nearest >= 0)
        minutes = np.where(reached, t / 60.0, np.inf)
        max_s, max_m, has = norm_thresholds(
            norms, tr.type_key, tr.mode, kind, columns, detour_factor=detour_factor
        )
        has_col = has.any(axis=0)
        within = reached[:, None] & (t[:, None] <= max_s + 1e-9) & (d[:, None] <= max_m + 1e-9)
        if fields and tr.type_key in fields and has_col[0]:
            key = (tr.mode, fields[tr.type_key])
            ok, normed_any = field_state.get(key, (np.ones(n, bool), np.zeros(n, bool)))
            # A type without a norm for a cell leaves the cell's verdict unchanged.
            field_state[key] = (ok & (within[:, 0] | ~has[:, 0]), normed_any | has[:, 0])

        # Cross-border: nearest facility in another municipality than home.
        other = np.zeros(n, dtype=bool)
        if known.any():
            fm = np.full(n, None, dtype=object)
            fm[known] = fac_muni[nearest[known]]
            other = known & (fm != home)
            pairs = list(zip(home[known].tolist(), fac_muni[nearest[known]].tolist(), strict=True))
            codes, uniques = pd.factorize(pd.Series(pairs, dtype=object))
            people = np.bincount(codes, weights=weights[known, 0], minlength=len(uniques))
            flows.extend(
                (tr.mode, tr.type_key, h, s, float(p))
                for (h, s), p in zip(uniques, people, strict=True)
                if p > 0
            )

        # Capacity against demand.
        cap_cell = None
        demand = None
        of_type = np.flatnonzero(fac_type == tr.type_key)
        caps = fac_cap[of_type] if of_type.size else np.array([])
        if of_type.size and np.isfinite(caps).any():
            if not np.isfinite(caps).all():
                notes.append(
                    f"{tr.type_key}: {int((~np.isfinite(caps)).sum())} of {of_type.size} "
                    "facilities lack a capacity; capacity figures left out"
                )
            else:
                demand, cap_cell, methods[f"{tr.mode}/{tr.type_key}"] = capacity_per_cell(
                    type_key=tr.type_key,
                    demand_bands=demand_bands.get(tr.type_key),
                    age_bands=age_bands,
                    weights=weights,
                    max_s=max_s,
                    has=has,
                    fac_cap=fac_cap,
                    nearest=nearest,
                    od_time_s=tr.od_time_s,
                    od_facility=tr.od_facility,
                )

        # Median and 90th percentile of every unit of every level in one sort.
        quantiles = grouped_weighted_quantile(
            minutes[all_rows],
            np.repeat(weights[all_rows, :1], 2, axis=1),
            all_codes,
            n_all,
            (0.5, 0.9),
        )
        offset = 0
        for unit, onehot in zip(units, onehots, strict=True):
            ng = len(unit.labels)
            pop = group_sum(weights, onehot, ng)
            reach_w = np.where(reached[:, None], weights, 0.0)
            reach_pop = group_sum(reach_w, onehot, ng)
            mean = divide_or_nan(
                group_sum(reach_w * np.where(reached, minutes, 0.0)[:, None], onehot, ng),
                reach_pop,
            )
            median, p90 = quantiles[offset : offset + ng].T
            offset += ng
            unreachable = divide_or_nan(pop[:, 0] - reach_pop[:, 0], pop[:, 0])
            normed = group_sum(np.where(has, weights, 0.0), onehot, ng)
            share = divide_or_nan(
                group_sum(np.where(within & has, weights, 0.0), onehot, ng), normed
            )
            known_pop = group_sum(np.where(known, weights[:, 0], 0.0), onehot, ng)
            cross = divide_or_nan(
                group_sum(np.where(other, weights[:, 0], 0.0), onehot, ng), known_pop
            )
            if cap_cell is not None:
                dem = group_sum(demand, onehot, ng)
                cap_val = divide_or_nan(group_sum(demand * cap_cell, onehot, ng), dem)
            for gi, (dist_id, muni_id, akind) in enumerate(unit.labels):
                if unit.level == "district" and dist_id == -1:
                    continue
                base = (unit.level, dist_id, muni_id, akind)

                def add(
                    metric: str,
                    band: str,
                    value: float,
                    people: float,
                    _base=base,
                    _pair=(tr.mode, tr.type_key),
                ) -> None:
                    v = float(value)
                    rows.append(
                        (*_base, metric, *_pair, band, v if np.isfinite(v) else None, float(people))
                    )

                add("mean_minutes", "", mean[gi, 0], reach_pop[gi, 0])
                add("median_minutes", "", median[gi], pop[gi, 0])
                add("p90_minutes", "", p90[gi], pop[gi, 0])
                add("share_unreachable", "", unreachable[gi], pop[gi, 0])
                if known.any():
                    add("cross_border_share", "", cross[gi], known_pop[gi])
                for c, band in enumerate(columns):
                    if has_col[c]:
                        add("share_within_norm", band, share[gi, c], normed[gi, c])
                if cap_cell is not None:
                    add("capacity_per_demand", "", cap_val[gi], dem[gi])
            if has_col.any() and unit.level == "area_kind":
                rows.extend(
                    balance_rows(unit.labels, share, normed, columns, has_col, tr.mode, tr.type_key)
                )
        if cap_cell is not None:
            rows.extend(
                capacity_in_unit_rows(cells, facilities, of_type, demand, tr.mode, tr.type_key)
            )

    for (mode, field_key), (ok, normed_any) in field_state.items():
        for unit, onehot in zip(units, onehots, strict=True):
            ng = len(unit.labels)
            base_w = np.where(normed_any, weights[:, 0], 0.0)
            people = group_sum(base_w, onehot, ng)
            share = divide_or_nan(group_sum(np.where(ok, base_w, 0.0), onehot, ng), people)
            for gi, (dist_id, muni_id, akind) in enumerate(unit.labels):
                if unit.level == "district" and dist_id == -1:
                    continue
                v = float(share[gi])
                rows.append(
                    (
                        unit.level,
                        dist_id,
                        muni_id,
                        akind,
                        "share_within_all_norms",
                        mode,
                        None,
                        "",
                        v if np.isfinite(v) else None,
                        float(people[gi]),
                        field_key,
                    )
                )
    fkeys = dict(fields or {})
    rows = [r if len(r) == len(VALUE_COLUMNS) else (*r, fkeys.get(r[6])) for r in rows]
    values = pd.DataFrame(rows, columns=VALUE_COLUMNS)
    flow_frame = pd.DataFrame(
        flows,
        columns=["mode", "type_key", "home_municipality_id", "serving_municipality_id", "people"],
    )
    return Indicators(values=values, flows=flow_frame, methods=methods, notes=notes)


def who_serves_whom(flows: pd.DataFrame, mode: str, type_key: str) -> pd.DataFrame:
    """People by home municipality (rows) × municipality of their nearest facility (columns)."""
    sel = flows[(flows["mode"] == mode) & (flows["type_key"] == type_key)]
    return sel.pivot_table(
        index="home_municipality_id",
        columns="serving_municipality_id",
        values="people",
        aggfunc="sum",
        fill_value=0.0,
    )
