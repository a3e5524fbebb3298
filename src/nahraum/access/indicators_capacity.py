"""Capacity against demand for the supply indicators (see :mod:`nahraum.access.indicators`).

The two-step floating catchment area method (2SFCA; Luo & Wang 2003) where times to every
facility and a norm for every cell are known, else the nearest-facility catchment; and the plain
ratio of the capacity located in a unit to the demand living there (the register view).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .errors import AccessError
from .indicators_stats import divide_or_nan


def two_step_fca(
    od_time_s: np.ndarray, capacity: np.ndarray, demand: np.ndarray, max_s: np.ndarray
) -> np.ndarray:
    """2SFCA accessibility per cell (supply per demand person within reach), Luo & Wang (2003).

    ``od_time_s`` [n_cells, n_fac]; ``max_s`` [n_cells] is each cell's catchment threshold.
    """
    inside = od_time_s <= max_s[:, None]
    catchment_demand = demand @ inside  # [n_fac]
    ratio = divide_or_nan(capacity.astype(float), catchment_demand)
    ratio = np.nan_to_num(ratio, nan=0.0)
    return inside.astype(float) @ ratio


def nearest_catchment(
    nearest: np.ndarray, capacity_by_row: np.ndarray, demand: np.ndarray
) -> np.ndarray:
    """Supply per demand person when every cell belongs to its nearest facility's catchment."""
    n_rows = len(capacity_by_row)
    served = nearest >= 0
    catchment_demand = np.bincount(nearest[served], weights=demand[served], minlength=n_rows)
    ratio = np.nan_to_num(divide_or_nan(capacity_by_row.astype(float), catchment_demand), nan=0.0)
    out = np.zeros(len(nearest))
    out[served] = ratio[nearest[served]]
    return out


def capacity_per_cell(
    *,
    type_key: str,
    demand_bands: Sequence[str] | None,
    age_bands: Sequence[str],
    weights: np.ndarray,
    max_s: np.ndarray,
    has: np.ndarray,
    fac_cap: np.ndarray,
    nearest: np.ndarray,
    od_time_s: np.ndarray | None,
    od_facility: np.ndarray | None,
) -> tuple[np.ndarray, np.ndarray, str]:
    """Demand per cell, supply per demand person per cell, and the method used for one type.

    ``weights`` [n, 1 + len(age_bands)]: everybody, then one column per age band; ``max_s`` and
    ``has`` the norm thresholds per cell and column
    (:func:`~nahraum.access.indicators_norms.norm_thresholds`). The demand is the people of
    ``demand_bands`` (everybody when empty); the catchment is the norm of that group.
    The 2SFCA is used when times to every facility (``od_time_s``, columns naming rows of
    ``fac_cap`` in ``od_facility``) and a norm for every cell are there, else the
    nearest-facility catchment.
    """
    bands = list(demand_bands or [])
    unknown = [b for b in bands if b not in age_bands]
    if unknown:
        raise AccessError(f"type {type_key}: unknown demand age band(s) {unknown}")
    demand = (
        weights[:, [1 + list(age_bands).index(b) for b in bands]].sum(axis=1)
        if bands
        else weights[:, 0]
    )
    band_col = 1 + list(age_bands).index(bands[0]) if len(bands) == 1 else 0
    catch_s = np.where(has[:, band_col], max_s[:, band_col], np.inf)
    if od_time_s is not None and od_facility is not None and np.isfinite(catch_s).all():
        cap_by_col = fac_cap[np.asarray(od_facility, dtype=np.int64)]
        cap_cell = two_step_fca(np.asarray(od_time_s, float), cap_by_col, demand, catch_s)
        return demand, cap_cell, "2sfca"
    cap_all = np.where(np.isfinite(fac_cap), fac_cap, 0.0)
    return demand, nearest_catchment(nearest, cap_all, demand), "nearest_catchment"


def capacity_in_unit_rows(cells, facilities, of_type, demand, mode, type_key):
    """Capacity located in a unit divided by the demand living there (register view)."""
    out = []
    fac = facilities.iloc[of_type]
    cap = pd.to_numeric(fac["capacity"], errors="coerce").to_numpy(float)
    for level, col in (("district", "district_id"), ("municipality", "municipality_id")):
        if col not in fac.columns:
            continue
        cell_keys = cells[col].to_numpy(dtype=object)
        fac_keys = fac[col].to_numpy(dtype=object)
        keys, codes = np.unique(
            cell_keys[pd.notna(cell_keys)].astype(np.int64), return_inverse=True
        )
        dem = np.bincount(codes, weights=demand[pd.notna(cell_keys)], minlength=len(keys))
        placed = pd.notna(fac_keys)
        pos = np.searchsorted(keys, fac_keys[placed].astype(np.int64))
        inside = (pos < len(keys)) & (
            keys[np.minimum(pos, len(keys) - 1)] == fac_keys[placed].astype(np.int64)
        )
        sup = np.bincount(pos[inside], weights=cap[placed][inside], minlength=len(keys))
        for key, dm, sp in zip(keys.tolist(), dem, sup, strict=True):
            ids = (key, None) if level == "district" else (None, key)
            out.append(
                (
                    level,
                    *ids,
                    "",
                    "capacity_in_unit_per_demand",
                    mode,
                    type_key,
                    "",
                    float(sp / dm) if dm > 0 else None,
                    float(dm),
                )
            )
    total_dem = float(np.sum(demand))
    out.append(
        (
            "region",
            None,
            None,
            "",
            "capacity_in_unit_per_demand",
            mode,
            type_key,
            "",
            float(np.nansum(cap)) / total_dem if total_dem > 0 else None,
            total_dem,
        )
    )
    return out
