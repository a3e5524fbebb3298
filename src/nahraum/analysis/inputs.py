"""Load a region's records as plain arrays for the engine (:class:`Inputs`).

Cells, facilities, facility types, norms and (for the network modes) the street networks, with
checksums of everything read; scenarios change a copy of them (:meth:`Inputs.copy`).
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from nahraum.access import AccessError
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

from .modes import NETWORK_MODES


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


#: The facility fields the engine's inputs carry (``type__key`` becomes ``type_key``).
FACILITY_COLUMNS = (
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


def load_inputs(
    region: Region, *, with_networks: bool = True, modes: Sequence[str] = NETWORK_MODES
) -> Inputs:
    """The region's cells, facilities, norms and networks (for ``modes``) as arrays, with
    checksums."""
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
    x, y = to_utm(cells["lon"].to_numpy(), cells["lat"].to_numpy(), region.crs)
    cells["x"], cells["y"] = x, y

    munis = list(Municipality.objects.filter(region=region).values_list("pk", flat=True))
    fac_rows = list(
        Facility.objects.filter(municipality__in=munis).order_by("pk").values(*FACILITY_COLUMNS)
    )
    facilities = pd.DataFrame(fac_rows, columns=list(FACILITY_COLUMNS)).rename(
        columns={"type__key": "type_key"}
    )
    facilities["area_kind"] = [kinds.get(d) for d in facilities["district_id"]]
    fx, fy = to_utm(
        facilities["lon"].to_numpy(float), facilities["lat"].to_numpy(float), region.crs
    )
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
