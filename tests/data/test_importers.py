"""Importers: good files land where they belong; every bad file is refused and changes nothing."""

from __future__ import annotations

import json

import numpy as np
import pyogrio.raw
import pytest
import shapely
from click.testing import CliRunner
from pyproj import Transformer

from nahraum.data.importers.base import SourceSpec
from nahraum.data.importers.cells import import_cells
from nahraum.data.importers.districts import import_districts
from nahraum.data.importers.facilities import import_facilities
from nahraum.data.readers import DataImportError, parse_mapping
from nahraum.region.models import DataSource, District, Facility, PopulationCell

SRC = SourceSpec(name="Register", licence="dl-de/by-2-0", publisher="Kreis")
UTM = Transformer.from_crs("EPSG:4326", "EPSG:25832", always_xy=True)
LAEA = Transformer.from_crs("EPSG:4326", "EPSG:3035", always_xy=True)


def write(tmp_path, name: str, text: str, encoding: str = "utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def write_gpkg(path, lonlat: list[tuple[float, float]], fields: dict[str, list], crs="EPSG:25832"):
    """A real GeoPackage of points in ``crs`` (written by GDAL through pyogrio)."""
    t = Transformer.from_crs("EPSG:4326", crs, always_xy=True)
    xs, ys = t.transform([p[0] for p in lonlat], [p[1] for p in lonlat])
    geometry = shapely.to_wkb(shapely.points(np.column_stack([xs, ys])))
    pyogrio.raw.write(
        path,
        geometry,
        [np.array(v, dtype=object) for v in fields.values()],
        list(fields),
        driver="GPKG",
        geometry_type="Point",
        crs=crs,
        layer="data",
    )
    return path


# ---------------------------------------------------------------------------------------------
# facilities


def test_facilities_csv_with_mapping_semicolons_and_decimal_commas(testland, tmp_path):
    path = write(
        tmp_path,
        "praxen.csv",
        "NR;ART;NAME;BREITE;LAENGE;PLAETZE\n"
        "1;gp;Praxis West;52,01;8,905;2\n"
        "2;Apotheke;Apotheke Ost;52,01;8,93;\n",
    )
    report = import_facilities(
        path,
        source=SRC,
        mapping=parse_mapping("id=NR,type=ART,name=NAME,lat=BREITE,lon=LAENGE,capacity=PLAETZE"),
    )
    assert (report.created, report.updated) == (2, 0)
    west = Facility.objects.get(key="1")
    assert (west.type.key, west.name, west.capacity) == ("gp", "Praxis West", 2.0)
    assert (west.municipality.name, west.district.key) == ("Ahausen", "A1")
    east = Facility.objects.get(key="2")
    assert (east.type.key, east.municipality.name, east.district.key) == (
        "pharmacy",
        "Bedorf",
        "B1",
    )
    assert west.source.licence == "dl-de/by-2-0" and len(west.source.checksum) == 64


def test_facilities_reimport_updates_by_id_without_duplicates(testland, tmp_path):
    path = write(tmp_path, "kitas.csv", "id,type,name,lat,lon\nk1,kita,Kita A,52.01,8.915\n")
    import_facilities(path, source=SRC)
    path.write_text(
        "id,type,name,lat,lon,capacity\nk1,kita,Kita Adorf,52.01,8.915,60\n"
        "k2,kita,Kita Bedorf,52.01,8.93,40\n",
        encoding="utf-8",
    )
    report = import_facilities(path, source=SRC)
    assert (report.created, report.updated) == (1, 1)
    assert Facility.objects.filter(type__key="kita").count() == 2
    k1 = Facility.objects.get(key="k1")
    assert (k1.name, k1.capacity, k1.district.key) == ("Kita Adorf", 60.0, "A2")
    assert DataSource.objects.filter(name="Register").count() == 1


def test_facilities_geopackage_in_utm32(testland, tmp_path):
    path = write_gpkg(
        tmp_path / "schulen.gpkg",
        [(8.905, 52.005), (8.935, 52.015)],
        {
            "id": ["s1", "s2"],
            "ART": ["Grundschule", "secondary_school"],
            "name": ["GS Mitte", "Realschule Bedorf"],
        },
    )
    import_facilities(path, source=SRC, mapping={"type": "ART"})
    s1 = Facility.objects.get(key="s1")
    assert s1.lon == pytest.approx(8.905, abs=1e-7) and s1.lat == pytest.approx(52.005, abs=1e-7)
    assert (s1.type.key, s1.district.key) == ("primary_school", "A1")
    assert Facility.objects.get(key="s2").municipality.ags == "05000002"


def test_facilities_geojson(testland, tmp_path):
    path = tmp_path / "maerkte.geojson"
    path.write_text(
        json.dumps(
            {
                "type": "FeatureCollection",
                "features": [
                    {
                        "type": "Feature",
                        "properties": {"id": "m1", "type": "supermarket", "name": "Markt"},
                        "geometry": {"type": "Point", "coordinates": [8.915, 52.01]},
                    }
                ],
            }
        ),
        encoding="utf-8",
    )
    import_facilities(path, source=SRC)
    assert Facility.objects.get(key="m1").district.key == "A2"


def test_facilities_near_the_border_outside_are_kept_without_municipality(testland, tmp_path):
    path = write(tmp_path, "kh.csv", "id,type,lat,lon\nh1,hospital,52.01,8.96\n")
    import_facilities(path, source=SRC)
    h1 = Facility.objects.get(key="h1")
    assert h1.municipality is None and h1.district is None


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("id,name,lat,lon\n1,X,52.01,8.905\n", "required column 'type' is missing"),
        (
            "id,type,lat,lon\n1,cinema,52.01,8.905\n",
            "row 2, field 'type': unknown facility type 'cinema'",
        ),
        (
            "id,type,lat,lon\n1,gp,48.14,11.58\n",
            "row 2: lat 48.14000 / lon 11.58000 lies more than 15 km outside",
        ),
        (
            "id,type,lat,lon\n1,gp,zweiundfünfzig,8.905\n",
            "row 2, field 'lat': 'zweiundfünfzig' is not a number",
        ),
        ("id,type,lat,lon\n1,gp,52.01,\n", "row 2: coordinates missing"),
        ("id,type,lat,lon\n1,gp,952.01,8.905\n", "are not WGS 84 degrees"),
        (
            "id,type,lat,lon\n7,gp,52.01,8.905\n7,pharmacy,52.01,8.91\n",
            "row 3, field 'id': duplicate id '7' (also in row 2)",
        ),
        ("", "the file is empty"),
        ("id,type,lat,lon\n", "the file contains no rows"),
        ("id,type,lat,lon,capacity\n1,kita,52.01,8.905,-5\n", "field 'capacity': '-5' is negative"),
    ],
    ids=[
        "missing-column",
        "unknown-type",
        "outside-region",
        "not-a-number",
        "missing-coordinate",
        "not-degrees",
        "duplicate-id",
        "empty-file",
        "header-only",
        "negative-capacity",
    ],
)
def test_facilities_bad_csv_is_refused_and_changes_nothing(
    testland, tmp_path, unchanged, content, message
):
    # a good import first, so that "nothing changed" also covers existing rows
    import_facilities(write(tmp_path, "ok.csv", "id,type,lat,lon\nok,gp,52.01,8.905\n"), source=SRC)
    path = write(tmp_path, "bad.csv", content)
    with unchanged(), pytest.raises(DataImportError) as info:
        import_facilities(path, source=SRC)
    assert "bad.csv" in str(info.value) and "nothing was changed" in str(info.value)
    assert message in str(info.value)


