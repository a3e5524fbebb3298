"""Queries of the supply pages: stored indicator values shaped into rows, flows between
municipalities, and the per-cell arrays of a run.

The per-cell arrays (``CellResults``) are stored compressed; :class:`RunCells` decodes them at
most once per request, however many tables, histograms and maps of the page read them.
"""

from __future__ import annotations

import math
from collections import defaultdict
from functools import cached_property
from typing import Any

import numpy as np
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from nahraum.access.indicators import worst_served
from nahraum.region.metrics import mode_label, shown
from nahraum.region.models import (
    AGE_BANDS,
    District,
    FacilityType,
    InnovationField,
    Municipality,
)

from .models import AnalysisRun, CrossBorderFlow, IndicatorValue
from .services import unpack_cells

#: The row key of each metric in the district table.
ROW_KEY = {
    "share_within_norm": "share",
    "median_minutes": "median",
    "mean_minutes": "mean",
    "p90_minutes": "p90",
    "cross_border_share": "cross",
    "capacity_per_demand": "capacity",
}
_TIME_METRICS = [
    "mean_minutes",
    "median_minutes",
    "p90_minutes",
    "cross_border_share",
    "capacity_per_demand",
]


def run_types(run: AnalysisRun) -> QuerySet[FacilityType]:
    """The facility types the run computed."""
    return FacilityType.objects.filter(key__in=run.parameters.get("facility_types", []))


def district_table(
    run: AnalysisRun, districts: list[District], sel: dict[str, Any]
) -> tuple[list[dict], dict[int, float | None]]:
    """One row per district for the chosen type, mode and age band, and the chosen metric's
    stored value per district (for map and chart)."""
    vals = IndicatorValue.objects.filter(
        run=run,
        level="district",
        facility_type__key=sel["type"],
        mode=sel["mode"],
        metric__in=["share_within_norm", *_TIME_METRICS],
    ).filter(
        Q(age_band=sel["age_band"], metric="share_within_norm")
        | Q(age_band="", metric__in=_TIME_METRICS)
    )
    # Travel times are stored for everybody; shares within the norm also per age band.
    by: dict[int, dict[str, float | None]] = defaultdict(dict)
    people: dict[int, float] = {}
    for v in vals:
        by[v.district_id][v.metric] = v.value
        if v.metric == "share_within_norm" or (
            v.metric == "median_minutes" and v.district_id not in people
        ):
            people[v.district_id] = v.population
    rows = []
    for d in districts:
        m = by.get(d.pk, {})
        rows.append(
            {
                "district": d,
                "people": people.get(d.pk, 0),
                **{key: shown(metric, m.get(metric)) for metric, key in ROW_KEY.items()},
            }
        )
    chosen = {d.pk: by.get(d.pk, {}).get(sel["metric"]) for d in districts}
    return rows, chosen


def worst_districts(rows: list[dict], metric: str) -> list[dict]:
    """The three districts worst off in the chosen metric (lowest share, longest time)."""
    if metric == "share_within_norm":
        return sorted([r for r in rows if r["share"] is not None], key=lambda r: r["share"])[:3]
    key = ROW_KEY.get(metric, "median") if metric != "share_within_norm" else "median"
    return sorted([r for r in rows if r[key] is not None], key=lambda r: -r[key])[:3]


def region_type_rows(run: AnalysisRun, modes: list[dict]) -> list[dict]:
    """Type × mode: the region's share within the norm."""
    grid: dict[str, dict[str, float | None]] = defaultdict(dict)
    for v in IndicatorValue.objects.filter(
        run=run, level="region", metric="share_within_norm", age_band=""
    ).select_related("facility_type"):
        grid[v.facility_type.key][v.mode] = shown("share_within_norm", v.value)
    return [
        {"type": t, "values": [grid.get(t.key, {}).get(m["key"]) for m in modes]}
        for t in run_types(run)
    ]


def field_rows(run: AnalysisRun, modes: list[dict]) -> list[dict]:
    """Innovation fields × mode: share within the norms of every type of the field."""
    fgrid: dict[int, dict[str, float | None]] = defaultdict(dict)
    for v in IndicatorValue.objects.filter(
        run=run, level="region", metric="share_within_all_norms"
    ):
        fgrid[v.field_id][v.mode] = shown("share_within_all_norms", v.value)
    return [
        {"field": f, "values": [fgrid[f.pk].get(m["key"]) for m in modes]}
        for f in InnovationField.objects.filter(pk__in=list(fgrid))
    ]


