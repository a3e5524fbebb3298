"""Example scenarios for ``nahraum demo`` (illustrative, and labelled so).

One scenario everybody can open right away: the GP practice of a Kalletal village closes and a
practice bus stops once a week in a neighbouring village that has none — run on foot and by
car, so the comparison page shows who gains and who loses. A second one builds on it with a
population projection (the region's own trends), to show scenarios building on each other; it
is left for the visitor to run.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

DEMO_NAME = "Beispiel: Hausarztpraxis Langenholzhausen schließt, Praxisbus für Kalldorf"
CHILD_NAME = "Beispiel: … und die Bevölkerung bis 2040 nach den Trends der Region"


def demo_hook(echo: Callable[[str], object] = print) -> None:
    from django.utils import timezone

    from nahraum.data.bundled import REGION_SLUG
    from nahraum.region.models import District, Facility, Region

    from . import services
    from .compare import run_scenario
    from .models import Scenario

    region = Region.objects.filter(slug=REGION_SLUG).first()
    if region is None or Scenario.objects.filter(region=region, name=DEMO_NAME).exists():
        return
    practice = Facility.objects.filter(key="demo:langenholzhausen:gp:1").first()
    # the bus serves Kalldorf, a village without a practice of its own, and stops in
    # Langenholzhausen no more: some people gain, others lose — the point of the comparison
    village = District.objects.filter(municipality__region=region, name="Kalldorf").first()
    if practice is None or village is None:
        echo("Beispielszenario übersprungen / example scenario skipped (practice not found)")
        return
    note = "Illustratives Beispiel, keine Planung / illustrative example, not a plan."
    scenario = services.create_scenario(region, DEMO_NAME, description=note)
    services.add_facility_change(
        scenario, "close", facility_key=practice.key, note="Beispiel: Ruhestand ohne Nachfolge"
    )
    services.add_mobile_service(
        scenario,
        type_key="gp",
        name="Praxisbus Kalldorf",
        lat=village.centre_lat,
        lon=village.centre_lon,
        weekday=1,
        start=dt.time(9),
        end=dt.time(12),
        capacity=1,
    )
    srun = run_scenario(scenario, modes=["walk", "car"], facility_types=["gp"])
    child = services.create_scenario(region, CHILD_NAME, description=note, parent=scenario)
    target = max(2040, timezone.now().year + 1)
    services.set_projection(child, target)
    echo(f"Beispielszenarien angelegt / example scenarios created (run #{srun.run_id})")
