"""Where a row lies: coordinates from any accepted column set, and the municipality/Ortsteil
that contains them (point-in-polygon with shapely's STRtree)."""

from __future__ import annotations

import numpy as np
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError
from shapely.geometry import shape

from nahraum.region.models import (
    District,
    Municipality,
    Region,
)

from ..readers import (
    Bounds,
    Columns,
    DataImportError,
    Table,
    outside_message,
    parse_number,
    transformer_to_wgs84,
)
from .base import DEFAULT_MARGIN_KM


class Locator:
    """Point-in-polygon for municipalities and districts of a region (shapely STRtree).

    Districts without a boundary (only a centre) are found as the nearest centre within the
    point's municipality, which is how planners assign addresses to village Ortsteile anyway.
    """

    def __init__(self, region: Region, margin_km: float = DEFAULT_MARGIN_KM):
        self.municipalities = list(Municipality.objects.filter(region=region).order_by("pk"))
        self.districts = list(District.objects.filter(municipality__region=region).order_by("pk"))
        m_geoms = [_geom(m.boundary) for m in self.municipalities]
        self._m = [(m, g) for m, g in zip(self.municipalities, m_geoms, strict=True) if g]
        self._m_tree = shapely.STRtree([g for _, g in self._m]) if self._m else None
        d_geoms = [_geom(d.boundary) for d in self.districts]
        self._d = [(d, g) for d, g in zip(self.districts, d_geoms, strict=True) if g]
        self._d_tree = shapely.STRtree([g for _, g in self._d]) if self._d else None
        self._centres = [d for d, g in zip(self.districts, d_geoms, strict=True) if g is None]
        shapes = [g for _, g in self._m] or [g for _, g in self._d]
        if shapes:
            extent = shapely.union_all(shapes)
        elif self.districts:
            extent = shapely.MultiPoint([(d.centre_lon, d.centre_lat) for d in self.districts])
        else:
            extent = None
        self.extent = extent
        self.margin = None
        self._to_local = None
        if extent is not None and margin_km >= 0:
            # buffer in metres, in an equidistant projection centred on the region, so that
            # "15 km outside" means 15 km in every direction wherever the region lies
            c = extent.centroid
            self._to_local = Transformer.from_crs(
                "EPSG:4326",
                f"+proj=aeqd +lat_0={c.y} +lon_0={c.x} +datum=WGS84 +units=m",
                always_xy=True,
            )
            local = shapely.transform(extent, self._project)
            self.margin = local.buffer(margin_km * 1000.0)

    @property
    def has_municipality_boundaries(self) -> bool:
        """Whether any municipality has a boundary; without one, nothing can be placed in it."""
        return bool(self._m)

    def _project(self, xy: np.ndarray) -> np.ndarray:
        x, y = self._to_local.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    def municipality_of(self, lon: np.ndarray, lat: np.ndarray) -> list[Municipality | None]:
        return self._query(self._m_tree, self._m, lon, lat)

    def district_of(
        self, lon: np.ndarray, lat: np.ndarray, municipalities: list[Municipality | None]
    ) -> list[District | None]:
        found = self._query(self._d_tree, self._d, lon, lat)
        if self._centres:
            for i, d in enumerate(found):
                m = municipalities[i]
                if d is None and m is not None:
                    near = [c for c in self._centres if c.municipality_id == m.pk]
                    if near:
                        found[i] = min(
                            near,
                            key=lambda c: (
                                (c.centre_lon - lon[i]) ** 2 * 0.38 + (c.centre_lat - lat[i]) ** 2
                            ),
                        )
        return found

    def contains_shape(self, geom: shapely.Geometry) -> bool:
        """Whether a whole geometry (WGS 84) lies within the margin around the region."""
        if self.margin is None:
            return True
        return bool(self.margin.contains(shapely.transform(geom, self._project)))

    def within_margin(self, lon: np.ndarray, lat: np.ndarray) -> np.ndarray:
        if self.margin is None:
            return np.ones(len(lon), dtype=bool)
        x, y = self._to_local.transform(np.asarray(lon, float), np.asarray(lat, float))
        return shapely.intersects_xy(self.margin, x, y)

    @staticmethod
    def _query(tree, items, lon, lat) -> list:
        result: list = [None] * len(lon)
        if tree is None or len(lon) == 0:
            return result
        points = shapely.points(np.asarray(lon, float), np.asarray(lat, float))
        pairs = tree.query(points, predicate="intersects")
        for point_index, geom_index in zip(pairs[0], pairs[1], strict=True):
            if result[point_index] is None:
                result[point_index] = items[geom_index][0]
        return result


