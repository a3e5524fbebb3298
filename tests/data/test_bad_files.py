"""Bad files (issue 12, findings 10 and 12): impossible geometry, oversize fields, control
characters and files over the input limits are refused with a message that names file, row or
feature and field — and every table of the region and transit apps is exactly as before.

Each case here was accepted (or ended in a traceback) before the hardening.
"""

from __future__ import annotations

import json
import shutil
import zipfile
from contextlib import contextmanager

import numpy as np
import pyogrio.raw
import pytest
import shapely
from click.testing import CliRunner
from pyproj import Transformer

from nahraum.data.bundled import REGION_DIR
from nahraum.data.importers.base import SourceSpec
from nahraum.data.importers.cells import import_cells
from nahraum.data.importers.districts import import_districts
from nahraum.data.importers.facilities import import_facilities
from nahraum.data.importers.region import import_region
from nahraum.data.readers import DataImportError, read_table
from nahraum.region.models import District, Facility, Municipality, PopulationCell

SRC = SourceSpec(name="Register", licence="dl-de/by-2-0", publisher="Kreis")
UTM = Transformer.from_crs("EPSG:4326", "EPSG:25832", always_xy=True)
BOWTIE = [[8.92, 52.0], [8.93, 52.02], [8.93, 52.0], [8.92, 52.02], [8.92, 52.0]]


def every_row() -> dict[str, list[dict]]:
    """Every row of every model of the region and transit apps (DataSource included)."""
    from django.apps import apps

    return {
        model._meta.label: [
            {k: bytes(v) if isinstance(v, memoryview) else v for k, v in row.items()}
            for row in model.objects.order_by("pk").values()
        ]
        for label in ("region", "transit")
        for model in apps.get_app_config(label).get_models()
    }


@contextmanager
def refused(*messages: str):
    """The import inside is refused with all ``messages`` and changes no row of any table."""
    before = every_row()
    assert before["region.District"], "the test needs rows that could be changed"
    with pytest.raises(DataImportError) as info:
        yield info
    assert every_row() == before
    text = str(info.value)
    assert "nothing was changed" in text
    for message in messages:
        assert message in text, text


def feature(geometry: dict | None, **props) -> dict:
    return {"type": "Feature", "properties": props, "geometry": geometry}


def polygon(ring: list) -> dict:
    return {"type": "Polygon", "coordinates": [ring]}


def square(lon0: float, lat0: float, lon1: float, lat1: float) -> list:
    return [[lon0, lat0], [lon1, lat0], [lon1, lat1], [lon0, lat1], [lon0, lat0]]


def geojson(tmp_path, name: str, features: list[dict], **extra):
    path = tmp_path / name
    path.write_text(
        json.dumps({"type": "FeatureCollection", **extra, "features": features}), encoding="utf-8"
    )
    return path


def gpkg(path, geoms: list, fields: dict[str, list], crs: str | None):
    pyogrio.raw.write(
        path,
        shapely.to_wkb(np.array(geoms, dtype=object)),
        [np.array(v, dtype=object) for v in fields.values()],
        list(fields),
        driver="GPKG",
        geometry_type="Unknown",
        crs=crs,
        layer="data",
    )
    return path


