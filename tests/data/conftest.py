"""Fixtures for the data tests: a small region with municipality boundaries, and a DB snapshot.

The region "Testland" is built by hand so that every expected point-in-polygon answer can be
checked on paper: two municipalities side by side, each 0.02° wide.

    lon 8.90        8.91        8.92                    8.94
        +-----------+-----------+-----------------------+  lat 52.02
        | A1 (core) | A2        | B1                    |
        +-----------+-----------+-----------------------+  lat 52.00
        |<----- Ahausen (AGS 05000001) ->|<- Bedorf (05000002) ->|
"""

from __future__ import annotations

import pytest


def box(lon0: float, lat0: float, lon1: float, lat1: float) -> dict:
    return {
        "type": "Polygon",
        "coordinates": [[[lon0, lat0], [lon1, lat0], [lon1, lat1], [lon0, lat1], [lon0, lat0]]],
    }


@pytest.fixture
def testland(db):
    from nahraum.data.taxonomy import load_taxonomy
    from nahraum.region import models as m

    load_taxonomy()
    source = m.DataSource.objects.create(
        key="testland", name="Testland", licence="CC0-1.0", is_illustrative=True
    )
    region = m.Region.objects.create(slug="testland", name="Testland", source=source)
    a = m.Municipality.objects.create(
        region=region,
        ags="05000001",
        name="Ahausen",
        population=300,
        area_km2=3,
        boundary=box(8.90, 52.00, 8.92, 52.02),
        source=source,
    )
    b = m.Municipality.objects.create(
        region=region,
        ags="05000002",
        name="Bedorf",
        population=100,
        area_km2=3,
        boundary=box(8.92, 52.00, 8.94, 52.02),
        source=source,
    )
    m.District.objects.create(
        municipality=a,
        key="A1",
        name="Ahausen-Mitte",
        kind="core",
        population=200,
        centre_lat=52.01,
        centre_lon=8.905,
        boundary=box(8.90, 52.00, 8.91, 52.02),
        source=source,
    )
    m.District.objects.create(
        municipality=a,
        key="A2",
        name="Adorf",
        kind="village",
        population=100,
        centre_lat=52.01,
        centre_lon=8.915,
        boundary=box(8.91, 52.00, 8.92, 52.02),
        source=source,
    )
    m.District.objects.create(
        municipality=b,
        key="B1",
        name="Bedorf",
        kind="village",
        population=100,
        centre_lat=52.01,
        centre_lon=8.93,
        boundary=box(8.92, 52.00, 8.94, 52.02),
        source=source,
    )
    return region


def snapshot() -> dict:
    """Every row of every table an import may touch, to prove a refused import changed nothing."""
    from nahraum.region import models as m

    tables = {}
    for model in (
        m.DataSource,
        m.Region,
        m.Municipality,
        m.District,
        m.PopulationCell,
        m.Facility,
        m.FacilityType,
        m.InnovationField,
        m.Norm,
    ):
        tables[model.__name__] = list(model.objects.order_by("pk").values())
    return tables


@pytest.fixture
def unchanged(db):
    """Use as ``with unchanged():`` around code that must leave the database as it was."""
    from contextlib import contextmanager

    @contextmanager
    def check():
        before = snapshot()
        yield
        after = snapshot()
        assert after == before

    return check
