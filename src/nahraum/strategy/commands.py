"""``nahraum strategy …``: load a strategy file, export the tree, print the progress."""

from __future__ import annotations

import sys

import click


@click.group("strategy")
def strategy_group() -> None:
    """Strategie: Maßnahmen, Projekte, Fortschritt / strategy: measures, projects, progress."""


@strategy_group.command("load")
@click.argument("path", type=click.Path(exists=True, dir_okay=False), required=False)
@click.option("--region", "region_slug", default=None, help="Region slug (default: the file's).")
def load(path: str | None, region_slug: str | None) -> None:
    """Load a strategy file (JSON; default: the bundled Lemgo–Kalletal frame). All or nothing."""
    from nahraum.bootstrap import setup_django

    setup_django()
    from .bundled import BUNDLED_FILE, StrategyFileError, load_strategy_file

    try:
        counts = load_strategy_file(path or BUNDLED_FILE, region_slug=region_slug)
    except StrategyFileError as exc:
        click.echo(f"Fehler / error: {exc}", err=True)
        sys.exit(1)
    click.echo(
        "{goals} goals, {measures} measures, {projects} projects, {targets} new targets".format(
            **counts
        )
    )


@strategy_group.command("export")
@click.option(
    "--format", "fmt", type=click.Choice(["json", "csv"]), default="json", show_default=True
)
def export(fmt: str) -> None:
    """Print the whole tree with progress as JSON or CSV."""
    from nahraum.bootstrap import setup_django

    setup_django()
    from . import exports
    from .models import Vision
    from .tree import load_tree

    nodes = load_tree()
    if fmt == "csv":
        click.echo(exports.tree_csv(nodes), nl=False)
    else:
        click.echo(exports.tree_json(nodes, Vision.objects.order_by("pk").first()))


@strategy_group.command("progress")
def progress() -> None:
    """Print the progress per innovation field and per responsible municipality."""
    from nahraum.bootstrap import setup_django

    setup_django()
    from .tree import by_municipality, load_tree

    nodes = load_tree()

    def pct(value: float | None) -> str:
        return "–" if value is None else f"{value:5.1f} %"

    for node in nodes:
        click.echo(
            f"{node.field.name_de:<32} {len(node.measures):>3} Maßnahmen  {pct(node.progress)}"
        )
    for row in by_municipality(nodes):
        name = row.municipality.name if row.municipality else "gemeinsam / joint"
        click.echo(f"{name:<32} {row.active:>3} aktiv      {pct(row.progress)}")