def csv_file(tmp_path, name: str, text: str, encoding: str = "utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def utm_ring(ring: list) -> list:
    xs, ys = UTM.transform([p[0] for p in ring], [p[1] for p in ring])
    return [[round(x, 1), round(y, 1)] for x, y in zip(xs, ys, strict=True)]


# ---------------------------------------------------------------------------------------------
# 10. impossible geometry


@pytest.mark.parametrize(
    ("geometry", "messages"),
    [
        (polygon(BOWTIE), ["ot.geojson, feature 1: invalid geometry (Self-intersection["]),
        (
            polygon([[8.92, 52.0], [1e9, 52.0], [8.93, 52.02], [8.92, 52.0]]),
            ["feature 1: coordinates like x 1000000000.0 / y 52.0 are not degrees, but GeoJSON"],
        ),
        (
            polygon([[8.92, 52.0], [170.0, 52.0], [8.93, 52.02], [8.92, 52.0]]),
            ["feature 1: lon 170.00000 / lat 52.00000 lies outside Germany (lon 5–16, lat"],
        ),
        (
            polygon(utm_ring(square(8.92, 52.0, 8.93, 52.02))),
            [
                "feature 1: coordinates like x ",
                "UTM/metres without a CRS? Declare the CRS (e.g. --crs EPSG:25832)",
            ],
        ),
        ({"type": "Polygon", "coordinates": []}, ["feature 1: the geometry is empty"]),
        (
            {"type": "LineString", "coordinates": [[8.92, 52.0], [8.93, 52.01]]},
            ["feature 1: a LineString is not an Ortsteil"],
        ),
        (
            polygon(square(8.92, 52.0, 9.3, 52.02)),
            ["feature 1: the boundary reaches more than 15 km beyond the municipalities"],
        ),
    ],
    ids=[
        "self-intersecting",
        "1e9",
        "far-away",
        "utm-without-crs",
        "empty",
        "line",
        "beyond-the-region",
    ],
)
def test_districts_impossible_geometry_is_refused(testland, tmp_path, geometry, messages):
    # the municipality is named, so no point-in-polygon test stands in for the geometry check
    path = geojson(
        tmp_path,
        "ot.geojson",
        [feature(geometry, id="X", name="Xdorf", population=10, municipality="Bedorf")],
    )
    with refused(*messages):
        import_districts(path, source=SRC)


def test_districts_in_utm_import_once_the_crs_is_declared(testland, tmp_path):
    ring = utm_ring(square(8.92, 52.0, 8.93, 52.02))
    path = geojson(tmp_path, "ot.geojson", [feature(polygon(ring), id="X", name="X", population=7)])
    import_districts(path, source=SRC, crs="EPSG:25832")
    x = District.objects.get(key="X")
    assert x.municipality.name == "Bedorf" and x.boundary["coordinates"][0][0] == pytest.approx(
        [8.92, 52.0], abs=1e-6
    )
    legacy = geojson(
        tmp_path,
        "legacy.geojson",
        [feature(polygon(ring), id="Y", name="Y", population=3)],
        crs={"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::25832"}},
    )
    import_districts(legacy, source=SRC)  # the old GeoJSON "crs" member is honoured
    assert District.objects.get(key="Y").municipality.name == "Bedorf"


def test_districts_in_degrees_declared_as_utm_are_refused(testland, tmp_path):
    path = gpkg(
        tmp_path / "ot.gpkg",
        [shapely.Polygon(square(8.92, 52.0, 8.93, 52.02))],
        {"id": ["X"], "name": ["Xdorf"], "population": [10], "municipality": ["Bedorf"]},
        crs="EPSG:25832",
    )
    with refused(
        "ot.gpkg: all coordinates look like degrees (e.g. 8.92 / 52)",
        "declares EPSG:25832 (ETRS89 / UTM zone 32N), a reference system in metres",
    ):
        import_districts(path, source=SRC)


def test_districts_of_1e9_metres_are_refused(testland, tmp_path):
    x, y = UTM.transform(8.925, 52.01)
    path = gpkg(
        tmp_path / "ot.gpkg",
        [shapely.Polygon([(x, y), (1e9, y), (x, y + 100), (x, y)])],
        {"id": ["X"], "name": ["Xdorf"], "population": [10], "municipality": ["Bedorf"]},
        crs="EPSG:25832",
    )
    with refused("ot.gpkg, feature 1: lon ", "lies outside Germany"):
        import_districts(path, source=SRC)


def test_district_centre_of_1e9_is_refused(testland, tmp_path):
    path = csv_file(
        tmp_path,
        "ot.csv",
        "id;name;municipality;population;centre_lat;centre_lon\nX;Xdorf;Bedorf;10;52.01;1e9\n",
    )
    with refused("ot.csv, row 2, field 'centre_lat'/'centre_lon'", "are not WGS 84 degrees"):
        import_districts(path, source=SRC)


def test_a_file_that_contradicts_crs_is_refused(testland, tmp_path):
    path = gpkg(
        tmp_path / "ot.gpkg",
        [shapely.Point(UTM.transform(8.925, 52.01))],
        {"id": ["X"], "name": ["Xdorf"], "population": [10]},
        crs="EPSG:25832",
    )
    with refused("declares its reference system as EPSG:25832, but --crs says EPSG:3035"):
        import_districts(path, source=SRC, crs="EPSG:3035")


