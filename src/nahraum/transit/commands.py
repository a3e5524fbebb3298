"""`nahraum transit …`: import a GTFS feed, recompute service levels, show them, add a Rufbus."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import click

from nahraum.bootstrap import setup_django


def _region(slug: str | None):
    from nahraum.region.models import Region

    qs = Region.objects.order_by("pk")
    region = qs.filter(slug=slug).first() if slug else qs.first()
    if region is None:
        known = ", ".join(qs.values_list("slug", flat=True)) or "none"
        raise click.ClickException(f"no region {slug or ''!r}; known: {known}")
    return region


def _date(text: str | None) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise click.BadParameter(f"{text!r} is not a date (YYYY-MM-DD)") from None


@click.group("transit")
def transit_group() -> None:
    """Public transport: GTFS timetables, ÖV-Güteklassen, travel times by bus and train."""


@transit_group.command("import")
@click.argument("feed_path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--region", "region_slug", default=None, help="Region slug (default: the first).")
@click.option(
    "--date",
    "date_text",
    default=None,
    help="Service day YYYY-MM-DD (default: a typical Tuesday within the validity).",
)
@click.option(
    "--window", default="07:00-09:00", show_default=True, help="Departure window for travel times."
)
@click.option("--name", default=None, help="Name of the feed (default: from feed_info/agency).")
@click.option("--licence", default="", help="Licence of the data, e.g. 'CC BY 4.0'.")
@click.option("--publisher", default="")
@click.option("--url", default="")
@click.option("--illustrative", is_flag=True, help="Mark the data as illustrative, not official.")
@click.option(
    "--allow-outside-region",
    is_flag=True,
    help="Import a feed whose stops lie outside the region (refused by default).",
)
@click.option("--json", "as_json", is_flag=True)
@click.option(
    "--background",
    is_flag=True,
    help="Run it as a job in the worker (progress shown here; Ctrl-C leaves it running).",
)
def import_command(
    feed_path: Path,
    region_slug,
    date_text,
    window,
    name,
    licence,
    publisher,
    url,
    illustrative,
    allow_outside_region,
    as_json,
    background,
) -> None:
    """Import FEED_PATH (a GTFS zip) in one transaction and compute its service levels."""
    setup_django()
    if background:
        from nahraum.jobs.commands import start_and_watch

        from .jobs import IMPORT_GTFS

        params = {
            "feed": str(feed_path.resolve()),
            "region": region_slug,
            "date": date_text,
            "window": window,
            "name": name,
            "licence": licence,
            "publisher": publisher,
            "url": url,
            "illustrative": illustrative,
            "allow_outside_region": allow_outside_region,
        }
        job = start_and_watch(IMPORT_GTFS, params)
        if as_json:
            click.echo(json.dumps(job.result, ensure_ascii=False, indent=2))
        else:
            click.echo(job.result["report"])
        return
    from nahraum.access import AccessError

    from .services import class_shares, import_feed, import_report_text, parse_window

    try:
        feed = import_feed(
            feed_path,
            _region(region_slug),
            name=name,
            licence=licence,
            publisher=publisher,
            url=url,
            illustrative=illustrative,
            service_date=_date(date_text),
            window=parse_window(window),
            allow_outside_region=allow_outside_region,
        )
    except AccessError as exc:
        message = str(exc)  # a limit's message names the file already
        if not message.startswith(f"{feed_path.name}:"):
            message = f"{feed_path.name}: {message}"
        raise click.ClickException(message) from None
    if as_json:
        click.echo(
            json.dumps(
                {
                    "feed": feed.pk,
                    "summary": feed.summary,
                    "report": feed.report,
                    "service_date": feed.service_date.isoformat(),
                    "classes": class_shares(feed)["region"],
                },
                ensure_ascii=False,
                indent=2,
            )
        )
    else:
        click.echo(import_report_text(feed))
        _echo_shares(feed)
        click.echo(
            "day types (school day, Saturday, Sunday, school holidays × windows): run "
            "`nahraum transit daytypes` (an import with --background queues it as a job)"
        )


def _echo_shares(feed) -> None:
    from .services import class_shares

    shares = class_shares(feed)["region"]
    total = sum(shares.values()) or 1
    parts = [f"{k or '–'} {100 * v / total:.1f} %" for k, v in shares.items()]
    click.echo("ÖV-Güteklassen (share of people): " + ", ".join(parts))


@transit_group.command("classes")
@click.option("--region", "region_slug", default=None)
@click.option("--date", "date_text", default=None, help="New service day YYYY-MM-DD.")
@click.option("--window", default=None, help="New departure window, e.g. 06:30-08:30.")
def classes_command(region_slug, date_text, window) -> None:
    """Recompute departures, stop categories and cell classes of the active feed."""
    setup_django()
    from django.db import transaction

    from nahraum.access import AccessError

    from .services import active_feed, compute_levels, parse_window

    region = _region(region_slug)
    feed = active_feed(region)
    if feed is None:
        raise click.ClickException(
            f"no feed imported for {region.slug}; run `nahraum transit import FEED.zip`"
        )
    try:
        day = _date(date_text)
        if day is not None:
            if not feed.valid_from <= day <= feed.valid_to:
                raise AccessError(
                    f"service day {day}: outside the feed's validity "
                    f"{feed.valid_from} – {feed.valid_to}"
                )
            feed.service_date = day
        if window:
            feed.window_start, feed.window_end = parse_window(window)
        with transaction.atomic():
            feed.save()
            compute_levels(feed)
            if day is not None or window:
                # travel times of another day or window are no longer the feed's figures
                feed.time_summaries.all().delete()
    except AccessError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{feed.name}: service day {feed.service_date}, window {feed.window_label}")
    if day is not None or window:
        click.echo(
            "travel times: run `nahraum transit times` (and `nahraum analyze --modes "
            "walk,bike,car,transit`) for the new day or window"
        )
    _echo_shares(feed)


@transit_group.command("show")
@click.option("--region", "region_slug", default=None)
@click.option("--json", "as_json", is_flag=True)
def show_command(region_slug, as_json) -> None:
    """Print the active feed, its import report and the busiest stops."""
    setup_django()
    from .models import Stop
    from .services import active_feed, class_shares, import_report_text

    region = _region(region_slug)
    feed = active_feed(region)
    if feed is None:
        raise click.ClickException(f"no feed imported for {region.slug}")
    stops = Stop.objects.filter(feed=feed, is_station=False).order_by("-departures_day")[:10]
    if as_json:
        click.echo(
            json.dumps(
                {
                    "feed": feed.name,
                    "summary": feed.summary,
                    "report": feed.report,
                    "service_date": feed.service_date.isoformat(),
                    "window": feed.window_label,
                    "classes": class_shares(feed)["region"],
                    "stops": [
                        {
                            "id": s.stop_id,
                            "name": s.name,
                            "departures": s.departures_day,
                            "interval_min": s.interval_min,
                            "category": s.category,
                        }
                        for s in stops
                    ],
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    click.echo(import_report_text(feed))
    _echo_shares(feed)
    for s in stops:
        click.echo(
            f"  {s.name:<40} {s.departures_day:>4} dep.  interval {s.interval_min} min  "
            f"category {s.category or '–'}"
        )


@transit_group.command("rufbus")
@click.option("--region", "region_slug", default=None)
@click.option("--name", required=True)
@click.option("--line", default="")
@click.option(
    "--area",
    "area_path",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    default=None,
    help="GeoJSON (WGS 84) of the service area.",
)
@click.option("--municipality", "ags", default=None, help="Use this municipality's boundary.")
@click.option(
    "--days", default="0-4", show_default=True, help="Weekdays, 0 = Monday: '0-4' or '0,2,5'."
)
@click.option("--hours", default="08:00-18:00", show_default=True, help="First–last pick-up.")
@click.option("--max-wait", type=click.IntRange(1, 600), required=True, help="Minutes.")
@click.option("--speed", type=click.FloatRange(1, 120), default=30.0, show_default=True)
@click.option("--source", "source_name", required=True, help="Where these figures come from.")
@click.option("--licence", default="", help="Licence of the figures.")
@click.option("--illustrative", is_flag=True)
def rufbus_command(
    region_slug,
    name,
    line,
    area_path,
    ags,
    days,
    hours,
    max_wait,
    speed,
    source_name,
    licence,
    illustrative,
) -> None:
    """Add a demand-responsive service (area, hours, maximum wait); recompute the classes."""
    setup_django()
    from nahraum.access import AccessError

    from .services import add_demand_responsive, parse_weekdays

    region = _region(region_slug)
    try:
        if area_path is not None:
            area = json.loads(area_path.read_text(encoding="utf-8"))
        elif ags:
            area = None
        else:
            raise AccessError("give the service area: --area FILE.geojson or --municipality AGS")
        service = add_demand_responsive(
            region,
            name=name,
            line=line,
            area=area,
            municipality_ags=ags,
            weekdays=parse_weekdays(days),
            hours=hours,
            max_wait_min=max_wait,
            speed_kmh=speed,
            source_name=source_name,
            licence=licence,
            illustrative=illustrative,
        )
    except (AccessError, json.JSONDecodeError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"added {service}")


@transit_group.command("times")
@click.option("--region", "region_slug", default=None)
@click.option("--types", default=None, help="Comma-separated facility type keys (default: all).")
@click.option("--json", "as_json", is_flag=True)
def times_command(region_slug, types, as_json) -> None:
    """Travel times by bus and train per district: median and 90th percentile over minutes."""
    setup_django()
    from nahraum.access import AccessError
    from nahraum.region.models import FacilityType

    from .models import TravelTimeSummary
    from .services import active_feed, compute_time_summaries

    region = _region(region_slug)
    feed = active_feed(region)
    if feed is None:
        raise click.ClickException(f"no feed imported for {region.slug}")
    keys = [k.strip() for k in types.split(",") if k.strip()] if types else None
    if keys:
        known = set(FacilityType.objects.values_list("key", flat=True))
        unknown = [k for k in keys if k not in known]
        if unknown:
            raise click.ClickException(
                f"unknown facility type(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}"
            )
    try:
        n = compute_time_summaries(feed, keys)
    except AccessError as exc:
        raise click.ClickException(str(exc)) from None
    rows = (
        TravelTimeSummary.objects.filter(feed=feed)
        .select_related("district", "facility_type")
        .order_by("facility_type__key", "district__name")
    )
    if keys:
        rows = rows.filter(facility_type__key__in=keys)
    if as_json:
        click.echo(
            json.dumps(
                [
                    {
                        "district": r.district.name,
                        "type": r.facility_type.key,
                        "median_min": r.median_min,
                        "p90_min": r.p90_min,
                        "walk_min": r.walk_min,
                        "population": r.population,
                    }
                    for r in rows
                ],
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    click.echo(
        f"{n} rows; window {feed.window_label} on {feed.service_date} "
        "(median / 90th percentile over departure minutes; on foot)"
    )
    for r in rows:
        click.echo(
            f"  {r.facility_type.key:<18} {r.district.name:<24} "
            f"{_fmt(r.median_min):>6} / {_fmt(r.p90_min):>6} min   on foot {_fmt(r.walk_min)}"
        )


def _fmt(value) -> str:
    return "–" if value is None else f"{value:.1f}"


@transit_group.command("daytypes")
@click.option("--region", "region_slug", default=None)
@click.option(
    "--windows",
    default=None,
    help="Own windows, e.g. 'morning=06:00-09:00,midday=11:00-14:00,evening=17:00-20:00' "
    "(kept on the feed; default: the feed's, else these).",
)
@click.option("--types", default=None, help="Facility type keys (default: gp).")
@click.option("--background", is_flag=True, help="Run it as a job in the worker.")
@click.option("--json", "as_json", is_flag=True)
def daytypes_command(region_slug, windows, types, background, as_json) -> None:
    """Day types × windows: departures, last trip back from the core town, travel times."""
    setup_django()
    from nahraum.access import AccessError

    from .daytypes import DAY_TYPES, feed_windows, hm, parse_windows
    from .services import active_feed

    region = _region(region_slug)
    feed = active_feed(region)
    if feed is None:
        raise click.ClickException(f"no feed imported for {region.slug}")
    try:
        own = parse_windows(windows) if windows else None
    except AccessError as exc:
        raise click.ClickException(str(exc)) from None
    if background:
        from nahraum.jobs.commands import watch_job

        from .jobs import queue_day_types

        job = watch_job(queue_day_types(feed, windows=own))
        summary = job.result or {}
    else:
        from .dayservice import compute_day_types

        if own:
            feed.day_type_windows = {**(feed.day_type_windows or {}), **own}
            feed.save(update_fields=["day_type_windows"])
        keys = [k.strip() for k in types.split(",") if k.strip()] if types else None
        try:
            summary = compute_day_types(feed, type_keys=keys)
        except AccessError as exc:
            raise click.ClickException(str(exc)) from None
    if as_json:
        click.echo(json.dumps(summary, ensure_ascii=False, indent=2))
        return
    click.echo(f"{feed.name}: day types (Land {summary.get('land') or '?'})")
    for key, label in DAY_TYPES.items():
        click.echo(f"  {label!s:<32} {summary.get('dates', {}).get(key) or '– (none in validity)'}")
    windows_used = summary.get("windows") or feed_windows(feed)
    click.echo(
        "  windows: " + ", ".join(f"{k} {hm(a)}–{hm(b)}" for k, (a, b) in windows_used.items())
    )
    calls = summary.get("engine_calls", {})
    click.echo(
        f"  {summary.get('rows', {}).get('service', 0)} district rows, "
        f"{summary.get('rows', {}).get('times', 0)} travel-time rows; engine: "
        f"{calls.get('prepare', 0)} preparations, {calls.get('travel_times', 0)} runs, "
        f"{summary.get('timings', {})}"
    )
