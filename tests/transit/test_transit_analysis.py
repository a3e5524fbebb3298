"""The mode "transit" in the analysis: same indicators as walking, values checked by hand."""

from __future__ import annotations

import numpy as np
import pytest

from nahraum.access import AccessError
from nahraum.access.projection import to_utm
from nahraum.analysis.models import CrossBorderFlow, IndicatorValue
from nahraum.analysis.services import known_modes, run_analysis
from nahraum.transit import services

WALK_MS = 5.0 / 3.6
DETOUR = 1.3


def test_transit_is_a_registered_mode():
    assert "transit" in known_modes()


def test_without_a_feed_the_mode_says_what_to_do(tiny_region):
    with pytest.raises(
        AccessError,
        match=r"no timetable \(GTFS\) imported for region .test.; run .nahraum transit import",
    ):
        run_analysis(tiny_region, modes=["transit"], store=False)


def test_transit_indicators_match_a_hand_computed_journey(tiny_region, tiny_feed):
    services.import_feed(tiny_feed, tiny_region, window=services.parse_window("07:45-08:05"))
    run = run_analysis(tiny_region, modes=["straight", "transit"])
    assert "transit" in run.parameters["modes"]
    values = IndicatorValue.objects.filter(run=run, mode="transit")
    assert values.filter(level="district").exists()
    assert values.filter(level="municipality").exists()
    assert values.filter(level="area_kind").exists()
    # Ahausen-Mitte (A1, at stop P1) to the Kita in Bedorf (B1, at stop P3), 07:45–08:05:
    # the bus to Bedorf leaves P1 at 08:00 and arrives 08:10 (the next one at 10:10); or walk.
    x, y = to_utm(np.array([8.9, 8.9292]), np.array([52.0, 52.0]))
    walk = float(np.hypot(x[1] - x[0], y[1] - y[0])) * DETOUR / WALK_MS
    minutes = np.arange(7 * 3600 + 2700, 8 * 3600 + 300, 60)
    bus = np.where(minutes <= 8 * 3600, 8 * 3600 + 600 - minutes, np.inf)
    expected = np.median(np.minimum(walk, bus)) / 60
    value = values.get(
        level="district",
        district__key="A1",
        facility_type__key="kita",
        metric="median_minutes",
        age_band="",
    ).value
    assert value == pytest.approx(expected, abs=0.01)
    straight = IndicatorValue.objects.get(
        run=run,
        mode="straight",
        level="district",
        district__key="A1",
        facility_type__key="kita",
        metric="median_minutes",
        age_band="",
    ).value
    assert value < straight - 10  # the bus saves more than ten minutes
    # the Kita lies across the border (Bedorf): the mode has cross-border figures like walking
    assert CrossBorderFlow.objects.filter(run=run, mode="transit").exists()


def test_time_summaries_per_district_with_90th_percentile(tiny_region, tiny_feed, client):
    from click.testing import CliRunner

    from nahraum.cli import main
    from nahraum.transit.models import TravelTimeSummary

    feed = services.import_feed(tiny_feed, tiny_region, window=services.parse_window("07:45-08:05"))
    result = CliRunner().invoke(main, ["transit", "times", "--types", "kita,nope"])
    assert result.exit_code == 1 and "unknown facility type(s) nope" in result.output
    result = CliRunner().invoke(main, ["transit", "times", "--types", "kita", "--json"])
    assert result.exit_code == 0, result.output
    row = TravelTimeSummary.objects.get(feed=feed, district__key="A1", facility_type__key="kita")
    # as in the hand-computed journey above: bus at 08:00 (arrive 08:10) or walk ~31 min
    x, y = to_utm(np.array([8.9, 8.9292]), np.array([52.0, 52.0]))
    walk = float(np.hypot(x[1] - x[0], y[1] - y[0])) * DETOUR / WALK_MS
    minutes = np.arange(7 * 3600 + 2700, 8 * 3600 + 300, 60)
    times = np.sort(
        np.minimum(walk, np.where(minutes <= 8 * 3600, 8 * 3600 + 600 - minutes, np.inf))
    )
    assert row.median_min == pytest.approx(np.median(times) / 60, abs=0.01)
    assert row.p90_min == pytest.approx(times[int(np.ceil(0.9 * len(times))) - 1] / 60, abs=0.01)
    assert row.walk_min == pytest.approx(walk / 60, abs=0.01)
    assert row.best_min == pytest.approx(times[0] / 60, abs=0.01)  # leave at 08:00: 10 min
    assert row.best_min == pytest.approx(10.0, abs=0.01)
    html = client.get("/de/transit/?type=kita").content.decode()
    assert 'id="time-table"' in html and "90. Perzentil" in html
    assert "Schnellste Verbindung (min)" in html and "10,0" in html
    html = client.get("/en/transit/district/A1/").content.decode()
    assert 'id="district-time-table"' in html and "90th percentile" in html


def test_transit_norms_count_people_within_them(tiny_region, tiny_feed):
    """A transit norm is met where the median by bus is within it (regression: the mode gave no
    distance, the analysis read NaN metres as "beyond the norm" and every share was 0 %)."""
    from nahraum.region.models import FacilityType, Norm

    kita = FacilityType.objects.get(key="kita")
    Norm.objects.create(
        facility_type=kita,
        mode="transit",
        max_minutes=40,
        label_de="40 min ÖV",
        label_en="40 min by bus",
        source="test norm",
    )
    services.import_feed(tiny_feed, tiny_region, window=services.parse_window("07:45-08:05"))
    run = run_analysis(tiny_region, modes=["transit"])

    def value(metric):
        return IndicatorValue.objects.get(
            run=run,
            mode="transit",
            level="district",
            district__key="A1",
            facility_type__key="kita",
            metric=metric,
            age_band="",
        ).value

    # Ahausen-Mitte's median to the Kita is about 20 min by bus or on foot (see above): within 40
    assert value("median_minutes") < 40
    assert value("share_within_norm") == pytest.approx(1.0)
    Norm.objects.filter(facility_type=kita, mode="transit").update(max_minutes=5)
    run = run_analysis(tiny_region, modes=["transit"])
    assert value("share_within_norm") == pytest.approx(0.0)