def test_facilities_invalid_polygon_and_degrees_as_metres_are_refused(testland, tmp_path):
    path = geojson(
        tmp_path, "f.geojson", [feature(polygon(BOWTIE), id="f1", type="gp", name="Praxis")]
    )
    with refused("f.geojson, feature 1: invalid geometry (Self-intersection"):
        import_facilities(path, source=SRC)
    path = csv_file(tmp_path, "f.csv", "id,type,x,y\n1,gp,8.905,52.01\n")
    with refused("f.csv: all values of 'x'/'y' look like degrees", "--crs EPSG:25832"):
        import_facilities(path, source=SRC, crs="EPSG:25832")
    assert not Facility.objects.exists()


def test_cells_invalid_square_is_refused(testland, tmp_path):
    path = gpkg(
        tmp_path / "zensus.gpkg",
        [shapely.Polygon(utm_ring(BOWTIE))],
        {"id": ["c1"], "Einwohner": [5]},
        crs="EPSG:25832",
    )
    with refused("zensus.gpkg, feature 1: invalid geometry (Self-intersection"):
        import_cells(path, source=SRC)
    assert not PopulationCell.objects.exists()


@pytest.fixture
def region_copy(tmp_path):
    target = tmp_path / "region"
    shutil.copytree(REGION_DIR, target)
    return target


def _edit_boundaries(folder, change) -> None:
    path = folder / "municipalities.geojson"
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data), encoding="utf-8")


def test_region_with_a_self_intersecting_municipality_is_refused(db, testland, region_copy):
    def twist(data):
        data["features"][0]["geometry"] = polygon(BOWTIE)

    _edit_boundaries(region_copy, twist)
    with refused("municipalities.geojson, feature 1: invalid geometry (Self-intersection"):
        import_region(region_copy / "region.json")


def test_region_boundaries_in_utm_need_their_crs(db, testland, region_copy):
    def to_utm(data):
        for f in data["features"]:
            g = shapely.geometry.shape(f["geometry"])
            f["geometry"] = shapely.geometry.mapping(
                shapely.transform(g, lambda xy: np.column_stack(UTM.transform(xy[:, 0], xy[:, 1])))
            )

    _edit_boundaries(region_copy, to_utm)
    with refused("municipalities.geojson, feature 1", "UTM/metres without a CRS?"):
        import_region(region_copy / "region.json")
    manifest = region_copy / "region.json"
    spec = json.loads(manifest.read_text(encoding="utf-8"))
    spec["municipality_boundaries"]["crs"] = "EPSG:25832"
    manifest.write_text(json.dumps(spec), encoding="utf-8")
    import_region(manifest)
    assert Municipality.objects.get(name="Lemgo").boundary is not None


def test_bounds_come_from_the_environment(monkeypatch, testland, tmp_path):
    from nahraum.data.readers import Bounds

    assert Bounds.from_env({}).contains([8.9, 16.5], [52.0, 52.0]).tolist() == [True, False]
    with pytest.raises(ValueError, match="NAHRAUM_IMPORT_BOUNDS"):
        Bounds.from_env({"NAHRAUM_IMPORT_BOUNDS": "1,2,3"})
    monkeypatch.setenv("NAHRAUM_IMPORT_BOUNDS", "8.0,51.0,10.0,53.0")
    path = geojson(
        tmp_path,
        "ot.geojson",
        [feature(polygon(square(8.92, 52.0, 8.93, 52.02)), id="X", name="X", population=1)],
    )
    import_districts(path, source=SRC)
    monkeypatch.setenv("NAHRAUM_IMPORT_BOUNDS", "9.0,51.0,10.0,53.0")
    with refused("lies outside NAHRAUM_IMPORT_BOUNDS (lon 9–10, lat 51–53)"):
        import_districts(path, source=SRC)


# ---------------------------------------------------------------------------------------------
# 12. oversize fields and control characters


