"""`nahraum import region MANIFEST`: a whole region, loaded whole or not at all."""

from __future__ import annotations

import json
import shutil

import pytest
from click.testing import CliRunner

from nahraum.data.bundled import REGION_DIR
from nahraum.data.importers.base import SourceSpec
from nahraum.data.importers.districts import import_districts
from nahraum.data.importers.region import import_region
from nahraum.data.readers import DataImportError
from nahraum.region.models import District, Region


@pytest.fixture
def region_copy(tmp_path):
    target = tmp_path / "region"
    shutil.copytree(REGION_DIR, target)
    return target


def edit_manifest(folder, change):
    path = folder / "region.json"
    spec = json.loads(path.read_text(encoding="utf-8"))
    change(spec)
    path.write_text(json.dumps(spec, ensure_ascii=False), encoding="utf-8")
    return path


def test_totals_that_do_not_add_up_are_refused(db, region_copy, unchanged):
    def wrong_total(spec):
        spec["municipalities"][0]["population"] = 40620

    manifest = edit_manifest(region_copy, wrong_total)
    with (
        unchanged(),
        pytest.raises(
            DataImportError, match="Lemgo: Ortsteile sum to 40619, official total is 40620"
        ),
    ):
        import_region(manifest)
    assert not Region.objects.exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda s: s.pop("municipalities"), "key 'municipalities' missing"),
        (lambda s: s["districts"].update(source="nowhere"), "source 'nowhere' is not listed"),
        (
            lambda s: s["cells"].update(crs="EPSG:4326"),
            "lat 5762550.0 / lon 492950.0 are not WGS 84",
        ),
        (lambda s: s["facilities"].update(file="missing.csv"), "file not found"),
    ],
    ids=["missing-key", "unknown-source", "wrong-crs", "missing-file"],
)
def test_bad_manifest_is_refused_and_changes_nothing(db, region_copy, unchanged, change, message):
    manifest = edit_manifest(region_copy, change)
    with unchanged(), pytest.raises(DataImportError) as info:
        import_region(manifest)
    assert message in str(info.value)


def test_unreadable_manifest(db, tmp_path, unchanged):
    manifest = tmp_path / "region.json"
    manifest.write_text("{not json", encoding="utf-8")
    with unchanged(), pytest.raises(DataImportError, match="not a readable region manifest"):
        import_region(manifest)


def test_import_region_command_loads_a_copy(db, region_copy):
    from nahraum.cli import main

    result = CliRunner().invoke(main, ["import", "region", str(region_copy / "region.json")])
    assert result.exit_code == 0, result.output
    assert "districts: 29 new" in result.output
    assert District.objects.filter(municipality__name="Kalletal").count() == 16


def test_districts_csv_with_bad_coordinates(db, region_copy, tmp_path, unchanged):
    import_region(region_copy / "region.json")
    path = tmp_path / "ot.csv"
    path.write_text(
        "id,name,municipality,population,lat,lon\nx,Neudorf,Lemgo,5,Nord,8.9\n", encoding="utf-8"
    )
    with (
        unchanged(),
        pytest.raises(DataImportError, match="row 2, field 'lat': 'Nord' is not a number"),
    ):
        import_districts(path, source=SourceSpec(name="t"))
