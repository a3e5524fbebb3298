"""``nahraum import …`` and ``nahraum fetch …``: the command line over the importers.

The commands only parse options, show a progress bar and print the importer's report or its
error list; all checking lives in the importers so that tests exercise the same code.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

import click

from nahraum.bootstrap import setup_django


def _source_options(func: Callable) -> Callable:
    """Options describing the data source; every import records one."""
    options = [
        click.option("--source-name", help="Name of the dataset (default: the file name)."),
        click.option(
            "--licence",
            default="nicht angegeben / not stated",
            show_default=True,
            help="Licence, e.g. dl-de/by-2-0, ODbL-1.0, CC-BY-4.0.",
        ),
        click.option("--publisher", default="", help="Who published the data."),
        click.option("--date", "data_date", default=None, help="Date of the data (YYYY-MM-DD)."),
        click.option(
            "--source-key",
            default=None,
            help="Stable key of the DataSource (default: derived from the file name).",
        ),
        click.option(
            "--estimate",
            is_flag=True,
            help="The figures are estimates or illustrative (marked as such).",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _file_options(func: Callable) -> Callable:
    options = [
        click.argument("path", type=click.Path(path_type=Path)),
        click.option(
            "--region", "region_slug", default=None, help="Region slug (default: the first region)."
        ),
        click.option(
            "--map",
            "mapping",
            default=None,
            help="Column mapping FIELD=COLUMN,…, e.g. name=NAME,type=ART,id=NR.",
        ),
        click.option(
            "--crs",
            default=None,
            help="Reference system of x/y columns, e.g. EPSG:25832 or EPSG:3035.",
        ),
        click.option(
            "--encoding",
            default=None,
            help="Text encoding of a CSV (default utf-8), e.g. latin-1 or cp1252.",
        ),
        click.option("--layer", default=None, help="Layer of a GeoPackage (default: the first)."),
        click.option(
            "--id-prefix",
            default="",
            help="Put before every id, e.g. 'kita:' so that registers numbered 1, 2, … "
            "do not collide.",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _source(path: Path, source_name, licence, publisher, data_date, source_key, estimate):
    from .importers.base import SourceSpec

    try:
        date = dt.date.fromisoformat(data_date) if data_date else None
    except ValueError:
        raise click.BadParameter(
            f"{data_date!r} is not a date (YYYY-MM-DD)", param_hint="--date"
        ) from None
    return SourceSpec(
        name=source_name or path.name,
        licence=licence,
        publisher=publisher,
        date=date,
        key=source_key,
        is_illustrative=estimate,
    )


@contextmanager
def _progress():
    """A rich progress bar; yields a factory that makes a callback per task."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

    with Progress(
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), transient=False
    ) as progress:

        def factory(label: str):
            task = progress.add_task(label, total=None)

            def advance(done: int, total: int) -> None:
                progress.update(task, completed=done, total=total)

            return advance

        yield factory


