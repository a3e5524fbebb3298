"""Data from another continent is refused by every importer (issue 13, import safety): the
Germany box (``NAHRAUM_IMPORT_BOUNDS``) and, for facilities, the margin around the region."""

from __future__ import annotations

import pytest

from nahraum.data.importers.base import SourceSpec
from nahraum.data.importers.cells import import_cells
from nahraum.data.importers.facilities import import_facilities
from nahraum.data.readers import DataImportError

SRC = SourceSpec(name="Register", licence="dl-de/by-2-0", publisher="Kreis")


def test_facilities_from_another_continent_are_refused(testland, tmp_path, unchanged):
    # the Lemgo rows moved 80° west: New England
    path = tmp_path / "fremd.csv"
    path.write_text("id,type,lat,lon\n1,gp,52.01,-71.095\n2,kita,52.01,-71.07\n")
    with unchanged(), pytest.raises(DataImportError) as exc:
        import_facilities(path, source=SRC)
    assert "row 2: lon -71.09500 / lat 52.01000 lies outside Germany" in str(exc.value)
    assert "row 3: lon -71.07000" in str(exc.value)
    with unchanged(), pytest.raises(DataImportError, match="lies outside Germany"):
        import_facilities(path, source=SRC, margin_km=100_000)  # the margin is not the only guard


def test_cells_from_another_continent_are_refused(testland, tmp_path, unchanged):
    path = tmp_path / "zellen.csv"
    path.write_text("id,lat,lon,population\nc1,52.01,-71.095,12\n")
    with unchanged(), pytest.raises(DataImportError, match="outside") as exc:
        import_cells(path, source=SRC)
    assert "row 2: lon -71.09500 / lat 52.01000 lies outside Germany" in str(exc.value)