@pytest.mark.parametrize("length", [120_000, 200_000], ids=["over-our-limit", "over-csv-limit"])
def test_oversize_csv_field_is_refused_naming_row_and_column(testland, tmp_path, length):
    path = csv_file(
        tmp_path,
        "f.csv",
        f"id,type,name,lat,lon\n1,gp,Praxis,52.01,8.905\n2,gp,{'x' * length},52.01,8.905\n",
    )
    with refused(
        f"f.csv, row 3, field 'name': {length:,} characters, more than the limit of 100,000 "
        "(NAHRAUM_MAX_FIELD_CHARS)"
    ):
        import_facilities(path, source=SRC)


def test_control_characters_are_refused_not_stored(testland, tmp_path):
    path = csv_file(tmp_path, "f.csv", "id,type,name,lat,lon\n1,gp,Pra\x00xis,52.01,8.905\n")
    with refused("f.csv, row 2, field 'name': control character U+0000 (NUL) at character 4"):
        import_facilities(path, source=SRC)
    path = geojson(
        tmp_path,
        "ot.geojson",
        [feature(polygon(square(8.92, 52.0, 8.93, 52.02)), id="X", name="X\x1bdorf", population=1)],
    )
    with refused("ot.geojson, feature 1, field 'name': control character U+001B at character 2"):
        import_districts(path, source=SRC)
    path = gpkg(
        tmp_path / "f.gpkg",
        [shapely.Point(UTM.transform(8.905, 52.01))],
        {"id": ["1"], "type": ["gp"], "address": ["Hauptstr.\x07 1"]},
        crs="EPSG:25832",
    )
    with refused("f.gpkg, feature 1, field 'address': control character U+0007"):
        import_facilities(path, source=SRC)
    assert not Facility.objects.exists()
    # tabs and line breaks are text, not control characters to refuse
    path = csv_file(
        tmp_path,
        "ok.csv",
        'id,type,name,address,lat,lon\n1,gp,Praxis\tWest,"Weg 1\r\nHof",52.01,8.905\n',
    )
    import_facilities(path, source=SRC)
    assert Facility.objects.get(key="1").address == "Weg 1\r\nHof"


def test_windows_text_read_as_latin1_is_refused_with_advice(testland, tmp_path):
    path = csv_file(
        tmp_path, "f.csv", "id,type,name,lat,lon\n1,gp,Praxis – Süd,52.01,8.905\n", "cp1252"
    )
    with refused("row 2, field 'name': control character U+0096", "try --encoding cp1252"):
        import_facilities(path, source=SRC, encoding="latin-1")
    import_facilities(path, source=SRC, encoding="cp1252")
    assert Facility.objects.get(key="1").name == "Praxis – Süd"


# ---------------------------------------------------------------------------------------------
# the same caps for every file: size, rows, archives


def test_file_over_the_upload_limit_is_refused_before_reading(monkeypatch, testland, tmp_path):
    monkeypatch.setenv("NAHRAUM_MAX_UPLOAD_BYTES", "40")
    path = csv_file(tmp_path, "f.csv", "id,type,lat,lon\n1,gp,52.01,8.905\n2,gp,52.01,8.905\n")
    with refused("f.csv: 50 bytes is more than the limit of 40 bytes (NAHRAUM_MAX_UPLOAD_BYTES)"):
        import_facilities(path, source=SRC)


def test_tables_over_the_row_limit_are_refused(monkeypatch, testland, tmp_path):
    monkeypatch.setenv("NAHRAUM_MAX_ROWS", "2")
    rows = "".join(f"{i},gp,52.01,8.905\n" for i in range(3))
    path = csv_file(tmp_path, "f.csv", "id,type,lat,lon\n" + rows)
    with refused("f.csv: import refused", "more than 2 rows, the limit of one table"):
        import_facilities(path, source=SRC)
    path = geojson(
        tmp_path,
        "f.geojson",
        [feature({"type": "Point", "coordinates": [8.905, 52.01]}, id=i, type="gp") for i in "abc"],
    )
    with refused("more than 2 rows, the limit of one table (NAHRAUM_MAX_ROWS)"):
        import_facilities(path, source=SRC)


def _zipped_shapefile(tmp_path, name: str = "praxen.zip"):
    shp = tmp_path / "shp" / "praxen.shp"
    shp.parent.mkdir()
    pyogrio.raw.write(
        shp,
        shapely.to_wkb(shapely.points(np.array([UTM.transform(8.905, 52.01)]))),
        [np.array(["z1"], dtype=object), np.array(["gp"], dtype=object)],
        ["id", "type"],
        driver="ESRI Shapefile",
        geometry_type="Point",
        crs="EPSG:25832",
    )
    path = tmp_path / name
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for part in shp.parent.iterdir():
            zf.write(part, part.name)
    return path