def _run(func: Callable, *args, **kwargs) -> None:
    from .readers import DataImportError

    try:
        with _progress() as factory:
            report = func(*args, progress=factory("Schreiben / writing"), **kwargs)
    except DataImportError as exc:
        raise click.ClickException(str(exc)) from None
    except (LookupError, ValueError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(report.summary())
    for note in report.notes:
        click.echo(f"  {note}")


@click.group("import")
def import_group() -> None:
    """Import your own data: districts, facilities, population cells, a whole region, OSM."""


@import_group.command("districts")
@_file_options
@_source_options
def import_districts_cmd(
    path, region_slug, mapping, crs, encoding, layer, id_prefix, **source
) -> None:
    """Ortsteile from GeoJSON/GeoPackage (boundaries) or CSV, with population (and age bands)."""
    setup_django()
    from .importers.districts import import_districts
    from .readers import parse_mapping

    _run(
        import_districts,
        path,
        source=_source(path, **source),
        region=region_slug,
        mapping=_mapping(parse_mapping, mapping),
        layer=layer,
        encoding=encoding,
        crs=crs,
        is_estimate=source["estimate"],
        id_prefix=id_prefix,
    )


@import_group.command("facilities")
@_file_options
@_source_options
@click.option(
    "--type",
    "default_type",
    default=None,
    help="All rows are of this facility type (for a single-type register).",
)
@click.option(
    "--margin-km",
    default=15.0,
    show_default=True,
    help="Accept facilities up to this far outside the region (they serve across the border).",
)
def import_facilities_cmd(
    path, region_slug, mapping, crs, encoding, layer, id_prefix, default_type, margin_km, **source
) -> None:
    """Facilities from CSV (lat/lon, or x/y with --crs), GeoJSON or GeoPackage."""
    setup_django()
    from .importers.facilities import import_facilities
    from .readers import parse_mapping

    _run(
        import_facilities,
        path,
        source=_source(path, **source),
        region=region_slug,
        mapping=_mapping(parse_mapping, mapping),
        layer=layer,
        encoding=encoding,
        crs=crs,
        is_estimate=source["estimate"],
        default_type=default_type,
        margin_km=margin_km,
        id_prefix=id_prefix,
    )


@import_group.command("cells")
@_file_options
@_source_options
@click.option("--clip", is_flag=True, help="Drop cells outside the region instead of refusing.")
def import_cells_cmd(
    path, region_slug, mapping, crs, encoding, layer, id_prefix, clip, **source
) -> None:
    """Population cells (e.g. the census 100 m grid: --crs EPSG:3035 --clip)."""
    setup_django()
    from .importers.cells import import_cells
    from .readers import parse_mapping

    _run(
        import_cells,
        path,
        source=_source(path, **source),
        region=region_slug,
        mapping=_mapping(parse_mapping, mapping),
        layer=layer,
        encoding=encoding,
        crs=crs,
        is_estimate=source["estimate"],
        clip=clip,
        id_prefix=id_prefix,
    )


@import_group.command("region")
@click.argument("manifest", type=click.Path(path_type=Path))
@click.option(
    "--background",
    is_flag=True,
    help="Run it as a job in the worker (progress shown here; Ctrl-C leaves it running).",
)
def import_region_cmd(manifest: Path, background: bool) -> None:
    """A whole region from a manifest (region.json: sources, municipalities, files)."""
    setup_django()
    from django.core.management import call_command

    from .importers.region import import_region
    from .readers import DataImportError

    call_command("migrate", interactive=False, verbosity=0)
    if background:
        from nahraum.jobs.commands import start_and_watch

        from .jobs import IMPORT_REGION

        job = start_and_watch(IMPORT_REGION, {"manifest": str(manifest.resolve())})
        click.echo(job.result["summary"])
        return
    try:
        with _progress() as factory:
            report = import_region(manifest, progress_factory=factory)
    except (DataImportError, LookupError, ValueError) as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(report.summary())


@import_group.command("osm-facilities")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--region", "region_slug", default=None)
@click.option("--margin-km", default=15.0, show_default=True)
@click.option("--date", "data_date", default=None, help="Date of the extract (YYYY-MM-DD).")
def import_osm_facilities_cmd(path: Path, region_slug, margin_km: float, data_date) -> None:
    """Facilities from an OSM extract (.osm.pbf/.osm/.osm.gz) by the taxonomy's tag mapping."""
    setup_django()
    from .osm import import_osm_facilities

    _run(
        import_osm_facilities,
        path,
        region=region_slug,
        margin_km=margin_km,
        date=dt.date.fromisoformat(data_date) if data_date else None,
    )


@import_group.command("osm-districts")
@click.argument("path", type=click.Path(path_type=Path))
@click.option("--region", "region_slug", default=None)
@click.option(
    "--admin-level",
    "admin_levels",
    default="9,10",
    show_default=True,
    help="admin_level values of Ortsteil boundaries.",
)
def import_osm_districts_cmd(path: Path, region_slug, admin_levels: str) -> None:
    """Ortsteile from OSM boundaries (admin_level 9/10) or, where none, from place nodes."""
    setup_django()
    from .osm import import_osm_districts

    _run(
        import_osm_districts,
        path,
        region=region_slug,
        admin_levels=tuple(a.strip() for a in admin_levels.split(",") if a.strip()),
    )


def _mapping(parse, text):
    try:
        return parse(text)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--map") from None


@click.group("fetch")
def fetch_group() -> None:
    """Download data for the region (OpenStreetMap extracts)."""


@fetch_group.command("osm")
@click.option(
    "--extract",
    default=None,
    help="Geofabrik extract path, e.g. europe/germany/nordrhein-westfalen/detmold-regbez "
    "(default: the smallest known extract covering the region).",
)
@click.option(
    "--base-url",
    default=None,
    help="Mirror base URL (default: $NAHRAUM_OSM_BASE_URL or https://download.geofabrik.de).",
)
@click.option(
    "--dest",
    type=click.Path(path_type=Path),
    default=None,
    help="Directory to store the file (default: <data dir>/osm).",
)
@click.option("--region", "region_slug", default=None)
def fetch_osm_cmd(extract, base_url, dest, region_slug) -> None:
    """Download the OSM extract covering the region, resuming and checking its MD5."""
    setup_django()
    from django.conf import settings

    from .fetch import FetchError, choose_extract, fetch_extract

    if extract is None:
        from .importers.base import get_region
        from .importers.places import Locator

        try:
            region = get_region(region_slug)
        except LookupError as exc:
            raise click.ClickException(str(exc)) from None
        extent = Locator(region, margin_km=0).extent
        if extent is None:
            raise click.ClickException("the region has no geometry; pass --extract")
        extract = choose_extract(extent.bounds)
    dest = dest or Path(settings.DATA_DIR) / "osm"
    try:
        with _progress() as factory:
            path = fetch_extract(
                extract, dest, base_url=base_url, progress=factory(f"Download {extract}")
            )
    except FetchError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(f"{path} (MD5 geprüft / verified)")