def balance_rows(run: AnalysisRun, sel: dict[str, Any]) -> list[dict]:
    """Core towns against villages for the chosen mode, every type."""
    balance = (
        IndicatorValue.objects.filter(
            run=run,
            mode=sel["mode"],
            age_band=sel["age_band"],
        )
        .filter(
            Q(level="area_kind", municipality__isnull=True, metric="share_within_norm")
            | Q(level="region", metric__in=["core_village_gap_pp", "core_village_ratio"])
        )
        .select_related("facility_type")
    )
    bal: dict[str, dict[str, float | None]] = defaultdict(dict)
    for v in balance:
        bal[v.facility_type.key][v.area_kind if v.level == "area_kind" else v.metric] = v.value
    return [
        {
            "type": t,
            "core": shown("share_within_norm", bal[t.key].get("core")),
            "village": shown("share_within_norm", bal[t.key].get("village")),
            "gap": shown("core_village_gap_pp", bal[t.key].get("core_village_gap_pp")),
            "ratio": shown("core_village_ratio", bal[t.key].get("core_village_ratio")),
        }
        for t in FacilityType.objects.filter(key__in=list(bal))
    ]


def district_rows(
    run: AnalysisRun, d: District, sel: dict[str, Any], types: dict[str, FacilityType]
) -> list[dict]:
    """Every type and mode the run computed for one district (shares for the chosen age band)."""
    vals = (
        IndicatorValue.objects.filter(
            run=run, level="district", district=d, facility_type__isnull=False
        )
        .filter(Q(age_band="") | Q(age_band=sel["age_band"], metric="share_within_norm"))
        .select_related("facility_type")
    )
    by: dict[tuple[str, str], dict[str, float | None]] = defaultdict(dict)
    for v in vals:
        if v.metric == "share_within_norm" and v.age_band != sel["age_band"]:
            continue
        by[(v.facility_type.key, v.mode)][v.metric] = v.value
    return [
        {
            "type": types[tkey],
            "mode": mode,
            "mode_label": mode_label(mode),
            **{
                key: shown(metric, m.get(metric))
                for metric, key in ROW_KEY.items()
                if key != "mean"
            },
        }
        for (tkey, mode), m in sorted(by.items())
        if tkey in types
    ]


def type_summary_rows(run: AnalysisRun, ftype: FacilityType, age_band: str) -> list[dict]:
    """One type's figures per mode for each municipality, core towns, villages and the region."""
    vals = (
        IndicatorValue.objects.filter(
            run=run,
            facility_type=ftype,
            age_band=age_band or "",
        )
        .filter(
            Q(level__in=["municipality", "region"])
            | Q(level="area_kind", municipality__isnull=True)
        )
        .filter(
            metric__in=[
                "share_within_norm",
                "median_minutes",
                "cross_border_share",
                "core_village_gap_pp",
                "core_village_ratio",
                "capacity_per_demand",
            ]
        )
    )
    summary: dict[tuple[str, str], dict] = defaultdict(dict)
    for v in vals.select_related("municipality"):
        if v.level == "municipality":
            name = v.municipality.name
        else:
            name = {"core": _("core towns"), "village": _("villages")}.get(v.area_kind, _("region"))
        summary[(v.mode, name)][v.metric] = shown(v.metric, v.value)
    return [
        {"mode": mode_label(mode), "unit": unit, **vals}
        for (mode, unit), vals in sorted(summary.items())
    ]


def flows(run: AnalysisRun, sel: dict[str, Any]) -> dict:
    """People per home municipality by the municipality (or outside) that serves them."""
    rows = CrossBorderFlow.objects.filter(run=run, mode=sel["mode"], facility_type__key=sel["type"])
    munis = {m.pk: m for m in Municipality.objects.filter(region=run.region).order_by("name")}
    table: dict[int, dict[int | None, float]] = defaultdict(dict)
    for f in rows:
        table[f.home_id][f.serving_id] = f.people
    homes = [m for m in munis.values() if m.pk in table]
    serving = list(munis.values())
    outside = any(None in r for r in table.values())
    return {
        "columns": serving,
        "outside": outside,
        "rows": [
            {
                "home": h,
                "cells": [round(table[h.pk].get(s.pk, 0.0)) for s in serving]
                + ([round(table[h.pk].get(None, 0.0))] if outside else []),
                "total": round(sum(table[h.pk].values())),
            }
            for h in homes
        ],
    }


def indicator_values(run: AnalysisRun, filters: dict[str, str]) -> list[dict[str, Any]]:
    """The run's stored values matching the API's (validated) filters, as plain rows."""
    lookups = {
        "metric": "metric",
        "mode": "mode",
        "type": "facility_type__key",
        "field": "field__key",
        "district": "district__key",
        "municipality": "municipality__ags",
        "level": "level",
        "area_kind": "area_kind",
        "age_band": "age_band",
    }
    qs = IndicatorValue.objects.filter(
        run=run, **{lookups[k]: v for k, v in filters.items() if k in lookups}
    )
    rows = qs.values(
        "level",
        "metric",
        "mode",
        "facility_type__key",
        "field__key",
        "district__key",
        "municipality__ags",
        "area_kind",
        "age_band",
        "value",
        "population",
        "is_estimate",
    )
    return [
        {
            "level": r["level"],
            "metric": r["metric"],
            "mode": r["mode"],
            "type": r["facility_type__key"],
            "field": r["field__key"],
            "district": r["district__key"],
            "municipality": r["municipality__ags"],
            "area_kind": r["area_kind"],
            "age_band": r["age_band"],
            "value": r["value"],
            "population": r["population"],
            "is_estimate": r["is_estimate"],
        }
        for r in rows
    ]


