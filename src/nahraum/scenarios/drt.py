"""A demand-responsive service (Rufbus, on-demand shuttle) as a travel mode of a scenario.

Kalletal runs one ("Der kleine Kalle"); a scenario may add or widen a service area. The model is
deliberately simple and every part of it is a parameter shown with the scenario:

    time = waiting time (booking to pick-up) + car time × ride-time factor

from every cell in the service area to the nearest facility of the type *inside* the service
area (the typical operating rule: rides start and end within the area). Cells outside the area
have no demand-responsive trip (``inf``). The car time comes from the car network when the
region has one, else from the straight-line distance × 1.3 at :data:`STRAIGHT_CAR_KMH`.

The mode is registered as ``"drt"`` with :func:`nahraum.analysis.services.register_mode` when
the app starts; it reads the areas that :func:`nahraum.scenarios.apply.apply_scenario` attached
to the inputs, so a baseline run (no areas) simply has no such trips.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from nahraum.access.indicators import DETOUR_FACTOR

MODE = "drt"
#: Car speed for the straight-line fallback (km/h), a cautious rural average.
STRAIGHT_CAR_KMH = 40.0


def _car_times(inputs: Any, cell_rows: np.ndarray, fac_rows: np.ndarray) -> np.ndarray:
    cells, fac = inputs.cells, inputs.facilities
    cx, cy = cells["x"].to_numpy(float)[cell_rows], cells["y"].to_numpy(float)[cell_rows]
    fx, fy = fac["x"].to_numpy(float)[fac_rows], fac["y"].to_numpy(float)[fac_rows]
    net = inputs.networks.get("car")
    if net is not None:
        from nahraum.access.route import od_matrix
        from nahraum.access.snap import snap

        return np.asarray(od_matrix(net, snap(net, cx, cy), snap(net, fx, fy)), dtype=float)
    d = np.hypot(cx[:, None] - fx[None, :], cy[:, None] - fy[None, :])
    return d * DETOUR_FACTOR / (STRAIGHT_CAR_KMH / 3.6)


def drt_travel(inputs: Any, type_keys: list[str]) -> dict[str, dict]:
    """Provider for ``register_mode``: per type, time and facility row from every cell."""
    areas = getattr(inputs, "drt_areas", []) or []
    n = len(inputs.cells)
    district = inputs.cells["district_id"].map(lambda v: -1 if v is None or v != v else int(v))
    fac_district = (
        inputs.facilities["district_id"]
        .map(lambda v: -1 if v is None or v != v else int(v))
        .to_numpy()
    )
    out: dict[str, dict] = {}
    for key in type_keys:
        best = np.full(n, np.inf)
        best_fac = np.full(n, -1, dtype=np.int64)
        of_type = inputs.facilities["type_key"].to_numpy() == key
        for area in areas:
            ids = np.asarray(area["district_ids"], dtype=np.int64)
            cell_rows = np.flatnonzero(np.isin(district.to_numpy(), ids))
            fac_rows = np.flatnonzero(of_type & np.isin(fac_district, ids))
            if cell_rows.size == 0 or fac_rows.size == 0:
                continue
            t = _car_times(inputs, cell_rows, fac_rows) * area["detour_factor"] + area["wait_s"]
            j = np.argmin(t, axis=1)
            tj = t[np.arange(cell_rows.size), j]
            better = tj < best[cell_rows]
            best[cell_rows[better]] = tj[better]
            best_fac[cell_rows[better]] = fac_rows[j[better]]
        out[key] = {"time_s": best, "facility": best_fac}
    return out


def register() -> None:
    """Register the mode once the analysis app is importable (called from AppConfig.ready)."""
    try:
        from nahraum.analysis.services import register_mode
    except ImportError:  # pragma: no cover - analysis app not installed
        return
    register_mode(MODE, drt_travel)
