"""The bundled Lemgo–Kalletal region: complete, consistent, honest about what is estimated."""

from __future__ import annotations

import gzip
import importlib.util
import json

import numpy as np
import osmium
import pytest
from click.testing import CliRunner
from django.db.models import Sum
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from nahraum.data.bundled import REGION_DIR, REGION_MANIFEST, ensure_bundled_region
from nahraum.data.importers.region import import_region
from nahraum.region.models import (
    AGE_BANDS,
    DataSource,
    District,
    Facility,
    FacilityType,
    Municipality,
    PopulationCell,
)

LEMGO = {
    "Kernstadt Lemgo",
    "Brake",
    "Brüntorf",
    "Entrup",
    "Hörstmar",
    "Kirchheide",
    "Leese",
    "Lieme",
    "Lüerdissen",
    "Matorf",
    "Voßheide",
    "Wahmbeck",
    "Welstorf",
}
KALLETAL = {
    "Bavenhausen",
    "Brosen",
    "Echternhagen",
    "Erder",
    "Harkemissen",
    "Heidelbeck",
    "Henstorf",
    "Hohenhausen",
    "Kalldorf",
    "Langenholzhausen",
    "Lüdenhausen",
    "Osterhagen",
    "Stemmen",
    "Talle",
    "Varenholz",
    "Westorf",
}


@pytest.fixture
def bundled(db):
    assert ensure_bundled_region(echo=lambda _: None) is True