def _geom(geojson: dict | None):
    if not geojson:
        return None
    try:
        g = shape(geojson)
    except (ValueError, TypeError, KeyError, AttributeError):
        return None
    return g if not g.is_empty else None


def row_points(
    table: Table, cols: Columns, crs: str | None, problems: list[str], required: bool = True
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """lon, lat and a validity mask for every row: from geometry, lat/lon or x/y columns."""
    n = len(table.rows)
    lon = np.full(n, np.nan)
    lat = np.full(n, np.nan)
    name = table.path.name
    if table.geometries is not None:
        for i, g in enumerate(table.geometries):
            if i in table.refused:
                continue  # the reader has said why
            if g is None or g.is_empty:
                problems.append(f"{name}, {table.labels[i]}: no geometry")
                continue
            p = g if g.geom_type == "Point" else g.representative_point()
            lon[i], lat[i] = p.x, p.y
        return lon, lat, ~np.isnan(lon)
    lat_col = cols.find("lat", "latitude", "breite", "y_wgs84")
    lon_col = cols.find("lon", "lng", "longitude", "laenge", "länge", "x_wgs84")
    x_col = cols.find("x", "x_mp_100m", "x_mp", "easting", "rechtswert", "ostwert")
    y_col = cols.find("y", "y_mp_100m", "y_mp", "northing", "hochwert", "nordwert")
    if lat_col and lon_col:
        a_col, b_col, transformer = lon_col, lat_col, None
        if crs:
            transformer = transformer_to_wgs84(crs, table.path)
    elif x_col and y_col:
        if not crs:
            raise DataImportError(
                table.path,
                [
                    f"columns {x_col!r}/{y_col!r} hold projected coordinates; say which "
                    "reference system with --crs (e.g. EPSG:25832 for UTM 32N, EPSG:3035 "
                    "for the census grid)"
                ],
            )
        a_col, b_col, transformer = x_col, y_col, transformer_to_wgs84(crs, table.path)
    else:
        if not required:
            return lon, lat, np.zeros(n, dtype=bool)
        raise DataImportError(
            table.path,
            [
                "no coordinates: need columns lat and lon (WGS 84), or x and y with --crs "
                f"(columns in the file: {', '.join(table.columns)}); map yours with "
                "--map lat=COLUMN,lon=COLUMN"
            ],
        )
    for i, row in enumerate(table.rows):
        try:
            a = parse_number(row.get(a_col))
        except ValueError as exc:
            problems.append(f"{name}, {table.labels[i]}, field {a_col!r}: {exc}")
            continue
        try:
            b = parse_number(row.get(b_col))
        except ValueError as exc:
            problems.append(f"{name}, {table.labels[i]}, field {b_col!r}: {exc}")
            continue
        if a is None or b is None:
            problems.append(f"{name}, {table.labels[i]}: coordinates missing ({a_col}, {b_col})")
            continue
        lon[i], lat[i] = a, b
    given = ~np.isnan(lon)
    degrees = (np.abs(lon) <= 180) & (np.abs(lat) <= 90)
    if transformer is not None and given.any() and degrees[given].all() and _metric(crs):
        i = int(np.flatnonzero(given)[0])
        problems.append(
            f"{name}: all values of {a_col!r}/{b_col!r} look like degrees (e.g. {lon[i]:g} / "
            f"{lat[i]:g}), but --crs {crs} is a reference system in metres; give lon/lat "
            "columns without --crs, or the projected coordinates"
        )
        return lon, lat, np.zeros(n, dtype=bool)
    if not _metric(crs):
        said = f"--crs {crs} is in degrees" if crs else "no --crs was given"
        for i in np.flatnonzero(given & ~degrees):
            problems.append(
                f"{name}, {table.labels[i]}: lat {lat[i]} / lon {lon[i]} are not WGS 84 "
                f"degrees, but {said} — UTM/metres without a CRS? Declare the CRS (e.g. "
                "--crs EPSG:25832, with the columns as x/y)"
            )
            lon[i] = lat[i] = np.nan
    given_x, given_y = lon.copy(), lat.copy()
    if transformer is not None:
        ok = ~np.isnan(lon)
        lon[ok], lat[ok] = transformer.transform(lon[ok], lat[ok])
    bounds = Bounds.from_env()
    for i in np.flatnonzero(~np.isnan(given_x) & ~bounds.contains(lon, lat)):
        source = (given_x[i], given_y[i], crs) if transformer is not None else None
        where = f"{name}, {table.labels[i]}"
        problems.append(outside_message(where, lon[i], lat[i], bounds, source))
        lon[i] = lat[i] = np.nan
    return lon, lat, ~np.isnan(lon)


def _metric(crs: str | None) -> bool:
    try:
        return bool(crs) and CRS.from_user_input(crs).is_projected
    except CRSError:
        return False
