"""Facilities and Ortsteile from OpenStreetMap files (XML and PBF), by the documented mapping."""

from __future__ import annotations

import osmium
import pytest

from nahraum.data.osm import import_osm_districts, import_osm_facilities
from nahraum.data.readers import DataImportError
from nahraum.region.models import District, Facility

# Testland spans lon 8.90–8.94, lat 52.00–52.02 (see conftest). Node 9 is in Munich.
FACILITIES_OSM = """<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6" generator="test">
 <node id="1" version="1" lat="52.0100" lon="8.9050">
  <tag k="amenity" v="pharmacy"/><tag k="name" v="Löwen-Apotheke"/>
  <tag k="addr:street" v="Mittelstraße"/><tag k="addr:housenumber" v="3"/>
 </node>
 <node id="2" version="1" lat="52.0100" lon="8.9150"/>
 <node id="3" version="1" lat="52.0100" lon="8.9170"/>
 <node id="4" version="1" lat="52.0120" lon="8.9170"/>
 <node id="5" version="1" lat="52.0120" lon="8.9150"/>
 <node id="6" version="1" lat="52.0110" lon="8.9300">
  <tag k="highway" v="bus_stop"/><tag k="name" v="Bedorf Mitte"/>
 </node>
 <node id="7" version="1" lat="52.0110" lon="8.9310">
  <tag k="amenity" v="kindergarten"/><tag k="capacity" v="ca. 40"/>
 </node>
 <node id="8" version="1" lat="52.0110" lon="8.9320"><tag k="shop" v="clothes"/></node>
 <node id="9" version="1" lat="48.1400" lon="11.5800"><tag k="amenity" v="doctors"/></node>
 <node id="11" version="1" lat="52.0050" lon="8.9200"/>
 <node id="12" version="1" lat="52.0050" lon="8.9250"/>
 <node id="13" version="1" lat="52.0080" lon="8.9250"/>
 <node id="14" version="1" lat="52.0080" lon="8.9200"/>
 <way id="10" version="1">
  <nd ref="2"/><nd ref="3"/><nd ref="4"/><nd ref="5"/><nd ref="2"/>
  <tag k="amenity" v="school"/><tag k="name" v="Gymnasium Adorf"/>
 </way>
 <way id="20" version="1">
  <nd ref="11"/><nd ref="12"/><nd ref="13"/><nd ref="14"/><nd ref="11"/>
 </way>
 <relation id="30" version="1">
  <member type="way" ref="20" role="outer"/>
  <tag k="type" v="multipolygon"/><tag k="leisure" v="park"/><tag k="name" v="Kurpark"/>
 </relation>
</osm>
"""


@pytest.fixture
def osm_xml(tmp_path):
    path = tmp_path / "extract.osm"
    path.write_text(FACILITIES_OSM, encoding="utf-8")
    return path


def test_facilities_from_osm_xml(testland, osm_xml):
    report = import_osm_facilities(osm_xml)
    assert (report.created, report.skipped) == (5, 1)  # the doctor in Munich is skipped
    got = {f.key: (f.type.key, f.name) for f in Facility.objects.all()}
    assert got == {
        "osm:node/1": ("pharmacy", "Löwen-Apotheke"),
        "osm:way/10": ("secondary_school", "Gymnasium Adorf"),
        "osm:node/6": ("bus_stop", "Bedorf Mitte"),
        "osm:node/7": ("kita", ""),
        "osm:relation/30": ("park", "Kurpark"),
    }
    school = Facility.objects.get(key="osm:way/10")
    assert school.lon == pytest.approx(8.916) and school.lat == pytest.approx(52.011)
    assert school.district.key == "A2"
    park = Facility.objects.get(key="osm:relation/30")
    assert park.lon == pytest.approx(8.9225) and park.municipality.name == "Bedorf"
    pharmacy = Facility.objects.get(key="osm:node/1")
    assert pharmacy.address == "Mittelstraße 3" and not pharmacy.is_estimate
    assert pharmacy.source.licence.startswith("ODbL")
    assert Facility.objects.get(key="osm:node/7").capacity is None  # "ca. 40" is no figure


