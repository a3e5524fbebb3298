"""A refused feed (zip bomb, runaway field, too many rows) leaves every transit table as it was,
and the active feed stays the active one; the command names the file once."""

from __future__ import annotations

import zipfile

import pytest
from click.testing import CliRunner

from nahraum.access.limits import InputTooLargeError
from nahraum.region.models import DataSource
from nahraum.transit import models, services

from .conftest import tiny_feed_files


def snapshot() -> dict:
    """Every row of every transit table (and the feeds' data sources), as values."""
    tables = {
        m.__name__: list(m.objects.order_by("pk").values())
        for m in (
            models.Feed,
            models.Stop,
            models.Route,
            models.DemandResponsiveService,
            models.CellClass,
            models.TravelTimeSummary,
        )
    }
    tables["DataSource"] = list(DataSource.objects.order_by("pk").values())
    for row in tables["Feed"]:
        row["timetable"] = bytes(row["timetable"])
    return tables


def write_feed(path, *, stop_times_mib: int = 0, field: str = "", extra_rows: int = 0):
    """The tiny feed, its stop_times.txt followed by ``stop_times_mib`` MiB of one repeated row
    (a bomb), or with ``field`` as an extra column of its last row, or ``extra_rows`` more."""
    files = tiny_feed_files()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in files.items():
            if name != "stop_times.txt":
                zf.writestr(name, text)
        with zf.open("stop_times.txt", "w", force_zip64=True) as fh:
            text = files["stop_times.txt"]
            if field:
                lines = text.splitlines()
                lines[0] += ",stop_headsign"
                lines = [line + "," for line in lines[:-1]] + [f"{lines[-1]},{field}"]
                text = "\n".join(lines) + "\n"
            fh.write(text.encode())
            row = b"bus-0-0,07:00:00,07:00:00,P1,1\n"
            fh.write(row * extra_rows)
            for _ in range(stop_times_mib):
                fh.write(row * (2**20 // len(row)))
    return path


SQUARE = {
    "type": "Polygon",
    "coordinates": [
        [[8.925, 51.996], [8.934, 51.996], [8.934, 52.004], [8.925, 52.004], [8.925, 51.996]]
    ],
}


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("bomb", r"^bomb\.zip: member stop_times\.txt inflates"),
        ("field", r"^field\.zip: stop_times\.txt, row \d+, field stop_headsign: more than"),
        ("rows", r"^rows\.zip: stop_times\.txt: more than 1,000 rows \(NAHRAUM_MAX_ROWS\)"),
    ],
)
def test_a_refused_feed_changes_no_table(
    tiny_region, tiny_feed, tmp_path, monkeypatch, kind, message
):
    active = services.import_feed(tiny_feed, tiny_region)
    services.add_demand_responsive(
        tiny_region,
        name="Kalle",
        line="737",
        area=SQUARE,
        weekdays=[0, 1, 2, 3, 4],
        hours="08:00-18:00",
        max_wait_min=30,
        source_name="test",
    )
    before = snapshot()
    assert before["Stop"] and before["CellClass"] and before["DemandResponsiveService"]
    if kind == "bomb":
        path = write_feed(tmp_path / "bomb.zip", stop_times_mib=60)
    elif kind == "field":
        path = write_feed(tmp_path / "field.zip", field="x" * 200_000)
    else:
        monkeypatch.setenv("NAHRAUM_MAX_ROWS", "1000")  # stops, routes and trips fit
        path = write_feed(tmp_path / "rows.zip", extra_rows=1000)
    with pytest.raises(InputTooLargeError, match=message):
        services.import_feed(path, tiny_region)
    assert snapshot() == before
    assert services.active_feed(tiny_region) == active


def test_the_command_names_the_file_once(tiny_region, tmp_path):
    from nahraum.cli import main

    path = write_feed(tmp_path / "bomb.zip", stop_times_mib=60)
    result = CliRunner().invoke(main, ["transit", "import", str(path)])
    assert result.exit_code == 1
    assert "Error: bomb.zip: member stop_times.txt inflates" in result.output
    assert "bomb.zip: bomb.zip" not in result.output
    assert not models.Feed.objects.exists()
