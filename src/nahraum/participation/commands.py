"""`nahraum participation …`: the demo content and the representativeness gaps on the terminal."""

from __future__ import annotations

import json

import click


@click.group("participation")
def participation_group() -> None:
    """Participation: demo content, coverage and representativeness."""


@participation_group.command("coverage")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@click.option(
    "--min-share",
    default=0.02,
    show_default=True,
    type=float,
    help="Smallest population share that is named as a gap.",
)
@click.option(
    "--max-ratio",
    default=0.5,
    show_default=True,
    type=float,
    help="A gap: participants' share below this fraction of the population's share.",
)
@click.option(
    "--min-expected",
    default=5.0,
    show_default=True,
    type=float,
    help="Judge a part only if at least this many participants would be expected from it.",
)
def coverage(as_json: bool, min_share: float, max_ratio: float, min_expected: float) -> None:
    """Print participants vs population by age band and the named gaps."""
    from nahraum.bootstrap import setup_django

    setup_django()
    from django.utils import translation

    from nahraum.region.models import Municipality

    from . import representativeness as rep
    from .coverage import coverage_data, gap_sentences

    data = coverage_data()
    found = [
        gap
        for level in (data["area_age"], data["by_area"], data["by_age"])
        for gap in rep.gaps(
            level, min_population_share=min_share, max_ratio=max_ratio, min_expected=min_expected
        )
    ]
    names = {m.pk: m.name for m in Municipality.objects.all()}
    with translation.override("de"):
        sentences = gap_sentences(found, names)
    if as_json:
        click.echo(
            json.dumps(
                {
                    "participants": data["participant_total"],
                    "with_demographics": data["participants_consented"],
                    "by_age": [
                        {
                            "band": s.key,
                            "population_share": round(s.population_share, 4),
                            "participant_share": round(s.participant_share, 4),
                        }
                        for s in data["by_age"]
                    ],
                    "gaps": sentences,
                },
                ensure_ascii=False,
                indent=2,
            )
        )
        return
    click.echo(
        f"Beteiligte / participants: {data['participant_total']} "
        f"(mit Angaben / with demographics: {data['participants_consented']})"
    )
    for s in data["by_age"]:
        click.echo(
            f"  {s.key:>6}  Bevölkerung {100 * s.population_share:5.1f} %   "
            f"Beteiligte {100 * s.participant_share:5.1f} %"
        )
    click.echo("Lücken / gaps:")
    for sentence in sentences or ["  –"]:
        click.echo(f"  {sentence}")


@participation_group.command("demo")
def demo() -> None:
    """Create the illustrative participation content (once)."""
    from nahraum.bootstrap import setup_django

    setup_django()
    from .demo import load_demo

    if not load_demo(echo=click.echo):
        click.echo("Beispielinhalte sind schon da / demo content exists already (or no region).")
