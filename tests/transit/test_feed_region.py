"""A feed that does not belong to the region is refused before anything is stored (issue 13,
item 5): the tiny feed moved to another continent, to the next Land and beyond the margin."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from django.utils import translation

from nahraum.access import OutsideZoneWarning
from nahraum.region.models import DataSource
from nahraum.transit import services
from nahraum.transit.feed_region import FeedOutsideRegionError
from nahraum.transit.models import CellClass, Feed, Route, Stop

from .conftest import make_zip, tiny_feed_files


def shifted_feed(d_lon: float, d_lat: float = 0.0) -> bytes:
    """The tiny feed with every stop moved by (d_lon, d_lat) degrees."""
    files = dict(tiny_feed_files())
    lines = files["stops.txt"].splitlines()
    out = [lines[0]]
    for line in lines[1:]:
        f = line.split(",")
        f[2] = f"{float(f[2]) + d_lat:.6f}"
        f[3] = f"{float(f[3]) + d_lon:.6f}"
        out.append(",".join(f))
    files["stops.txt"] = "\n".join(out) + "\n"
    files["feed_info.txt"] = files["feed_info.txt"].replace("Testverbund", "Fremdverbund")
    return make_zip(files)


def state():
    return (
        list(Feed.objects.values_list("pk", "name", "is_active")),
        Stop.objects.count(),
        Route.objects.count(),
        CellClass.objects.count(),
        DataSource.objects.filter(key__startswith="gtfs-").count(),
    )


def test_a_feed_from_another_continent_is_refused_and_the_active_feed_stays(tiny_region, tiny_feed):
    first = services.import_feed(tiny_feed, tiny_region)
    before = state()
    with translation.override("en"), pytest.raises(FeedOutsideRegionError) as exc:
        services.import_feed(shifted_feed(-80.0), tiny_region)  # 8.9° E → 71.1° W (Boston)
    message = str(exc.value)
    assert "5 of 5 stops lie more than 20 km outside region" in message
    assert "longitude -71.50 to -71.07, latitude 52.00 to 52.30" in message
    assert "--allow-outside-region" in message
    assert state() == before
    assert Feed.objects.get(is_active=True).pk == first.pk


def test_the_refusal_is_german_by_default(tiny_region):
    with translation.override("de"), pytest.raises(FeedOutsideRegionError) as exc:
        services.import_feed(shifted_feed(-80.0), tiny_region)
    assert "5 von 5 Haltestellen liegen mehr als 20 km außerhalb" in str(exc.value)
    assert Feed.objects.count() == 0


def test_a_feed_in_the_next_land_is_refused_unless_allowed(tiny_region, tiny_feed):
    first = services.import_feed(tiny_feed, tiny_region)
    moved = shifted_feed(12.0)  # 8.9° E → 20.9° E: Poland, still 12° from zone 32's meridian
    with pytest.raises(FeedOutsideRegionError):
        services.import_feed(moved, tiny_region)
    assert Feed.objects.get(is_active=True).pk == first.pk
    with pytest.warns(OutsideZoneWarning):
        feed = services.import_feed(moved, tiny_region, allow_outside_region=True)
    assert feed.is_active and Feed.objects.get(is_active=True).pk == feed.pk


def test_a_feed_reaching_into_the_region_is_imported_though_most_stops_lie_outside(
    tiny_region,
):
    # a Land's or country's feed: the region's stops are a small part of it
    files = dict(tiny_feed_files())
    extra = "".join(
        f"X{i},Anderswo {i},{50.0 + i * 0.01:.2f},{11.0 + i * 0.01:.2f},0,\n" for i in range(30)
    )
    files["stops.txt"] += extra
    feed = services.import_feed(make_zip(files), tiny_region)
    assert feed.is_active and Stop.objects.filter(feed=feed).count() == 35


def test_the_command_refuses_and_its_flag_overrides(tiny_region, tiny_feed, tmp_path):
    from nahraum.cli import main

    good = tmp_path / "tiny.zip"
    good.write_bytes(tiny_feed)
    assert CliRunner().invoke(main, ["transit", "import", str(good)]).exit_code == 0
    moved = tmp_path / "moved.zip"
    moved.write_bytes(shifted_feed(0.0, 1.0))  # 111 km north: the North Sea coast
    result = CliRunner().invoke(main, ["transit", "import", str(moved)])
    assert result.exit_code == 1
    assert "moved.zip: 5 " in result.output and "--allow-outside-region" in result.output
    assert Feed.objects.get(is_active=True).name == "Testverbund"
    result = CliRunner().invoke(main, ["transit", "import", str(moved), "--allow-outside-region"])
    assert result.exit_code == 0, result.output
    assert Feed.objects.get(is_active=True).name == "Fremdverbund"