def test_zipped_shapefiles_are_read_within_the_archive_limits(monkeypatch, testland, tmp_path):
    good = _zipped_shapefile(tmp_path)
    bomb = tmp_path / "bomb.zip"
    shutil.copy(good, bomb)
    with zipfile.ZipFile(bomb, "a", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("padding.dbf", b"\0" * (4 * 1024 * 1024))
    with refused("bomb.zip: member padding.dbf inflates", "refused as a zip bomb"):
        import_facilities(bomb, source=SRC)
    monkeypatch.setenv("NAHRAUM_MAX_UNCOMPRESSED_BYTES", "100")
    with refused("praxen.zip: the archive unpacks to", "(NAHRAUM_MAX_UNCOMPRESSED_BYTES)"):
        import_facilities(good, source=SRC)
    monkeypatch.delenv("NAHRAUM_MAX_UNCOMPRESSED_BYTES")
    import_facilities(good, source=SRC)
    assert Facility.objects.get(key="z1").district.key == "A1"


def test_csv_is_read_as_a_stream_and_a_bad_byte_is_still_located(tmp_path):
    """A census file filtered while reading (--clip) costs memory for the rows kept, not for the
    file: it was read whole, decoded whole and parsed from a copy (over twice its size)."""
    import tracemalloc

    body = "".join(f"{i},gp,52.01,8.905,{'Musterstraße ' * 15}{i}\n" for i in range(20_000))
    path = tmp_path / "f.csv"
    path.write_bytes(("id,type,lat,lon,address\n" + body).encode())
    size = path.stat().st_size
    assert size > 4_000_000

    def only_row_one(columns):
        return lambda row: row["id"] == "1"

    tracemalloc.start()
    try:
        table = read_table(path, row_filter=only_row_one)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert [r["id"] for r in table.rows] == ["1"] and table.skipped == 19_999
    assert peak < size / 4, f"peak {peak:,} bytes for a file of {size:,}"
    with path.open("ab") as fh:
        fh.write(b"9,gp,K\xf6ln,8.9,x\n")
    with pytest.raises(DataImportError, match="line 20002: byte 0xf6 is not valid utf-8"):
        read_table(path)
    assert read_table(path, encoding="latin-1").rows[-1]["lat"] == "Köln"


# ---------------------------------------------------------------------------------------------
# the command line: a refusal is a message and exit code 1, never a traceback


@pytest.mark.parametrize(
    ("kind", "name", "content", "message"),
    [
        (
            "districts",
            "ot.geojson",
            json.dumps(
                {
                    "type": "FeatureCollection",
                    "features": [
                        feature(
                            polygon(BOWTIE), id="X", name="X", population=1, municipality="Bedorf"
                        )
                    ],
                }
            ),
            "ot.geojson, feature 1: invalid geometry (Self-intersection",
        ),
        (
            "facilities",
            "f.csv",
            f"id,type,name,lat,lon\n1,gp,{'x' * 140_000},52.01,8.905\n",
            "f.csv, row 2, field 'name': 140,000 characters",
        ),
    ],
    ids=["districts-geometry", "facilities-field"],
)
def test_the_command_refuses_without_a_traceback(testland, tmp_path, kind, name, content, message):
    from nahraum.cli import main

    path = csv_file(tmp_path, name, content)
    before = every_row()
    result = CliRunner().invoke(main, ["import", kind, str(path)])
    assert result.exit_code == 1
    assert isinstance(result.exception, SystemExit), result.exception
    assert message in result.output and "Traceback" not in result.output
    assert every_row() == before


def test_the_region_command_names_a_bad_setting_without_a_traceback(db, region_copy, monkeypatch):
    from nahraum.cli import main

    monkeypatch.setenv("NAHRAUM_IMPORT_BOUNDS", "west,south,east,north")
    result = CliRunner().invoke(main, ["import", "region", str(region_copy / "region.json")])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.exception
    assert "NAHRAUM_IMPORT_BOUNDS='west,south,east,north': expected min_lon" in result.output
