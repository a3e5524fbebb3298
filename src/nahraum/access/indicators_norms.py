"""Norms for the supply indicators (see :mod:`nahraum.access.indicators`): which threshold applies
to which cell and age band, and how the core towns compare with the villages within the norm.

Also the straight-line constants: where a region has no street network, distances as the crow
flies times :data:`DETOUR_FACTOR`, walked at :data:`STRAIGHT_SPEED_KMH` (sources in
:mod:`nahraum.access.indicators`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from .errors import AccessError

#: Ratio of network distance to straight-line distance assumed where no network exists (sources
#: in the module docstring).
DETOUR_FACTOR: float = 1.3
#: Walking speed for straight-line estimates, km/h (the common planning default of 5 km/h,
#: also GOAT's default walking speed).
STRAIGHT_SPEED_KMH: float = 5.0

AREA_KINDS: tuple[str, ...] = ("core", "village")


def norm_thresholds(
    norms: Sequence[Mapping],
    type_key: str,
    mode: str,
    area_kind: np.ndarray,
    columns: Sequence[str],
    *,
    detour_factor: float = DETOUR_FACTOR,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Thresholds per cell and weight column: (max seconds, max metres, a norm applies), [n, c].

    ``columns`` are "" (everybody) followed by age bands. The most specific norm wins: one naming
    the column's age band before a general one, one for the cell's area kind before "any". For the
    straight-line mode a type without a "straight" norm falls back to its walking norm, with a
    metre threshold turned into straight-line metres by the detour factor.
    """
    n = len(area_kind)
    max_s = np.full((n, len(columns)), np.inf)
    max_m = np.full((n, len(columns)), np.inf)
    has = np.zeros((n, len(columns)), dtype=bool)
    mine = [nm for nm in norms if nm["type_key"] == type_key and nm["mode"] == mode]
    metre_scale = 1.0
    if not mine and mode == "straight":
        mine = [nm for nm in norms if nm["type_key"] == type_key and nm["mode"] == "walk"]
        metre_scale = 1.0 / detour_factor
    if not mine:
        return max_s, max_m, has
    unknown = {nm.get("area_kind") or "any" for nm in mine} - {"any", *AREA_KINDS}
    if unknown:
        raise AccessError(f"norm for {type_key}/{mode}: unknown area kind(s) {sorted(unknown)}")

    def rank(nm: Mapping, band: str) -> tuple[int, int] | None:
        bands = list(nm.get("age_bands") or [])
        if bands and band not in bands and band != "":
            return None
        age_score = 1 if (bands and band in bands) else 0
        return (age_score, 0)

    for c, band in enumerate(columns):
        for kind in ("any", *AREA_KINDS):
            cands = []
            for nm in mine:
                nk = nm.get("area_kind") or "any"
                if nk not in ("any", kind) or (kind == "any" and nk != "any"):
                    continue
                r = rank(nm, band)
                if r is None:
                    continue
                cands.append(((r[0], 1 if nk != "any" else 0), nm))
            if not cands:
                continue
            best = max(cands, key=lambda item: item[0])[1]
            rows = slice(None) if kind == "any" else (area_kind == kind)
            sec = best.get("max_minutes")
            met = best.get("max_metres")
            max_s[rows, c] = np.inf if sec is None else float(sec) * 60.0
            max_m[rows, c] = np.inf if met is None else float(met) * metre_scale
            has[rows, c] = True
    return max_s, max_m, has


def balance_rows(
    labels: Sequence[tuple], share: np.ndarray, pop: np.ndarray, columns, has_col, mode, type_key
):
    """Core town vs villages: gap in percentage points and ratio village/core, per scope.

    ``labels`` are the area-kind units' (district_id, municipality_id, area_kind) per group;
    ``share`` and ``pop`` their share within the norm and people with a norm, [group, column].
    """
    by_scope: dict = {}
    for gi, (_d, muni, akind) in enumerate(labels):
        by_scope.setdefault(muni, {})[akind] = gi
    out = []
    for muni, kinds in by_scope.items():
        if "core" not in kinds or "village" not in kinds:
            continue
        core, village = kinds["core"], kinds["village"]
        level = "municipality" if muni is not None else "region"
        for c, band in enumerate(columns):
            if not has_col[c]:
                continue
            sc, sv = share[core, c], share[village, c]
            people = pop[core, c] + pop[village, c]
            gap = (sc - sv) * 100.0 if np.isfinite(sc) and np.isfinite(sv) else np.nan
            ratio = sv / sc if np.isfinite(sc) and np.isfinite(sv) and sc > 0 else np.nan
            for metric, v in (("core_village_gap_pp", gap), ("core_village_ratio", ratio)):
                out.append(
                    (
                        level,
                        None,
                        muni,
                        "",
                        metric,
                        mode,
                        type_key,
                        band,
                        float(v) if np.isfinite(v) else None,
                        float(people),
                    )
                )
    return out