def test_summary_json_lists_both_municipalities_with_all_ortsteile(bundled):
    from nahraum.cli import main

    result = CliRunner().invoke(main, ["summary", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["region"] == "Lemgo–Kalletal"
    by_name = {m["name"]: m for m in data["municipalities"]}
    assert set(by_name) == {"Lemgo", "Kalletal"}
    lemgo, kalletal = by_name["Lemgo"], by_name["Kalletal"]
    assert (lemgo["ags"], lemgo["population"], lemgo["area_km2"], lemgo["trend"]) == (
        "05766044",
        40619,
        100.85,
        "shrinking",
    )
    assert (kalletal["ags"], kalletal["population"], kalletal["area_km2"], kalletal["trend"]) == (
        "05766036",
        14622,
        112.4,
        "growing",
    )
    assert {d["name"] for d in lemgo["districts"]} == LEMGO
    assert {d["name"] for d in kalletal["districts"]} == KALLETAL
    assert sum(d["population"] for d in lemgo["districts"]) == 40619
    assert sum(d["population"] for d in kalletal["districts"]) == 14622
    cores = {d["name"] for m in (lemgo, kalletal) for d in m["districts"] if d["kind"] == "core"}
    assert cores == {"Kernstadt Lemgo", "Hohenhausen"}
    assert all(d["is_estimate"] for m in (lemgo, kalletal) for d in m["districts"])
    assert all(d["population"] > 0 for m in (lemgo, kalletal) for d in m["districts"])
    assert lemgo["facilities"]["hospital"] == 1


def test_age_structures_and_cells_sum_exactly(bundled):
    for d in District.objects.all():
        assert set(d.population_by_age) == set(AGE_BANDS)
        assert sum(d.population_by_age.values()) == d.population, d.name
        cells = list(d.cells.all())
        assert cells, d.name
        assert sum(c.population for c in cells) == d.population, d.name
        for band in AGE_BANDS:
            assert sum(c.population_by_age[band] for c in cells) == d.population_by_age[band]
    assert PopulationCell.objects.filter(district=None).count() == 0
    total = PopulationCell.objects.aggregate(s=Sum("population"))["s"]
    assert total == 40619 + 14622
    # cells really are on a 100 m grid, inside their own municipality
    cell = PopulationCell.objects.select_related("district").first()
    assert cell.municipality_id == cell.district.municipality_id


def test_every_facility_type_is_present_and_marked_as_estimate(bundled):
    present = set(Facility.objects.values_list("type__key", flat=True))
    assert present == set(FacilityType.objects.values_list("key", flat=True))
    assert not Facility.objects.filter(is_estimate=False).exists()
    assert not Facility.objects.filter(district=None).exists()
    assert Facility.objects.get(name="Klinikum Lippe Lemgo").municipality.name == "Lemgo"


def test_sources_say_what_is_official_and_what_is_illustrative(bundled):
    official = DataSource.objects.get(key="itnrw-gemeinden-2023")
    assert (official.is_illustrative, official.date.isoformat()) == (False, "2023-12-31")
    assert "dl-de/by-2-0" in official.licence and "IT.NRW" in official.publisher
    for m in Municipality.objects.all():
        assert m.source == official and m.boundary_source.is_illustrative
    for d in District.objects.select_related("source"):
        assert d.source.is_illustrative and d.source.key == "nahraum-demo-districts"
    for key in ("nahraum-demo-cells", "nahraum-demo-facilities", "nahraum-demo-streets"):
        source = DataSource.objects.get(key=key)
        assert source.is_illustrative and len(source.checksum) == 64
    streets = DataSource.objects.get(key="nahraum-demo-streets")
    import hashlib

    assert (
        streets.checksum == hashlib.sha256((REGION_DIR / "streets.osm.gz").read_bytes()).hexdigest()
    )


def test_loading_twice_changes_nothing(bundled):
    counts = [model.objects.count() for model in (District, PopulationCell, Facility, DataSource)]
    assert ensure_bundled_region(echo=lambda _: None) is False
    report = import_region(REGION_MANIFEST)  # a forced re-import updates by stable id
    assert "districts: 0 new, 0 updated, 29 unchanged" in report.summary()
    n_cells = len((REGION_DIR / "cells.csv").read_text(encoding="utf-8").splitlines()) - 1
    assert f"cells: 0 new, 0 updated, {n_cells} unchanged" in report.summary()
    assert [
        model.objects.count() for model in (District, PopulationCell, Facility, DataSource)
    ] == counts


def test_street_network_is_osm_connected_and_reaches_every_ortsteil(bundled):
    nodes: dict[int, tuple[float, float]] = {}
    edges: list[tuple[int, int]] = []
    highways: dict[str, int] = {}
    for obj in osmium.FileProcessor(str(REGION_DIR / "streets.osm.gz")):
        if obj.is_node():
            nodes[obj.id] = (obj.location.lon, obj.location.lat)
        elif obj.is_way() and "highway" in obj.tags:
            kind = obj.tags["highway"]
            highways[kind] = highways.get(kind, 0) + 1
            refs = [n.ref for n in obj.nodes]
            edges.extend(zip(refs, refs[1:], strict=False))
            if kind in {"primary", "secondary", "tertiary", "residential", "unclassified"}:
                assert "maxspeed" in obj.tags
    assert 10_000 <= len(nodes) <= 40_000
    assert {"primary", "secondary", "tertiary", "residential", "track", "pedestrian"} <= set(
        highways
    )
    ids = np.array(sorted(nodes))
    index = {nid: i for i, nid in enumerate(ids)}
    a = np.array([index[u] for u, _ in edges])
    b = np.array([index[v] for _, v in edges])
    graph = coo_matrix((np.ones(len(a)), (a, b)), shape=(len(ids), len(ids)))
    _, labels = connected_components(graph, directed=False)
    xy = np.array([nodes[n] for n in ids])
    main_label = np.bincount(labels).argmax()
    for d in District.objects.all():
        nearest = np.argmin((xy[:, 0] - d.centre_lon) ** 2 + (xy[:, 1] - d.centre_lat) ** 2)
        assert labels[nearest] == main_label, d.name
        # the settlement's streets come within 300 m of its centre
        assert (
            np.hypot(
                (xy[nearest, 0] - d.centre_lon) * 68_000, (xy[nearest, 1] - d.centre_lat) * 111_000
            )
            < 300
        )


def test_generator_reproduces_the_bundled_files(tmp_path):
    spec = importlib.util.spec_from_file_location(
        "generate_demo_region", REGION_DIR.parents[4] / "scripts" / "generate_demo_region.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.OUT = tmp_path
    module.main()
    for name in ("districts.geojson", "municipalities.geojson", "cells.csv", "facilities.csv"):
        assert (tmp_path / name).read_bytes() == (REGION_DIR / name).read_bytes(), name
    assert gzip.decompress((tmp_path / "streets.osm.gz").read_bytes()) == gzip.decompress(
        (REGION_DIR / "streets.osm.gz").read_bytes()
    )