class RunCells:
    """The per-cell arrays of one run, decoded on first use and kept for the request.

    A district page reads them three times (worst-served cells, histogram, map); decoding the
    compressed blob is the slow part, so it happens once.
    """

    def __init__(self, run: AnalysisRun) -> None:
        self.run = run

    @cached_property
    def arrays(self) -> dict[str, np.ndarray] | None:
        return unpack_cells(self.run)

    def _row(self, sel: dict[str, Any]) -> int | None:
        """Row of the chosen mode and type in the arrays, or None if not computed."""
        pairs = list(self.arrays["pairs"])
        pair = f"{sel['mode']}/{sel['type']}"
        return pairs.index(pair) if pair in pairs else None

    def _outside(self, district_ids: set[int] | None) -> np.ndarray | None:
        if district_ids is None:
            return None
        return ~np.isin(self.arrays["district_id"], list(district_ids))

    def worst(
        self, sel: dict[str, Any], district_ids: set[int] | None = None, n: int = 5
    ) -> list[dict]:
        """The cells with people that wait longest for the chosen type and mode, named."""
        cells = self.arrays
        if cells is None or (row := self._row(sel)) is None:
            return []
        pop = cells["population"].copy()
        outside = self._outside(district_ids)
        if outside is not None:
            pop[outside] = 0
        names = dict(
            District.objects.filter(pk__in=set(cells["district_id"].tolist())).values_list(
                "pk", "name"
            )
        )
        out = []
        for i in worst_served(cells["time_s"][row], pop, n=n):
            t = float(cells["time_s"][row, i])
            f = int(cells["facility"][row, i])
            out.append(
                {
                    "cell": str(cells["cell_key"][i]),
                    "district": names.get(int(cells["district_id"][i]), "–"),
                    "people": int(pop[i]),
                    "minutes": round(t / 60, 1) if math.isfinite(t) else None,
                    "facility": str(cells["facility_name"][f] or cells["facility_key"][f])
                    if f >= 0
                    else "–",
                    "lat": float(cells["lat"][i]),
                    "lon": float(cells["lon"][i]),
                }
            )
        return out

    def histogram(
        self, sel: dict[str, Any], district_ids: set[int] | None = None, width: float = 5.0
    ) -> dict:
        """People by travel time (bins of ``width`` minutes) for the chosen type and mode."""
        cells = self.arrays
        if cells is None or (row := self._row(sel)) is None:
            return {"bins": []}
        t = cells["time_s"][row].astype(float) / 60
        band = sel["age_band"]
        w = cells["population"] if not band else cells[f"age_{AGE_BANDS.index(band)}"]
        w = w.astype(float).copy()
        outside = self._outside(district_ids)
        if outside is not None:
            w[outside] = 0
        finite = np.isfinite(t) & (w > 0)
        if not finite.any():
            return {"bins": []}
        top = max(width, math.ceil(float(t[finite].max()) / width) * width)
        edges = np.arange(0, top + width, width)
        counts, _e = np.histogram(t[finite], bins=edges, weights=w[finite])
        return {
            "bins": [
                {"from": float(a), "to": float(b), "count": round(float(c))}
                for a, b, c in zip(edges[:-1], edges[1:], counts, strict=True)
            ],
            "unreachable": round(float(w[~np.isfinite(t)].sum())),
        }

    def features(self, sel: dict[str, Any], district_ids: set[int]) -> dict:
        """Population cells of the districts as 100 m squares with their travel time."""
        cells = self.arrays
        feats: list[dict] = []
        if cells is None:
            return {"type": "FeatureCollection", "features": feats}
        row = self._row(sel)
        for i in np.flatnonzero(np.isin(cells["district_id"], list(district_ids))):
            lat, lon = float(cells["lat"][i]), float(cells["lon"][i])
            dlat = 50 / 111_320
            dlon = 50 / (111_320 * math.cos(math.radians(lat)))
            t = float(cells["time_s"][row, i]) if row is not None else math.inf
            f = int(cells["facility"][row, i]) if row is not None else -1
            feats.append(
                {
                    "type": "Feature",
                    "id": str(cells["cell_key"][i]),
                    "geometry": {
                        "type": "Polygon",
                        "coordinates": [
                            [
                                [lon - dlon, lat - dlat],
                                [lon + dlon, lat - dlat],
                                [lon + dlon, lat + dlat],
                                [lon - dlon, lat + dlat],
                                [lon - dlon, lat - dlat],
                            ]
                        ],
                    },
                    "properties": {
                        "name": str(cells["cell_key"][i]),
                        "people": int(cells["population"][i]),
                        "minutes": round(t / 60, 1) if math.isfinite(t) else None,
                        "facility": str(cells["facility_name"][f]) if f >= 0 else "–",
                        "is_estimate": self.run.is_estimate,
                    },
                }
            )
        return {"type": "FeatureCollection", "features": feats}
