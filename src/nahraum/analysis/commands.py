"""`nahraum analyze`: run the supply analysis from the command line, and the demo's first run."""

from __future__ import annotations

import json
from collections.abc import Callable

import click


def _split(value: str | None) -> list[str] | None:
    if value is None:
        return None
    items = [v.strip() for v in value.split(",") if v.strip()]
    return items or None


@click.command("analyze")
@click.option(
    "--modes",
    default="walk,bike,car",
    show_default=True,
    help="Comma-separated travel modes (walk, bike, car, straight, or a registered one).",
)
@click.option(
    "--types",
    "types",
    default=None,
    help="Comma-separated facility type keys (default: every type with facilities).",
)
@click.option(
    "--runner",
    type=click.Choice(["local", "processes", "dask"]),
    default="local",
    show_default=True,
    help="Where the routing runs.",
)
@click.option("--region", "region_slug", default=None, help="Region slug (default: the first).")
@click.option("--json", "as_json", is_flag=True, help="Print the run as JSON.")
@click.option(
    "--background",
    is_flag=True,
    help="Run it as a job in the worker (progress shown here; Ctrl-C leaves it running).",
)
def analyze(
    modes: str,
    types: str | None,
    runner: str,
    region_slug: str | None,
    as_json: bool,
    background: bool,
) -> None:
    """Analyse the region: travel times, supply indicators, stored as a new run."""
    from nahraum.bootstrap import setup_django

    setup_django()
    if background:
        _in_background(_split(modes) or [], _split(types), runner, region_slug, as_json)
        return
    from nahraum.access import AccessError
    from nahraum.region.models import Region

    from .services import run_analysis

    regions = Region.objects.order_by("pk")
    region = regions.filter(slug=region_slug).first() if region_slug else regions.first()
    if region is None:
        raise click.ClickException(
            f"no region {region_slug!r}"
            if region_slug
            else "no region loaded; run `nahraum demo --no-serve` or `nahraum import …` first"
        )
    try:
        if as_json:
            run = run_analysis(
                region, modes=_split(modes) or [], facility_types=_split(types), runner=runner
            )
        else:
            run = _with_progress(region, _split(modes) or [], _split(types), runner)
    except AccessError as exc:
        raise click.ClickException(str(exc)) from exc
    data = run_summary(run)
    if as_json:
        click.echo(json.dumps(data, ensure_ascii=False, indent=2))
        return
    click.echo(
        f"Analyse #{run.pk} gespeichert / stored: {data['values']} Kennzahlen / figures, "
        f"{data['timings']['total']:.2f} s"
    )
    for note in run.parameters.get("notes", []):
        click.echo(f"  Hinweis / note: {note}")
    if run.is_estimate:
        click.echo("  Schätzung / estimate: some inputs are illustrative or estimated")


def _in_background(
    modes: list[str], types: list[str] | None, runner: str, region_slug: str | None, as_json: bool
) -> None:
    """``--background``: the job ``analysis.run`` in the worker, watched here."""
    from nahraum.jobs.commands import start_and_watch

    from .jobs import RUN
    from .models import AnalysisRun

    params = {"region": region_slug, "modes": modes, "types": types, "runner": runner}
    job = start_and_watch(RUN, params)
    run = AnalysisRun.objects.get(pk=job.result["run"])
    if as_json:
        click.echo(json.dumps(run_summary(run), ensure_ascii=False, indent=2))
    else:
        click.echo(
            f"Analyse #{run.pk} gespeichert / stored: {job.result['values']} Kennzahlen / "
            f"figures, {job.result['seconds']:.2f} s"
        )


def _with_progress(region, modes, types, runner):
    from rich.progress import BarColumn, Progress, TaskProgressColumn, TextColumn, TimeElapsedColumn

    from .services import run_analysis

    labels = {
        "load": "Daten laden / loading",
        "route": "Wege / routing",
        "indicators": "Kennzahlen / indicators",
        "store": "Speichern / storing",
    }
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TimeElapsedColumn(),
        transient=False,
    ) as bar:
        tasks: dict[str, int] = {}

        def progress(done: int, total: int, step: str = "") -> None:
            if step not in tasks:
                tasks[step] = bar.add_task(labels.get(step, step), total=total)
            bar.update(tasks[step], completed=done, total=total)

        return run_analysis(
            region, modes=modes, facility_types=types, runner=runner, progress=progress
        )


def run_summary(run) -> dict:
    """A run as a JSON-able dictionary (what `nahraum analyze --json` prints)."""
    from .models import IndicatorValue

    return {
        "run": run.pk,
        "region": run.region.slug,
        "status": run.status,
        "is_estimate": run.is_estimate,
        "parameters": run.parameters,
        "input_checksums": run.input_checksums,
        "timings": run.timings,
        "values": IndicatorValue.objects.filter(run=run).count(),
    }


def demo_hook(echo: Callable[[str], None] = click.echo) -> None:
    """First start of the demo: analyse the bundled region once (only if no run exists)."""
    from nahraum.region.models import Region

    from .models import AnalysisRun
    from .services import run_analysis

    region = Region.objects.order_by("pk").first()
    if region is None or AnalysisRun.objects.filter(region=region, scenario=None).exists():
        return
    run = run_analysis(region, note="demo: first analysis of the bundled region")
    echo(f"Versorgungsanalyse / supply analysis #{run.pk}: {run.timings.get('total', 0):.1f} s")