def test_facilities_bad_rows_are_all_listed(testland, tmp_path, unchanged):
    path = write(
        tmp_path, "bad.csv", "id,type,lat,lon\n1,gp,52.01,8.905\n2,kino,52.01,8.905\n3,gp,x,8.9\n"
    )
    with unchanged(), pytest.raises(DataImportError) as info:
        import_facilities(path, source=SRC)
    assert [p.split(",")[1].strip() for p in info.value.problems] == ["row 3", "row 4"]


def test_facilities_latin1_csv_is_refused_with_advice_and_reads_with_encoding(
    testland, tmp_path, unchanged
):
    path = write(
        tmp_path,
        "ärzte.csv",
        "id,type,name,lat,lon\n1,gp,Praxis Dr. Müller,52.01,8.905\n",
        encoding="latin-1",
    )
    with (
        unchanged(),
        pytest.raises(
            DataImportError, match=r"line 2: byte 0xfc is not valid utf-8.*--encoding latin-1"
        ),
    ):
        import_facilities(path, source=SRC)
    import_facilities(path, source=SRC, encoding="latin-1")
    assert Facility.objects.get(key="1").name == "Praxis Dr. Müller"


def test_facilities_truncated_geopackage_is_refused(testland, tmp_path, unchanged):
    path = write_gpkg(
        tmp_path / "full.gpkg",
        [(8.905, 52.005)] * 50,
        {"id": [f"p{i}" for i in range(50)], "type": ["gp"] * 50},
    )
    data = path.read_bytes()
    broken = tmp_path / "broken.gpkg"
    broken.write_bytes(data[: len(data) // 3])
    with unchanged(), pytest.raises(DataImportError, match="broken.gpkg"):
        import_facilities(broken, source=SRC)


def test_facilities_mapping_to_a_missing_column_is_refused(testland, tmp_path, unchanged):
    path = write(tmp_path, "f.csv", "id,type,lat,lon\n1,gp,52.01,8.905\n")
    with unchanged(), pytest.raises(DataImportError, match="column mapping names column 'ART'"):
        import_facilities(path, source=SRC, mapping={"type": "ART"})


def test_facilities_projected_coordinates_need_crs(testland, tmp_path, unchanged):
    x, y = UTM.transform(8.905, 52.01)
    path = write(tmp_path, "f.csv", f"id,type,x,y\n1,gp,{x:.1f},{y:.1f}\n")
    with unchanged(), pytest.raises(DataImportError, match="--crs"):
        import_facilities(path, source=SRC)
    import_facilities(path, source=SRC, crs="EPSG:25832")
    assert Facility.objects.get(key="1").district.key == "A1"


def test_import_facilities_command_prints_errors_and_summary(testland, tmp_path):
    runner = CliRunner()
    from nahraum.cli import main

    bad = write(tmp_path, "bad.csv", "id,type,lat,lon\n1,kino,52.01,8.905\n")
    result = runner.invoke(main, ["import", "facilities", str(bad)])
    assert result.exit_code == 1
    assert "unknown facility type 'kino'" in result.output
    good = write(tmp_path, "good.csv", "NR;ART;lat;lon\n1;gp;52,01;8,905\n")
    result = runner.invoke(
        main,
        [
            "import",
            "facilities",
            str(good),
            "--map",
            "id=NR,type=ART",
            "--licence",
            "CC-BY-4.0",
            "--date",
            "2024-05-01",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "facilities: 1 new, 0 updated" in result.output
    assert Facility.objects.get(key="1").source.date.isoformat() == "2024-05-01"


# ---------------------------------------------------------------------------------------------
# districts


def district_feature(key, name, lon0, lon1, population, **props):
    return {
        "type": "Feature",
        "properties": {"id": key, "name": name, "population": population, **props},
        "geometry": {
            "type": "Polygon",
            "coordinates": [
                [[lon0, 52.0], [lon1, 52.0], [lon1, 52.02], [lon0, 52.02], [lon0, 52.0]]
            ],
        },
    }


def write_geojson(tmp_path, name, features):
    path = tmp_path / name
    path.write_text(
        json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8"
    )
    return path


def test_districts_geojson_with_ages_and_point_in_polygon(testland, tmp_path):
    ages = {
        "age_0_5": 10,
        "age_6_9": 10,
        "age_10_17": 10,
        "age_18_29": 20,
        "age_30_49": 50,
        "age_50_64": 50,
        "age_65_74": 25,
        "age_75plus": 25,
    }
    path = write_geojson(
        tmp_path,
        "ot.geojson",
        [
            district_feature("B1", "Bedorf", 8.92, 8.93, 200, kind="Dorf", **ages),
            district_feature("B2", "Bedorf-Süd", 8.93, 8.94, 80, kind="village"),
        ],
    )
    # B1 came from the source "testland"; this file is a newer version of it
    newer = SourceSpec(name="Testland 2024", licence="CC0-1.0", key="testland")
    report = import_districts(path, source=newer, is_estimate=True)
    assert (report.created, report.updated) == (1, 1)
    b1 = District.objects.get(key="B1")
    assert (b1.population, b1.kind, b1.municipality.name, b1.is_estimate) == (
        200,
        "village",
        "Bedorf",
        True,
    )
    assert b1.population_by_age["30-49"] == 50 and sum(b1.population_by_age.values()) == 200
    assert b1.boundary["type"] == "Polygon"
    assert District.objects.get(key="B2").municipality.ags == "05000002"
    assert District.objects.count() == 4


@pytest.mark.parametrize(
    ("features", "message"),
    [
        (
            [district_feature("X", "Xdorf", 8.92, 8.93, None)],
            "field 'population': population missing",
        ),
        (
            [{"type": "Feature", "properties": {"id": "X", "name": "X"}, "geometry": None}],
            "required column 'population' is missing",
        ),
        (
            [district_feature("X", "Xdorf", 8.92, 8.93, "viele")],
            "field 'population': 'viele' is not a number",
        ),
        (
            [district_feature("X", "Xdorf", 9.5, 9.6, 10)],
            "lies in none of the region's municipalities",
        ),
        (
            [
                district_feature("X", "Xdorf", 8.92, 8.93, 10),
                district_feature("X", "Ydorf", 8.93, 8.94, 5),
            ],
            "feature 2, field 'id': duplicate id 'X' (also in feature 1)",
        ),
        (
            [district_feature("X", "Xdorf", 8.92, 8.93, 10, kind="Metropole")],
            "'Metropole' is neither core",
        ),
        (
            [district_feature("X", "Xdorf", 8.92, 8.93, 10, municipality="Cehausen")],
            "no municipality 'Cehausen'",
        ),
        (
            [
                district_feature(
                    "X",
                    "Xdorf",
                    8.92,
                    8.93,
                    10,
                    age_0_5=3,
                    age_6_9=3,
                    age_10_17=0,
                    age_18_29=0,
                    age_30_49=0,
                    age_50_64=0,
                    age_65_74=0,
                    age_75plus=0,
                )
            ],
            "age bands sum to 6, but the population is 10",
        ),
    ],
    ids=[
        "missing-population",
        "missing-column",
        "not-a-number",
        "outside-region",
        "duplicate-id",
        "unknown-kind",
        "unknown-municipality",
        "ages-do-not-sum",
    ],
)
def test_districts_bad_geojson_is_refused_and_changes_nothing(
    testland, tmp_path, unchanged, features, message
):
    path = write_geojson(tmp_path, "ot.geojson", features)
    with unchanged(), pytest.raises(DataImportError) as info:
        import_districts(path, source=SRC)
    assert message in str(info.value) and "ot.geojson" in str(info.value)


def test_districts_empty_and_truncated_files_are_refused(testland, tmp_path, unchanged):
    empty = write_geojson(tmp_path, "leer.geojson", [])
    with unchanged(), pytest.raises(DataImportError, match="no rows"):
        import_districts(empty, source=SRC)
    zero = write(tmp_path, "null.gpkg", "")
    with unchanged(), pytest.raises(DataImportError, match="the file is empty"):
        import_districts(zero, source=SRC)
    full = write_gpkg(
        tmp_path / "ot.gpkg",
        [(8.905, 52.005)] * 40,
        {"id": [f"d{i}" for i in range(40)], "name": ["D"] * 40, "population": [1] * 40},
    )
    broken = tmp_path / "ot-broken.gpkg"
    broken.write_bytes(full.read_bytes()[:4096])
    with unchanged(), pytest.raises(DataImportError, match="ot-broken.gpkg"):
        import_districts(broken, source=SRC)


def test_districts_csv_latin1_needs_encoding(testland, tmp_path, unchanged):
    path = write(
        tmp_path,
        "ot.csv",
        "id;name;population;lat;lon\nB9;Bödorf;12;52,01;8,935\n",
        encoding="latin-1",
    )
    with unchanged(), pytest.raises(DataImportError, match="--encoding latin-1"):
        import_districts(path, source=SRC)
    import_districts(path, source=SRC, encoding="latin-1")
    b9 = District.objects.get(key="B9")
    assert (b9.name, b9.municipality.name, b9.boundary) == ("Bödorf", "Bedorf", None)


# ---------------------------------------------------------------------------------------------
# population cells


def census_csv(tmp_path, rows: list[tuple[str, float, float, object]], name="zensus.csv"):
    lines = ["GITTER_ID_100m;x_mp_100m;y_mp_100m;Einwohner"]
    for cell_id, lon, lat, pop in rows:
        x, y = LAEA.transform(lon, lat)
        lines.append(f"{cell_id};{x:.0f};{y:.0f};{pop}")
    return write(tmp_path, name, "\n".join(lines) + "\n")


def test_cells_census_grid_in_epsg3035_with_clip(testland, tmp_path):
    path = census_csv(
        tmp_path, [("c1", 8.905, 52.01, 30), ("c2", 8.935, 52.01, 12), ("far", 10.0, 53.5, 99)]
    )
    report = import_cells(path, source=SRC, crs="EPSG:3035", clip=True)
    assert (report.created, report.skipped) == (2, 1)
    c1 = PopulationCell.objects.get(key="c1")
    assert (c1.population, c1.district.key, c1.municipality.name) == (30, "A1", "Ahausen")
    assert c1.lat == pytest.approx(52.01, abs=1e-5)
    # re-import with a changed figure: updated, not duplicated
    path = census_csv(tmp_path, [("c1", 8.905, 52.01, 31)])
    report = import_cells(path, source=SRC, crs="EPSG:3035")
    assert (report.created, report.updated) == (0, 1)
    assert PopulationCell.objects.count() == 2
    assert PopulationCell.objects.get(key="c1").population == 31


def test_cells_with_age_bands(testland, tmp_path):
    path = write(
        tmp_path,
        "cells.csv",
        "id,lat,lon,population,0-5,6-9,10-17,18-29,30-49,50-64,65-74,75+\n"
        "a,52.01,8.905,8,1,1,1,1,1,1,1,1\n",
    )
    import_cells(path, source=SRC)
    assert PopulationCell.objects.get(key="a").population_by_age["75+"] == 1


@pytest.mark.parametrize(
    ("content", "kwargs", "message"),
    [
        ("id,lat,lon\na,52.01,8.905\n", {}, "required column 'population' is missing"),
        ("id,lat,lon,population\na,52.01,8.905,-3\n", {}, "'-3' is not a whole number"),
        ("id,lat,lon,population\na,52.01,8.905,2.5\n", {}, "'2.5' is not a whole number"),
        ("id,lat,lon,population\na,nord,8.905,2\n", {}, "field 'lat': 'nord' is not a number"),
        (
            "id,lat,lon,population\na,52.01,8.99,2\n",
            {},
            "outside the municipalities of region testland (use --clip",
        ),
        ("id,lat,lon,population\na,52.01,8.905,2\na,52.01,8.915,3\n", {}, "duplicate id 'a'"),
        ("id,x,y,population\na,1,2,3\n", {}, "say which reference system with --crs"),
        (
            "id,x,y,population\na,1,2,3\n",
            {"crs": "EPSG:999999"},
            "unknown coordinate reference system",
        ),
        (
            "id,lat,lon,population,age_0_5\na,52.01,8.905,2,5\n",
            {},
            "age bands sum to 5, but the population is 2",
        ),
        ("", {}, "the file is empty"),
    ],
    ids=[
        "missing-column",
        "negative",
        "fraction",
        "not-a-number",
        "outside-region",
        "duplicate-id",
        "needs-crs",
        "unknown-crs",
        "ages-do-not-sum",
        "empty-file",
    ],
)
def test_cells_bad_input_is_refused_and_changes_nothing(
    testland, tmp_path, unchanged, content, kwargs, message
):
    import_cells(write(tmp_path, "ok.csv", "id,lat,lon,population\nok,52.01,8.905,5\n"), source=SRC)
    path = write(tmp_path, "cells.csv", content)
    with unchanged(), pytest.raises(DataImportError) as info:
        import_cells(path, source=SRC, **kwargs)
    assert message in str(info.value) and "cells.csv" in str(info.value)


def test_cells_latin1_and_truncated_geopackage(testland, tmp_path, unchanged):
    latin = write(
        tmp_path,
        "zellen.csv",
        "id,lat,lon,population,bemerkung\nz,52.01,8.905,4,Straße\n",
        encoding="latin-1",
    )
    with unchanged(), pytest.raises(DataImportError, match="not valid utf-8"):
        import_cells(latin, source=SRC)
    full = write_gpkg(
        tmp_path / "zellen.gpkg",
        [(8.905, 52.005)] * 60,
        {"id": [f"z{i}" for i in range(60)], "population": [1] * 60},
    )
    import_cells(full, source=SRC)
    assert PopulationCell.objects.count() == 60
    broken = tmp_path / "zellen-kaputt.gpkg"
    broken.write_bytes(full.read_bytes()[: full.stat().st_size // 2])
    with unchanged(), pytest.raises(DataImportError, match="zellen-kaputt.gpkg"):
        import_cells(broken, source=SRC)


def test_parse_mapping_rejects_malformed_text():
    assert parse_mapping("name=NAME, type=ART") == {"name": "NAME", "type": "ART"}
    with pytest.raises(ValueError, match="expected FIELD=COLUMN"):
        parse_mapping("name")


def test_facility_margin_is_measured_in_kilometres(testland, tmp_path, unchanged):
    # Testland's east edge is lon 8.94; at 52° N one degree of longitude is about 68.7 km
    near = write(tmp_path, "near.csv", "id,type,lat,lon\nn,hospital,52.01,9.0858\n")  # ~10 km
    import_facilities(near, source=SRC)
    assert Facility.objects.filter(key="n").exists()
    far = write(tmp_path, "far.csv", "id,type,lat,lon\nf,hospital,52.01,9.2315\n")  # ~20 km
    with unchanged(), pytest.raises(DataImportError, match="more than 15 km outside"):
        import_facilities(far, source=SRC)
    import_facilities(far, source=SRC, margin_km=25)
    assert Facility.objects.get(key="f").municipality is None


def test_ids_of_another_register_are_not_overwritten(testland, tmp_path, unchanged):
    kitas = write(tmp_path, "kitas.csv", "id,type,lat,lon\n1,kita,52.01,8.905\n2,kita,52.01,8.93\n")
    import_facilities(kitas, source=SRC)
    praxen = write(tmp_path, "praxen.csv", "id,type,lat,lon\n1,gp,52.01,8.915\n")
    with (
        unchanged(),
        pytest.raises(DataImportError, match="id '1' already belongs to a facility from source"),
    ):
        import_facilities(praxen, source=SRC)
    import_facilities(praxen, source=SRC, id_prefix="praxis:")
    assert Facility.objects.get(key="1").type.key == "kita"
    assert Facility.objects.get(key="praxis:1").type.key == "gp"


def test_cells_clip_with_nothing_in_the_region_is_refused(testland, tmp_path, unchanged):
    # e.g. the wrong --crs, or a census file of another Land
    path = census_csv(tmp_path, [("x1", 10.0, 53.5, 5), ("x2", 10.1, 53.5, 7)])
    with unchanged(), pytest.raises(DataImportError, match="none of the 2 rows lies in the region"):
        import_cells(path, source=SRC, crs="EPSG:3035", clip=True)
