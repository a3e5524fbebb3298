"""Stored supply results built by hand on the tiny region: one analysis run and one feed.

The figures are chosen so that each one is distinct on the page (no two cells show the same
number by accident), and decoys are stored that the region pages must NOT show: a newer failed
run, a per-municipality core-town figure, an age-band figure.

Hand-checked expectations (tiny region: A1 Ahausen-Mitte 200 people, A2 Adorf 100, B1 Bedorf 100):

* ÖV-Güteklassen: A1's cell is class B, A2's class E, B1's has none. Ahausen: B 66.7 %, E 33.3 %,
  A–D 66.7 %; Bedorf: no class 100 %, A–D 0.0 %; region: A–D 200/400 = 50.0 %.
"""

from __future__ import annotations

import datetime as dt

FINISHED = dt.datetime(2026, 3, 14, 9, 30, tzinfo=dt.UTC)  # 10:30 in Berlin


def build_supply_results(region, *, run_is_estimate: bool = True, feed_illustrative: bool = True):
    """Store the run, its indicator values and the feed with its cell classes; return both."""
    from nahraum.analysis.models import AnalysisRun, IndicatorValue
    from nahraum.region.models import DataSource, District, FacilityType, Municipality
    from nahraum.transit.models import CellClass, Feed

    gp, kita, pharmacy = (FacilityType.objects.get(key=k) for k in ("gp", "kita", "pharmacy"))
    ahausen = Municipality.objects.get(name="Ahausen")
    a1, a2, b1 = (District.objects.get(key=k) for k in ("A1", "A2", "B1"))
    params = {"modes": ["walk", "car"], "facility_types": ["gp", "kita", "pharmacy"]}
    run = AnalysisRun.objects.create(
        region=region,
        status=AnalysisRun.Status.DONE,
        parameters=params,
        is_estimate=run_is_estimate,
    )
    AnalysisRun.objects.filter(pk=run.pk).update(started=FINISHED, finished=FINISHED)
    run.refresh_from_db()

    def value(level, metric, mode, ftype, v, **kw):
        return IndicatorValue(
            run=run,
            level=level,
            metric=metric,
            mode=mode,
            facility_type=ftype,
            value=v,
            is_estimate=run_is_estimate,
            **kw,
        )

    IndicatorValue.objects.bulk_create(
        [
            # region: GP on foot 50 %, core towns 100 %, villages 0 % (as stored: fractions)
            value("region", "share_within_norm", "walk", gp, 0.5),
            value("area_kind", "share_within_norm", "walk", gp, 1.0, area_kind="core"),
            value("area_kind", "share_within_norm", "walk", gp, 0.0, area_kind="village"),
            value("region", "median_minutes", "walk", gp, 12.4),
            value("region", "share_within_norm", "car", gp, 0.875),
            value("area_kind", "share_within_norm", "car", gp, 0.9375, area_kind="core"),
            value("area_kind", "share_within_norm", "car", gp, 0.8125, area_kind="village"),
            value("region", "median_minutes", "car", gp, 3.6),
            # kita has a car figure only (no walk norm stored)
            value("region", "share_within_norm", "car", kita, 0.6875),
            value("region", "median_minutes", "car", kita, 5.7),
            # decoys: per municipality, per age band
            value(
                "area_kind",
                "share_within_norm",
                "walk",
                gp,
                0.333,
                area_kind="core",
                municipality=ahausen,
            ),
            value("region", "share_within_norm", "walk", gp, 0.991, age_band="75+"),
            # districts
            value("district", "share_within_norm", "walk", gp, 1.0, district=a1),
            value("district", "share_within_norm", "walk", gp, 0.25, district=a2),
            value("district", "median_minutes", "walk", gp, 21.6, district=a2),
            value("district", "share_within_norm", "car", gp, 1.0, district=a2),
            value("district", "median_minutes", "car", gp, 4.2, district=a2),
            value("district", "median_minutes", "car", kita, 6.8, district=a2),
            value("district", "share_within_norm", "walk", gp, 0.0, district=b1),
        ]
    )
    # a newer run that failed: its figures must never be shown
    failed = AnalysisRun.objects.create(
        region=region, status=AnalysisRun.Status.FAILED, parameters=params
    )
    IndicatorValue.objects.create(
        run=failed,
        level="region",
        metric="share_within_norm",
        mode="walk",
        facility_type=gp,
        value=0.123,
    )

    source = DataSource.objects.create(
        key="feed", name="Testfahrplan", licence="CC0-1.0", is_illustrative=feed_illustrative
    )
    feed = Feed.objects.create(
        region=region,
        source=source,
        name="Testfahrplan",
        checksum="0" * 64,
        valid_from=dt.date(2026, 1, 1),
        valid_to=dt.date(2026, 12, 31),
        service_date=dt.date(2026, 3, 10),
        timetable=b"",
    )
    for cell_key, klass in (("cell-A1", "B"), ("cell-A2", "E"), ("cell-B1", "")):
        CellClass.objects.create(feed=feed, cell=region.cells.get(key=cell_key), klass=klass)
    return run, feed
