"""The region's planar CRS (``Region.crs``) is chosen at import from where the region lies."""

from __future__ import annotations

import json
import shutil

import pytest

from nahraum.data.bundled import REGION_DIR
from nahraum.data.importers.region import _planar_crs, import_region
from nahraum.data.readers import DataImportError
from nahraum.region.models import Region, planar_crs


@pytest.fixture
def region_copy(tmp_path):
    target = tmp_path / "region"
    shutil.copytree(REGION_DIR, target)
    return target


def test_the_bundled_region_stays_in_utm_zone_32(db, region_copy):
    import_region(region_copy / "region.json")
    region = Region.objects.get()
    assert region.crs == "EPSG:25832"
    assert planar_crs(region.pk) == "EPSG:25832"
    assert planar_crs(None) == "EPSG:25832"  # no region: the default


def test_a_manifest_may_name_the_planar_crs_and_a_geographic_one_is_refused(
    db, region_copy, unchanged
):
    path = region_copy / "region.json"
    spec = json.loads(path.read_text(encoding="utf-8"))
    spec["planar_crs"] = "EPSG:4326"
    path.write_text(json.dumps(spec), encoding="utf-8")
    with unchanged(), pytest.raises(DataImportError, match="planar_crs 'EPSG:4326': not a proj"):
        import_region(path)
    spec["planar_crs"] = "EPSG:3035"
    path.write_text(json.dumps(spec), encoding="utf-8")
    import_region(path)
    assert Region.objects.get().crs == "EPSG:3035"


def test_a_region_east_of_12_degrees_gets_zone_33(tiny_region, tmp_path):
    # Görlitz-like boundaries at 14.9° E: zone 33, where zone 32 would be 5.9° off its meridian
    ring = [[14.9, 51.1], [15.0, 51.1], [15.0, 51.2], [14.9, 51.2], [14.9, 51.1]]
    tiny_region.municipalities.update(boundary={"type": "Polygon", "coordinates": [ring]})
    assert _planar_crs(tiny_region, tmp_path / "region.json", {}) == "EPSG:25833"
    # without boundaries the Ortsteil centres decide (Lemgo-like: 8.9° E)
    tiny_region.municipalities.update(boundary=None)
    assert _planar_crs(tiny_region, tmp_path / "region.json", {}) == "EPSG:25832"