def test_reimporting_osm_updates_instead_of_duplicating(testland, osm_xml, tmp_path):
    import_osm_facilities(osm_xml)
    (tmp_path / "later").mkdir()
    newer = tmp_path / "later" / "extract.osm"  # the same extract, downloaded again later
    newer.write_text(FACILITIES_OSM.replace("Löwen-Apotheke", "Neue Apotheke"), encoding="utf-8")
    report = import_osm_facilities(newer)
    assert (report.created, report.updated) == (0, 1)
    assert Facility.objects.count() == 5
    assert Facility.objects.get(key="osm:node/1").name == "Neue Apotheke"


def test_facilities_from_osm_pbf(testland, osm_xml, tmp_path):
    pbf = tmp_path / "extract.osm.pbf"
    with osmium.SimpleWriter(str(pbf)) as writer:
        for obj in osmium.FileProcessor(str(osm_xml)):
            writer.add(obj)
    import_osm_facilities(pbf)
    assert set(Facility.objects.values_list("key", flat=True)) == {
        "osm:node/1",
        "osm:way/10",
        "osm:node/6",
        "osm:node/7",
        "osm:relation/30",
    }


def test_broken_osm_file_is_refused_and_changes_nothing(testland, osm_xml, tmp_path, unchanged):
    import_osm_facilities(osm_xml)
    broken = tmp_path / "broken.osm.pbf"
    broken.write_bytes(b"\x00\x00\x00\x0dnot a pbf at all")
    with (
        unchanged(),
        pytest.raises(DataImportError, match="(?s)broken.osm.pbf: .*not a readable OSM file"),
    ):
        import_osm_facilities(broken)
    empty = tmp_path / "empty.osm"
    empty.write_bytes(b"")
    with unchanged(), pytest.raises(DataImportError, match="the file is empty"):
        import_osm_facilities(empty)


BOUNDARIES_OSM = """<?xml version="1.0" encoding="UTF-8"?>
<osm version="0.6" generator="test">
 <node id="1" version="1" lat="52.0000" lon="8.9200"/>
 <node id="2" version="1" lat="52.0000" lon="8.9400"/>
 <node id="3" version="1" lat="52.0200" lon="8.9400"/>
 <node id="4" version="1" lat="52.0200" lon="8.9200"/>
 <node id="5" version="1" lat="52.0100" lon="8.9300">
  <tag k="place" v="village"/><tag k="name" v="Bedorf"/>
 </node>
 <node id="6" version="1" lat="52.0100" lon="8.9050">
  <tag k="place" v="town"/><tag k="name" v="Ahausen"/><tag k="population" v="210"/>
 </node>
 <node id="7" version="1" lat="52.0100" lon="9.5000">
  <tag k="place" v="village"/><tag k="name" v="Fernab"/>
 </node>
 <way id="10" version="1"><nd ref="1"/><nd ref="2"/><nd ref="3"/><nd ref="4"/><nd ref="1"/></way>
 <relation id="40" version="1">
  <member type="way" ref="10" role="outer"/>
  <tag k="type" v="boundary"/><tag k="boundary" v="administrative"/>
  <tag k="admin_level" v="10"/><tag k="name" v="Bedorf"/><tag k="population" v="101"/>
 </relation>
</osm>
"""


def test_districts_from_admin_boundaries(testland, tmp_path):
    path = tmp_path / "admin.osm"
    path.write_text(BOUNDARIES_OSM, encoding="utf-8")
    report = import_osm_districts(path)
    assert report.created == 1 and "boundaries" in report.notes[0]
    d = District.objects.get(key="osm:relation/40")
    assert (d.name, d.population, d.municipality.name, d.boundary["type"]) == (
        "Bedorf",
        101,
        "Bedorf",
        "MultiPolygon",
    )
    assert d.kind == "core"  # the Ortsteil that carries the municipality's name


def test_districts_from_place_nodes_where_no_boundaries_are_mapped(testland, tmp_path):
    path = tmp_path / "places.osm"
    without_relation = BOUNDARIES_OSM.split(" <relation")[0] + "</osm>\n"
    path.write_text(without_relation, encoding="utf-8")
    report = import_osm_districts(path)
    assert "place nodes" in report.notes[0]
    got = {
        d.key: (d.name, d.kind, d.population, d.municipality.name)
        for d in District.objects.filter(key__startswith="osm:")
    }
    assert got == {
        "osm:node/5": ("Bedorf", "village", 0, "Bedorf"),
        "osm:node/6": ("Ahausen", "core", 210, "Ahausen"),
    }
    assert any("without a population tag" in n for n in report.notes)
    report = import_osm_districts(path)
    assert (report.created, report.unchanged) == (0, 2)
