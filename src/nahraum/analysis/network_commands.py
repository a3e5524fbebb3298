"""``nahraum network build``: street networks for a region from an OSM file (PBF or XML)."""

from __future__ import annotations

import time

import click


@click.group("network")
def network_group() -> None:
    """Street networks (walk, bike, car) from OpenStreetMap."""


@network_group.command("build")
@click.option(
    "--pbf",
    "pbf",
    required=True,
    type=click.Path(dir_okay=False),
    help="OSM file: .osm.pbf, .osm or .osm.gz.",
)
@click.option("--region", "region_slug", default=None, help="Region slug (default: the first).")
@click.option(
    "--modes",
    default="walk,bike,car",
    show_default=True,
    help="Comma-separated modes: walk, bike, car.",
)
@click.option(
    "--margin",
    "margin_m",
    default=2000.0,
    show_default=True,
    type=float,
    help="Keep streets this many metres beyond the region's boundary.",
)
@click.option(
    "--background",
    is_flag=True,
    help="Run it as a job in the worker (progress shown here; Ctrl-C leaves it running).",
)
def build(pbf: str, region_slug: str | None, modes: str, margin_m: float, background: bool) -> None:
    """Build and cache the region's networks (a second run on the same file only loads them)."""
    from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    from nahraum.bootstrap import setup_django

    setup_django()
    from nahraum.access import AccessError
    from nahraum.region.models import Region

    from .network import build_region_networks

    mode_list = tuple(m.strip() for m in modes.split(",") if m.strip())
    if background:
        from pathlib import Path

        from nahraum.jobs.commands import start_and_watch

        from .jobs import NETWORK_BUILD

        params = {
            "region": region_slug,
            "pbf": str(Path(pbf).resolve()),
            "modes": list(mode_list),
            "margin_m": margin_m,
        }
        job = start_and_watch(NETWORK_BUILD, params)
        for m, net in job.result["networks"].items():
            click.echo(
                f"{m:>5}: {net['nodes']:>8} Knoten/nodes {net['edges']:>9} Kanten/edges  "
                f"{net['checksum']}"
            )
        return
    regions = Region.objects.order_by("pk")
    region = regions.filter(slug=region_slug).first() if region_slug else regions.first()
    if region is None:
        raise click.ClickException(
            f"no region {region_slug!r}" if region_slug else "no region loaded (run `nahraum demo`)"
        )
    t0 = time.perf_counter()
    with Progress(
        SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn()
    ) as bar:
        task = bar.add_task(f"{region.name}: {pbf}", total=3 + len(mode_list))

        def progress(done: int, total: int, message: str = "") -> None:
            bar.update(task, description=message, completed=done, total=total)

        try:
            nets = build_region_networks(
                region, pbf, mode_list, margin_m=margin_m, progress=progress
            )
        except AccessError as exc:
            raise click.ClickException(str(exc)) from exc
        bar.update(task, completed=bar.tasks[0].total)
    for m, net in nets.items():
        click.echo(
            f"{m:>5}: {net.n_nodes:>8} Knoten/nodes {net.n_edges:>9} Kanten/edges  {net.checksum}"
        )
    click.echo(f"{time.perf_counter() - t0:.2f} s")
