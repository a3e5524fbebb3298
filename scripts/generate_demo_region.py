#!/usr/bin/env python
"""Generate the illustrative parts of the bundled Lemgo–Kalletal region (fixed seed, reproducible).

What is official and what is made up is kept apart on purpose:

* official (IT.NRW): the two municipalities' population totals, areas and AGS codes, written
  into ``region.json`` as given in the project brief;
* illustrative (this script): the Ortsteil centres (approximate, from general knowledge of the
  map), their boundaries (a power diagram of the settlements that tiles a made-up outline: every
  Ortsteil holds its centre, its settlement and its facilities; each municipality is the union
  of its Ortsteile, within 5 % of its official area), district
  populations and age structures (estimates that sum exactly to the official totals), population
  cells on a 100 m grid, facilities (types and counts plausible, positions invented; real names
  only for a handful of institutions we are sure exist) and a street network in OSM XML.

Run ``python scripts/generate_demo_region.py`` to rewrite the files in
``src/nahraum/data/bundled/lemgo-kalletal/``; the output is byte-identical for the same seed.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import math
from pathlib import Path

import numpy as np
import shapely
import shapely.affinity
from pyproj import Transformer
from scipy.spatial import Delaunay
from shapely import MultiPoint, Polygon, contains_xy, unary_union
from shapely.geometry import mapping

SEED = 20231231
OUT = (
    Path(__file__).resolve().parent.parent
    / "src"
    / "nahraum"
    / "data"
    / "bundled"
    / "lemgo-kalletal"
)
BANDS = ("0-5", "6-9", "10-17", "18-29", "30-49", "50-64", "65-74", "75+")
BAND_COLUMNS = (
    "age_0_5",
    "age_6_9",
    "age_10_17",
    "age_18_29",
    "age_30_49",
    "age_50_64",
    "age_65_74",
    "age_75plus",
)

TO_UTM = Transformer.from_crs("EPSG:4326", "EPSG:25832", always_xy=True)
TO_WGS = Transformer.from_crs("EPSG:25832", "EPSG:4326", always_xy=True)

MUNICIPALITIES = {
    # AGS, official population and area (IT.NRW), trend: see region.json and SOURCES.md
    "05766044": {"name": "Lemgo", "population": 40619, "area_km2": 100.85},
    "05766036": {"name": "Kalletal", "population": 14622, "area_km2": 112.4},
}
OUTLINE_MARGIN, OUTLINE_CLOSING = 400.0, 2000.0  # metres, see region_outline()
TOTAL_AREA_M2 = sum(m["area_km2"] for m in MUNICIPALITIES.values()) * 1e6

# PCG64 state at which the street network starts (see main(): pinned so the streets stay put)
STREETS_RNG_STATE = {
    "bit_generator": "PCG64",
    "state": {
        "state": 119824797312044511968979434021586947559,
        "inc": 47902120782505686270510750958421805597,
    },
    "has_uint32": 0,
    "uinteger": 1883486756,
}

# (name, AGS, kind, approx. lat, approx. lon, population weight). Centres are approximate (±1 km)
# and the weights are our estimates of relative size, scaled below to the official total.
DISTRICTS = [
    ("Kernstadt Lemgo", "05766044", "core", 52.0280, 8.9010, 21500),
    ("Brake", "05766044", "village", 52.0430, 8.9330, 4700),
    ("Lieme", "05766044", "village", 52.0380, 8.8400, 2600),
    ("Hörstmar", "05766044", "village", 52.0140, 8.8600, 1900),
    ("Lüerdissen", "05766044", "village", 51.9960, 8.8850, 1100),
    ("Brüntorf", "05766044", "village", 52.0000, 8.9450, 1000),
    ("Entrup", "05766044", "village", 52.0150, 8.9720, 750),
    ("Leese", "05766044", "village", 52.0430, 8.9800, 650),
    ("Wahmbeck", "05766044", "village", 52.0620, 8.9600, 550),
    ("Matorf", "05766044", "village", 52.0700, 8.9280, 1200),
    ("Kirchheide", "05766044", "village", 52.0800, 8.8950, 2300),
    ("Voßheide", "05766044", "village", 52.0600, 8.8650, 1400),
    ("Welstorf", "05766044", "village", 52.0560, 8.8300, 450),
    ("Hohenhausen", "05766036", "core", 52.1180, 8.9300, 3400),
    ("Talle", "05766036", "village", 52.0960, 8.9720, 1300),
    ("Bavenhausen", "05766036", "village", 52.1000, 8.8800, 800),
    ("Henstorf", "05766036", "village", 52.1270, 8.8780, 400),
    ("Kalldorf", "05766036", "village", 52.1620, 8.8900, 1500),
    ("Westorf", "05766036", "village", 52.1400, 8.9080, 500),
    ("Osterhagen", "05766036", "village", 52.1560, 8.9350, 300),
    ("Harkemissen", "05766036", "village", 52.1430, 8.9650, 350),
    ("Varenholz", "05766036", "village", 52.1730, 8.9700, 1700),
    ("Stemmen", "05766036", "village", 52.1720, 9.0120, 450),
    ("Erder", "05766036", "village", 52.1680, 9.0520, 650),
    ("Echternhagen", "05766036", "village", 52.1430, 9.0580, 250),
    ("Langenholzhausen", "05766036", "village", 52.1350, 9.0150, 1900),
    ("Heidelbeck", "05766036", "village", 52.1130, 9.0620, 450),
    ("Lüdenhausen", "05766036", "village", 52.1060, 9.0220, 900),
    ("Brosen", "05766036", "village", 52.0900, 9.0120, 250),
]

# Age shares by band (estimates: German averages, tilted younger in the university town's core,
# older in Lemgo's villages, towards families in growing Kalletal).
AGE_PROFILES = {
    ("05766044", "core"): [5.5, 3.6, 7.2, 16.5, 24.5, 20.5, 10.7, 11.5],
    ("05766044", "village"): [5.0, 3.6, 7.6, 11.5, 23.0, 24.0, 13.0, 12.3],
    ("05766036", "core"): [6.0, 4.1, 8.2, 12.0, 24.5, 22.5, 11.2, 11.5],
    ("05766036", "village"): [6.0, 4.2, 8.4, 11.5, 24.5, 23.5, 11.2, 10.7],
}

# Places just outside the region, so that the network has a margin and border-crossing trips
# (to Bad Salzuflen, Detmold, …) have roads to use. Positions approximate.
OUTSIDE = [
    ("Richtung Bad Salzuflen", 52.0700, 8.7750),
    ("Richtung Lage", 51.9850, 8.8100),
    ("Richtung Detmold", 51.9650, 8.9000),
    ("Richtung Dörentrup", 52.0300, 9.0400),
    ("Richtung Extertal", 52.1000, 9.1150),
    ("Richtung Vlotho", 52.1750, 8.8500),
    ("Richtung Rinteln", 52.1950, 9.0700),
]

# Real names only where we are sure the institution exists in that place; positions illustrative.
REAL_NAMES = {
    ("Kernstadt Lemgo", "hospital"): ["Klinikum Lippe Lemgo"],
    ("Kernstadt Lemgo", "railway_station"): ["Bahnhof Lemgo", "Haltepunkt Lemgo-Lüttfeld"],
    ("Kernstadt Lemgo", "secondary_school"): [
        "Engelbert-Kaempfer-Gymnasium",
        "Marianne-Weber-Gymnasium",
    ],
}

TYPE_NAMES = {
    "gp": "Hausarztpraxis",
    "pharmacy": "Apotheke",
    "dentist": "Zahnarztpraxis",
    "hospital": "Krankenhaus",
    "kita": "Kita",
    "primary_school": "Grundschule",
    "secondary_school": "Weiterführende Schule",
    "library": "Bücherei",
    "supermarket": "Supermarkt",
    "village_shop": "Bäckerei",
    "weekly_market": "Wochenmarkt",
    "post_office": "Postfiliale",
    "bus_stop": "Haltestelle",
    "railway_station": "Bahnhof",
    "charging_point": "Ladepunkt",
    "community_centre": "Dorfgemeinschaftshaus",
    "care_home": "Pflegeheim",
    "park": "Grünanlage",
    "playground": "Spielplatz",
}


def largest_remainder(weights: np.ndarray, total: int) -> np.ndarray:
    """Integers proportional to ``weights`` that sum exactly to ``total`` (Hamilton's method)."""
    w = np.asarray(weights, dtype=float)
    raw = w / w.sum() * total
    out = np.floor(raw).astype(int)
    rest = total - out.sum()
    order = np.argsort(-(raw - out), kind="stable")
    out[order[:rest]] += 1
    return out


def settlement_radius(pop: int, kind: str) -> float:
    """Radius (m) of the settled disc: the population at 2,600 (core) or 1,300 (village) per km²."""
    density = 2600.0 if kind == "core" else 1300.0
    return max(250.0, math.sqrt(pop / density / math.pi) * 1000)


def region_outline(pts: np.ndarray, radii: np.ndarray, target_area: float) -> Polygon:
    """A made-up outline around every settlement, as large as the two official areas together.

    The convex hull of the centres alone is already about the official total (~217 km²), but
    villages on the rim sit on its edge, and widening it by a margin overshoots by a fifth. So
    the hull is pulled in by a distance found by bisection (until the area is the official
    total) and every settled disc plus OUTLINE_MARGIN is added back; a closing (out, then in by
    OUTLINE_CLOSING) rounds off the joints. Rim villages bulge out a little, the land between
    them is pulled in a little, as real municipal borders often do between villages.
    """
    hull = MultiPoint(pts).convex_hull
    discs = unary_union(
        [
            shapely.Point(p).buffer(r + OUTLINE_MARGIN, quad_segs=16)
            for p, r in zip(pts, radii, strict=True)
        ]
    )

    def pulled_in(depth: float) -> Polygon:
        g = unary_union([hull.buffer(-depth, quad_segs=16), discs])
        g = g.buffer(OUTLINE_CLOSING, quad_segs=16).buffer(-OUTLINE_CLOSING, quad_segs=16)
        return Polygon(g.exterior).simplify(20)  # ~20 m detail is plenty for a made-up border

    lo, hi = 0.0, 5000.0
    for _ in range(40):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if pulled_in(mid).area > target_area else (lo, mid)
    outline = pulled_in(round(lo))
    assert abs(outline.area / target_area - 1) < 0.02, outline.area
    for p, r in zip(pts, radii, strict=True):
        assert outline.contains(shapely.Point(p).buffer(r + OUTLINE_MARGIN - 50)), p
    return outline


def tiled_cells(pts: np.ndarray, weights: np.ndarray, outline: Polygon) -> list[Polygon]:
    """Power diagram (weighted Voronoi) of the points, clipped to ``outline``, as a tiling.

    Cell i holds the places x where |x − p_i|² − w_i is smallest. With w = r² (settled disc
    radius squared) the border between two settlements lies on their radical axis: a town gets
    more land than the village next to it, and two discs that do not overlap each lie wholly in
    their own cell. The cells are computed as intersections of half-planes, then the borders are
    noded and polygonised together, so that neighbours share bit-identical vertices: no gap, no
    overlap, also after rounding the coordinates.
    """
    origin = pts.mean(axis=0)
    q = pts - origin
    box = shapely.box(*(np.array(outline.bounds) - np.tile(origin, 2) + [-1e4, -1e4, 1e4, 1e4]))
    raw = []
    for i in range(len(q)):
        cell = box
        for j in range(len(q)):
            if i == j:
                continue
            n = q[j] - q[i]
            c = (q[j] @ q[j] - q[i] @ q[i] - weights[j] + weights[i]) / 2  # allowed: n·x <= c
            u = n / np.hypot(*n)
            t = np.array([-u[1], u[0]])
            x0 = u * (c / np.hypot(*n))
            half = Polygon(
                [x0 + t * 1e6, x0 - t * 1e6, x0 - t * 1e6 - u * 1e6, x0 + t * 1e6 - u * 1e6]
            )
            cell = cell.intersection(half)
        raw.append(shapely.affinity.translate(cell, *origin))
    lines = unary_union([c.boundary for c in raw] + [outline.boundary])
    faces = [
        f
        for f in shapely.get_parts(shapely.polygonize(shapely.get_parts(lines)))
        if outline.contains(f.representative_point())
    ]
    owner = [int(np.argmax([f.intersection(c).area for c in raw])) for f in faces]
    return [
        unary_union([f for f, o in zip(faces, owner, strict=True) if o == i]) for i in range(len(q))
    ]


def facility_plan(name: str, kind: str, pop: int) -> dict[str, int]:
    """How many facilities of each type an Ortsteil of this size plausibly has (illustrative)."""
    if name == "Kernstadt Lemgo":
        return {
            "gp": 14,
            "pharmacy": 7,
            "dentist": 10,
            "hospital": 1,
            "kita": 14,
            "primary_school": 4,
            "secondary_school": 4,
            "library": 1,
            "supermarket": 8,
            "village_shop": 10,
            "weekly_market": 1,
            "post_office": 2,
            "railway_station": 2,
            "charging_point": 8,
            "community_centre": 2,
            "care_home": 4,
            "park": 5,
            "playground": 12,
        }
    if name == "Hohenhausen":
        return {
            "gp": 3,
            "pharmacy": 1,
            "dentist": 2,
            "kita": 2,
            "primary_school": 1,
            "secondary_school": 1,
            "library": 1,
            "supermarket": 2,
            "village_shop": 2,
            "weekly_market": 1,
            "post_office": 1,
            "charging_point": 2,
            "community_centre": 1,
            "care_home": 1,
            "park": 1,
            "playground": 2,
        }
    plan: dict[str, int] = {"community_centre": 1, "playground": 1 if pop >= 300 else 0}
    if pop >= 4000:
        plan.update(
            gp=2,
            pharmacy=1,
            dentist=1,
            kita=3,
            primary_school=1,
            supermarket=2,
            village_shop=2,
            charging_point=1,
            care_home=1,
            park=1,
            playground=3,
        )
    elif pop >= 1500:
        plan.update(
            gp=1,
            pharmacy=1 if pop >= 2000 else 0,
            kita=1,
            primary_school=1,
            supermarket=1,
            village_shop=1,
            playground=2,
        )
    elif pop >= 800:
        plan.update(kita=1, village_shop=1, primary_school=1 if pop >= 1100 else 0)
    return {k: v for k, v in plan.items() if v}


def capacity(ftype: str, rng: np.random.Generator) -> str:
    if ftype == "gp":
        return str(int(rng.integers(1, 4)))
    if ftype == "dentist":
        return str(int(rng.integers(1, 3)))
    if ftype == "kita":
        return str(int(rng.choice([45, 60, 75, 95])))
    if ftype == "primary_school":
        return str(int(rng.choice([150, 200, 250, 300])))
    if ftype == "secondary_school":
        return str(int(rng.choice([600, 800, 1000])))
    if ftype == "care_home":
        return str(int(rng.choice([40, 60, 80, 100])))
    if ftype == "charging_point":
        return str(int(rng.choice([2, 2, 4])))
    return ""


class OsmWriter:
    """Collects nodes and ways and writes OSM XML (what Geofabrik extracts contain, minus PBF)."""

    def __init__(self) -> None:
        self.nodes: list[tuple[int, float, float, dict]] = []
        self.ways: list[tuple[int, list[int], dict]] = []

    def node(self, x: float, y: float, tags: dict | None = None) -> int:
        nid = len(self.nodes) + 1
        self.nodes.append((nid, x, y, tags or {}))
        return nid

    def way(self, refs: list[int], tags: dict) -> None:
        if len(refs) >= 2:
            self.ways.append((len(self.ways) + 1, refs, tags))

    def write(self, path: Path) -> None:
        xs = np.array([n[1] for n in self.nodes])
        ys = np.array([n[2] for n in self.nodes])
        lon, lat = TO_WGS.transform(xs, ys)
        buf = io.StringIO()
        buf.write('<?xml version="1.0" encoding="UTF-8"?>\n')
        buf.write('<osm version="0.6" generator="nahraum scripts/generate_demo_region.py">\n')
        buf.write(
            f' <bounds minlat="{lat.min():.6f}" minlon="{lon.min():.6f}" '
            f'maxlat="{lat.max():.6f}" maxlon="{lon.max():.6f}"/>\n'
        )
        for (nid, _, _, tags), la, lo in zip(self.nodes, lat, lon, strict=True):
            if tags:
                buf.write(f' <node id="{nid}" version="1" lat="{la:.7f}" lon="{lo:.7f}">\n')
                for k, v in tags.items():
                    buf.write(f'  <tag k="{k}" v="{_xml(v)}"/>\n')
                buf.write(" </node>\n")
            else:
                buf.write(f' <node id="{nid}" version="1" lat="{la:.7f}" lon="{lo:.7f}"/>\n')
        for wid, refs, tags in self.ways:
            buf.write(f' <way id="{wid}" version="1">\n')
            for r in refs:
                buf.write(f'  <nd ref="{r}"/>\n')
            for k, v in tags.items():
                buf.write(f'  <tag k="{k}" v="{_xml(v)}"/>\n')
            buf.write(" </way>\n")
        buf.write("</osm>\n")
        with (
            open(path, "wb") as raw,
            gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as gz,
        ):
            gz.write(buf.getvalue().encode("utf-8"))


def _xml(v: object) -> str:
    return str(v).replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")


def settlement_grid(
    osm: OsmWriter,
    name: str,
    cx: float,
    cy: float,
    radius: float,
    core: bool,
    rng: np.random.Generator,
) -> dict[tuple[int, int], tuple[int, float, float]]:
    """Residential streets on a rotated grid within the settled disc; returns the grid nodes."""
    spacing = 110.0 if core else 125.0
    angle = float(rng.uniform(0, math.pi / 2))
    ca, sa = math.cos(angle), math.sin(angle)
    n = int(radius / spacing) + 1
    nodes: dict[tuple[int, int], tuple[int, float, float]] = {}
    for i in range(-n, n + 1):
        for j in range(-n, n + 1):
            u, v = i * spacing, j * spacing
            if u * u + v * v > radius * radius:
                continue
            x = cx + u * ca - v * sa + float(rng.normal(0, 6))
            y = cy + u * sa + v * ca + float(rng.normal(0, 6))
            nodes[(i, j)] = (0, x, y)
    for key, (_, x, y) in list(nodes.items()):
        nodes[key] = (osm.node(x, y), x, y)

    def street(cells: list[tuple[int, int]], tags: dict) -> None:
        refs: list[int] = []
        for a, b in zip(cells, cells[1:], strict=False):
            if a not in nodes or b not in nodes:
                osm.way(refs, tags)
                refs = []
                continue
            na, nb = nodes[a], nodes[b]
            if not refs:
                refs.append(na[0])
            # one shape point per block, slightly off the straight line: streets are not rulers
            mx = (na[1] + nb[1]) / 2 + float(rng.normal(0, 4))
            my = (na[2] + nb[2]) / 2 + float(rng.normal(0, 4))
            refs.append(osm.node(mx, my))
            refs.append(nb[0])
        osm.way(refs, tags)

    for axis in (0, 1):
        for k in range(-n, n + 1):
            line = [(k, m) if axis == 0 else (m, k) for m in range(-n, n + 1)]
            if k == 0:
                tags = {
                    "highway": "primary" if core else "tertiary",
                    "maxspeed": "50",
                    "name": f"Hauptstraße {name}" if axis == 0 else f"Durchgangsstraße {name}",
                }
            elif core and k % 5 == 0:
                tags = {"highway": "tertiary", "maxspeed": "50"}
            elif core and abs(k) <= 2 and axis == 1:
                tags = {"highway": "residential", "maxspeed": "20", "oneway": "yes"}
            else:
                tags = {"highway": "residential", "maxspeed": "30"}
            if core and axis == 0 and k == 1:
                # a pedestrian street in the old town: walkable, not drivable
                inner = [c for c in line if abs(c[1]) <= 3]
                outer_a = [c for c in line if c[1] <= -3]
                outer_b = [c for c in line if c[1] >= 3]
                street(inner, {"highway": "pedestrian", "name": f"Mittelstraße {name}"})
                street(outer_a, tags)
                street(outer_b, tags)
                continue
            street(line, tags)
    return nodes


def road(
    osm: OsmWriter,
    a: tuple[int, float, float],
    b: tuple[int, float, float],
    tags: dict,
    rng: np.random.Generator,
) -> None:
    """A country road between two grid nodes, gently curved, a shape point every ~80 m."""
    (na, xa, ya), (nb, xb, yb) = a, b
    length = math.hypot(xb - xa, yb - ya)
    steps = max(2, int(length / 80))
    amp = float(rng.uniform(-0.06, 0.06)) * length
    nx, ny = -(yb - ya) / max(length, 1), (xb - xa) / max(length, 1)
    refs = [na]
    for s in range(1, steps):
        t = s / steps
        off = amp * math.sin(math.pi * t)
        refs.append(osm.node(xa + (xb - xa) * t + nx * off, ya + (yb - ya) * t + ny * off))
    refs.append(nb)
    osm.way(refs, tags)


def main() -> None:
    rng = np.random.default_rng(SEED)
    OUT.mkdir(parents=True, exist_ok=True)
    n = len(DISTRICTS)
    lat = np.array([d[3] for d in DISTRICTS])
    lon = np.array([d[4] for d in DISTRICTS])
    xs, ys = TO_UTM.transform(lon, lat)
    pts = np.column_stack([xs, ys])

    # --- populations: estimates scaled exactly to the official totals --------------------------
    pops = np.zeros(n, dtype=int)
    for ags, m in MUNICIPALITIES.items():
        idx = [i for i, d in enumerate(DISTRICTS) if d[1] == ags]
        pops[idx] = largest_remainder(np.array([DISTRICTS[i][5] for i in idx]), m["population"])
    ages = []
    for i, d in enumerate(DISTRICTS):
        shares = np.array(AGE_PROFILES[(d[1], d[2])]) * rng.uniform(0.9, 1.1, len(BANDS))
        ages.append(largest_remainder(shares, int(pops[i])))

    # --- boundaries: a power diagram of the settlements, clipped to an illustrative outline ------
    radii = np.array([settlement_radius(int(pops[i]), d[2]) for i, d in enumerate(DISTRICTS)])
    outline = region_outline(pts, radii, TOTAL_AREA_M2)
    # The municipal border is simply where Lemgo's and Kalletal's Ortsteile meet. With the
    # official total as the outline's area the split comes out within a few per cent of the
    # official areas (printed below, documented in SOURCES.md); shifting the border further by
    # weighting one municipality squeezes the villages along it, so we leave it there.
    cells_poly = tiled_cells(pts, radii**2, outline)
    for i, d in enumerate(DISTRICTS):
        centre = shapely.Point(pts[i])
        # each Ortsteil holds its centre well inside, and its whole settled disc
        assert cells_poly[i].geom_type == "Polygon", d[0]
        assert cells_poly[i].exterior.distance(centre) > 500 and cells_poly[i].contains(centre), d[
            0
        ]
        assert cells_poly[i].contains(centre.buffer(radii[i], quad_segs=16)), d[0]
    muni_poly = {
        ags: unary_union([cells_poly[i] for i, d in enumerate(DISTRICTS) if d[1] == ags])
        for ags in MUNICIPALITIES
    }
    assert all(p.geom_type == "Polygon" and not p.interiors for p in muni_poly.values())

    def to_wgs(geom):
        return shapely.transform(
            geom, lambda xy: np.column_stack(TO_WGS.transform(xy[:, 0], xy[:, 1]))
        )

    def rounded(geom) -> dict:
        # shared vertices are bit-identical in every neighbour (see tiled_cells), so they round
        # to the same WGS 84 coordinates and the Ortsteile still tile without slivers
        g = mapping(to_wgs(geom))
        return json.loads(json.dumps(g), parse_float=lambda s: round(float(s), 6))

    district_geoms = [rounded(c) for c in cells_poly]
    features = []
    for ags, poly in muni_poly.items():
        # the municipality is the union of its (rounded) Ortsteile, so both agree exactly
        union = unary_union(
            [
                shapely.geometry.shape(g)
                for g, d in zip(district_geoms, DISTRICTS, strict=True)
                if d[1] == ags
            ]
        )
        geom = json.loads(json.dumps(mapping(union)), parse_float=lambda s: round(float(s), 6))
        features.append(
            {
                "type": "Feature",
                "properties": {
                    "ags": ags,
                    "name": MUNICIPALITIES[ags]["name"],
                    "area_km2_illustrative": round(poly.area / 1e6, 2),
                },
                "geometry": geom,
            }
        )
    _write_json(OUT / "municipalities.geojson", {"type": "FeatureCollection", "features": features})

    features = []
    for i, d in enumerate(DISTRICTS):
        props = {
            "id": f"ot:{d[1]}:{_slug(d[0])}",
            "name": d[0],
            "municipality": d[1],
            "kind": d[2],
            "population": int(pops[i]),
            **{c: int(v) for c, v in zip(BAND_COLUMNS, ages[i], strict=True)},
            "centre_lat": round(d[3], 5),
            "centre_lon": round(d[4], 5),
        }
        features.append({"type": "Feature", "properties": props, "geometry": district_geoms[i]})
    _write_json(OUT / "districts.geojson", {"type": "FeatureCollection", "features": features})

    # --- population cells on the 100 m grid, inside the settled disc of each Ortsteil ----------
    # Only grid cells inside the Ortsteil's own polygon (8 m in from its edge) are settled, so
    # point-in-polygon on import gives every cell back to the Ortsteil it was generated for.
    cell_rows = []
    own_cells: list[list[list]] = []
    for i, _d in enumerate(DISTRICTS):
        r = radii[i]
        inner = cells_poly[i].buffer(-8)
        gx = np.arange(math.floor((xs[i] - r) / 100) * 100 + 50, xs[i] + r, 100)
        gy = np.arange(math.floor((ys[i] - r) / 100) * 100 + 50, ys[i] + r, 100)
        cx, cy = np.meshgrid(gx, gy)
        cx, cy = cx.ravel(), cy.ravel()
        dist = np.hypot(cx - xs[i], cy - ys[i])
        keep = (dist <= r) & contains_xy(inner, cx, cy)
        cx, cy, dist = cx[keep], cy[keep], dist[keep]
        weights = np.exp(-1.3 * (dist / r) ** 2) * rng.lognormal(0, 0.45, len(cx))
        per_cell = largest_remainder(weights, int(pops[i]))
        pool = ages[i].copy()
        own_cells.append([])
        for x, y, p in zip(cx, cy, per_cell, strict=True):
            if p == 0:
                continue
            by_age = rng.multivariate_hypergeometric(pool, int(p))
            pool -= by_age
            row = [
                f"demo100m:E{int(x) // 100}N{int(y) // 100}",
                int(x),
                int(y),
                int(p),
                *(int(v) for v in by_age),
            ]
            cell_rows.append(row)
            own_cells[i].append(row)
        assert pool.sum() == 0
    with open(OUT / "cells.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["id", "x", "y", "population", *BAND_COLUMNS])
        w.writerows(cell_rows)

    # --- street network -------------------------------------------------------------------------
    # The network was first generated from the random state that the first version's boundary
    # and cell steps left behind. Routing results, the demo timetable and the analyses are
    # calibrated on it, so it is pinned to that state: redrawing boundaries or cells (which draw
    # a different number of random values) must not move a single street.
    rng.bit_generator.state = STREETS_RNG_STATE
    osm = OsmWriter()
    grids = []
    for i, d in enumerate(DISTRICTS):
        grids.append(settlement_grid(osm, d[0], xs[i], ys[i], radii[i] * 1.05, d[2] == "core", rng))
    out_xy = np.array([TO_UTM.transform(o[2], o[1]) for o in OUTSIDE])
    for k, o in enumerate(OUTSIDE):
        grids.append(settlement_grid(osm, o[0], out_xy[k][0], out_xy[k][1], 300, False, rng))
    all_pts = np.vstack([pts, out_xy])
    tri = Delaunay(all_pts)
    edges = set()
    for simplex in tri.simplices:
        for a in range(3):
            u, v = sorted((int(simplex[a]), int(simplex[(a + 1) % 3])))
            edges.add((u, v))
    big = {i for i, d in enumerate(DISTRICTS) if d[2] == "core"}
    for u, v in sorted(edges):
        length = float(np.hypot(*(all_pts[u] - all_pts[v])))
        if length > 7000:
            continue
        gu = min(
            grids[u].values(), key=lambda g: math.hypot(g[1] - all_pts[v][0], g[2] - all_pts[v][1])
        )
        gv = min(
            grids[v].values(), key=lambda g: math.hypot(g[1] - all_pts[u][0], g[2] - all_pts[u][1])
        )
        if u in big or v in big:
            tags = {"highway": "secondary", "maxspeed": "100"}
        elif length > 3500:
            tags = {"highway": "tertiary", "maxspeed": "80"}
        else:
            tags = {"highway": "unclassified", "maxspeed": "70"}
        road(osm, gu, gv, tags, rng)
        if length < 4000 and rng.random() < 0.5:
            # farm tracks and cycle paths: reachable on foot and by bike, not by car
            road(osm, gu, gv, {"highway": "track", "bicycle": "yes"}, rng)
    osm.write(OUT / "streets.osm.gz")

    # --- facilities: plausible counts, invented positions ---------------------------------------
    fac_rows = []
    inner_polys = [p.buffer(-8) for p in cells_poly]
    for i, d in enumerate(DISTRICTS):
        plan = facility_plan(d[0], d[2], int(pops[i]))
        plan["bus_stop"] = (
            30 if d[0] == "Kernstadt Lemgo" else 6 if d[2] == "core" else 1 + int(pops[i]) // 600
        )
        own = own_cells[i]
        w = np.array([row[3] for row in own], dtype=float)
        for ftype in sorted(plan):
            names = REAL_NAMES.get((d[0], ftype), [])
            for k in range(plan[ftype]):
                row = own[int(rng.choice(len(own), p=w / w.sum()))]
                fx, fy = row[1], row[2]
                for _ in range(20):  # jitter within the cell, but stay inside the Ortsteil
                    jx = row[1] + float(rng.uniform(-45, 45))
                    jy = row[2] + float(rng.uniform(-45, 45))
                    if contains_xy(inner_polys[i], jx, jy):
                        fx, fy = jx, jy
                        break
                if ftype == "weekly_market" or (ftype == "hospital" and k == 0):
                    fx, fy = (
                        xs[i] + float(rng.uniform(-100, 100)),
                        ys[i] + float(rng.uniform(-100, 100)),
                    )
                flon, flat = TO_WGS.transform(fx, fy)
                name = (
                    names[k]
                    if k < len(names)
                    else (
                        f"{TYPE_NAMES[ftype]} {d[0].replace('Kernstadt ', '')}"
                        + (f" {k + 1}" if plan[ftype] > 1 else "")
                    )
                )
                fac_rows.append(
                    [
                        f"demo:{_slug(d[0])}:{ftype}:{k + 1}",
                        ftype,
                        name,
                        f"{flat:.6f}",
                        f"{flon:.6f}",
                        capacity(ftype, rng),
                        d[0],
                    ]
                )
    with open(OUT / "facilities.csv", "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(["id", "type", "name", "lat", "lon", "capacity", "address"])
        w.writerows(fac_rows)

    print(
        f"districts {n}, cells {len(cell_rows)}, facilities {len(fac_rows)}, "
        f"osm nodes {len(osm.nodes)}, ways {len(osm.ways)}"
    )
    for ags, poly in muni_poly.items():
        official = MUNICIPALITIES[ags]["area_km2"]
        print(
            f"{MUNICIPALITIES[ags]['name']}: illustrative outline {poly.area / 1e6:.1f} km² "
            f"(official {official} km², {poly.area / 1e6 / official - 1:+.1%})"
        )
        assert abs(poly.area / 1e6 / official - 1) < 0.1


def _slug(name: str) -> str:
    table = str.maketrans(
        {"ä": "ae", "ö": "oe", "ü": "ue", "ß": "ss", " ": "-", "Ä": "Ae", "Ö": "Oe", "Ü": "Ue"}
    )
    return name.translate(table).lower()


def _write_json(path: Path, data: dict) -> None:
    path.write_text(
        json.dumps(data, ensure_ascii=False, separators=(",", ":")) + "\n", encoding="utf-8"
    )


if __name__ == "__main__":
    main()
