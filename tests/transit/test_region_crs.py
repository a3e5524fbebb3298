"""Transit levels are computed in the region's planar CRS (``Region.crs``), not in Lemgo's zone:
the tiny region and its feed moved 40° east (48.9° E, UTM zone 39) give the same classes."""

from __future__ import annotations

import warnings

from nahraum.access import utm_crs
from nahraum.region.models import District, Facility, PopulationCell
from nahraum.transit import services
from nahraum.transit.models import CellClass

from .conftest import make_zip, tiny_feed_files

#: P2 moved to 285 m west of Adorf's cell: inside the 300 m band of class E. Projected into
#: EPSG:25832 from 48.9° E every distance grows by ~9 % (to ~310 m): the next band.
P2_LON = 8.9146 - 285.0 / 68_660.0


def feed(d_lon: float) -> bytes:
    files = dict(tiny_feed_files())
    lines = files["stops.txt"].splitlines()
    out = [lines[0]]
    for line in lines[1:]:
        f = line.split(",")
        lon = P2_LON if f[0] == "P2" else float(f[3])
        f[3] = f"{lon + d_lon:.6f}"
        out.append(",".join(f))
    files["stops.txt"] = "\n".join(out) + "\n"
    return make_zip(files)


def move_region(region, d_lon: float) -> None:
    for d in District.objects.filter(municipality__region=region):
        d.centre_lon += d_lon
        ring = d.boundary["coordinates"][0]
        d.boundary = {"type": "Polygon", "coordinates": [[[x + d_lon, y] for x, y in ring]]}
        d.save()
    for c in PopulationCell.objects.filter(region=region):
        c.lon += d_lon
        c.save()
    for f in Facility.objects.all():
        f.lon += d_lon
        f.save()


def classes(feed_row) -> dict[str, str]:
    return dict(CellClass.objects.filter(feed=feed_row).values_list("cell__key", "klass"))


def test_levels_far_from_lemgo_use_the_regions_utm_zone(tiny_region):
    home = classes(services.import_feed(feed(0.0), tiny_region))
    assert home["cell-A2"] == "E"  # 285 m from a category VI stop
    move_region(tiny_region, 40.0)
    tiny_region.crs = utm_crs(48.9, 52.0)
    tiny_region.save()
    assert tiny_region.crs == "EPSG:32639"
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # inside its own zone: no OutsideZoneWarning
        moved = services.import_feed(feed(40.0), tiny_region)
    assert classes(moved) == home
