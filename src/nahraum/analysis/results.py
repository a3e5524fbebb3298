"""A run's results: unstored (:class:`Results`, for quick scenario comparisons) or stored; the
per-cell arrays packed into one blob and read back; the newest run of a region.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from nahraum.access.indicators import Travel
from nahraum.region.models import AGE_BANDS, Region

from .inputs import Inputs
from .models import AnalysisRun, CellResults


@dataclass
class Results:
    """A run's results when not stored (``store=False``), e.g. for quick scenario comparisons."""

    values: pd.DataFrame
    flows: pd.DataFrame
    travel: list[Travel]
    parameters: dict
    timings: dict
    is_estimate: bool


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
