"""Load a strategy frame (vision, fields, goals, measures, projects, actors, offers) from JSON.

``nahraum demo`` runs :func:`demo_hook` after the bundled region is loaded. The content lives in a
data file (``bundled/lemgo-kalletal-strategy.json``), not in Python, so that a municipality can
replace it with its own strategy. Loading is idempotent (everything is matched by a stable key;
the status history is only written for items that have none yet) and all-or-nothing: an error
names the file, the entry and the field, and nothing is saved.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction

BUNDLED_FILE = Path(__file__).resolve().parent / "bundled" / "lemgo-kalletal-strategy.json"


class StrategyFileError(ValueError):
    """A strategy file is malformed; the message says where."""


def _date(value: Any, where: str) -> dt.date | None:
    if value in (None, ""):
        return None
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise StrategyFileError(f"{where}: not a date (YYYY-MM-DD): {value!r}") from None


def _money(value: Any, where: str) -> Decimal:
    try:
        amount = Decimal(str(value if value is not None else 0))
    except InvalidOperation:
        raise StrategyFileError(f"{where}: not an amount: {value!r}") from None
    if amount < 0:
        raise StrategyFileError(f"{where}: must not be negative, got {value}")
    return amount


def load_strategy_file(path: Path | str = BUNDLED_FILE, *, region_slug: str | None = None) -> dict:
    """Load ``path`` into the database; return counts. On StrategyFileError nothing is saved."""
    from nahraum.region.models import Region

    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise StrategyFileError(f"{path.name}: cannot read JSON: {exc}") from None
    slug = region_slug or data.get("region")
    region = Region.objects.filter(slug=slug).first() if slug else None
    if region is None:
        raise StrategyFileError(f"{path.name}: region {slug!r} is not loaded")
    try:
        with transaction.atomic():
            return _load(data, region, path.name)
    except ValidationError as exc:
        raise StrategyFileError(f"{path.name}: {'; '.join(exc.messages)}") from None


def _load(data: dict, region: Any, name: str) -> dict:  # noqa: C901 - one pass over a file
    from nahraum.region.models import DataSource, InnovationField, Municipality

    from .models import (
        Actor,
        DigitalOffer,
        Goal,
        IndicatorTarget,
        Involvement,
        Measure,
        Milestone,
        Project,
        StatusChange,
    )
    from .services import attach_target, change_status

    counts = {"goals": 0, "measures": 0, "projects": 0, "targets": 0}
    sources = {}
    for label, spec in (data.get("sources") or {}).items():
        key = spec.get("key")
        if not key:
            raise StrategyFileError(f"{name}: sources.{label}: missing 'key'")
        source, _ = DataSource.objects.update_or_create(
            key=key,
            defaults={
                "name": spec.get("name", key),
                "publisher": spec.get("publisher", ""),
                "licence": spec.get("licence", ""),
                "url": spec.get("url", ""),
                "is_illustrative": bool(spec.get("is_illustrative")),
                "note": spec.get("note", ""),
            },
        )
        sources[label] = source
    examples_illustrative = (
        sources.get("examples").is_illustrative if "examples" in sources else True
    )

    municipalities = list(Municipality.objects.filter(region=region))

    def municipality(value: Any, where: str):
        if value in (None, ""):
            return None
        found = [m for m in municipalities if value.lower() in m.name.lower()]
        if len(found) != 1:
            raise StrategyFileError(f"{name}: {where}: unknown municipality {value!r}")
        return found[0]

    fields: dict[str, Any] = {}
    for i, spec in enumerate(data.get("fields") or []):
        key = spec.get("key")
        field = (
            InnovationField.objects.filter(key=key).first()
            or InnovationField.objects.filter(name_de__iexact=spec.get("name_de", "")).first()
        )
        if field is None:
            if not key or not spec.get("name_de"):
                raise StrategyFileError(f"{name}: fields[{i}]: needs 'key' and 'name_de'")
            field = InnovationField.objects.create(
                key=key,
                name_de=spec["name_de"],
                name_en=spec.get("name_en", spec["name_de"]),
                order=spec.get("order", i + 1),
            )
        fields[key] = field

    def field_of(key: Any, where: str):
        if key in fields:
            return fields[key]
        found = InnovationField.objects.filter(key=key).first()
        if found is None:
            raise StrategyFileError(f"{name}: {where}: unknown innovation field {key!r}")
        return found

    vision = data.get("vision")
    if vision:
        from .models import Vision

        Vision.objects.update_or_create(
            region=region,
            defaults={
                "title": vision["title"],
                "motto": vision.get("motto", ""),
                "text": vision["text"],
                "source": sources.get(vision.get("source")),
                "is_illustrative": bool(vision.get("is_illustrative", False)),
            },
        )

    actors = {}
    for i, spec in enumerate(data.get("actors") or []):
        where = f"actors[{i}]"
        actor, _ = Actor.objects.update_or_create(
            key=spec["key"],
            defaults={
                "name": spec["name"],
                "kind": spec.get("kind", "other"),
                "municipality": municipality(spec.get("municipality"), where),
                "is_illustrative": bool(spec.get("is_illustrative", examples_illustrative)),
            },
        )
        actor.full_clean()
        actors[spec["key"]] = actor

    goals = {}
    for i, spec in enumerate(data.get("goals") or []):
        where = f"goals[{i}] ({spec.get('key')})"
        goal, _ = Goal.objects.update_or_create(
            key=spec["key"],
            defaults={
                "field": field_of(spec.get("field"), where),
                "title": spec["title"],
                "description": spec.get("description", ""),
                "order": spec.get("order", 0),
                "weight": spec.get("weight", 1),
                "is_illustrative": bool(spec.get("is_illustrative", examples_illustrative)),
            },
        )
        goal.full_clean()
        goals[spec["key"]] = goal
        counts["goals"] += 1

    def add_history(obj: Any, entries: list, where: str) -> None:
        if StatusChange.objects.filter(**{type(obj).__name__.lower(): obj}).exists():
            return
        for j, entry in enumerate(entries or []):
            date, status, note = (list(entry) + ["", "", ""])[:3]
            change_status(
                obj,
                status,
                date=_date(date, f"{where}.history[{j}]"),
                note=note,
                check_permission=False,
            )

    def involve(actor_key: str, role: str, where: str, **subject: Any) -> None:
        if actor_key not in actors:
            raise StrategyFileError(f"{name}: {where}: unknown actor {actor_key!r}")
        Involvement.objects.get_or_create(actor=actors[actor_key], role=role, **subject)

    measures = {}
    for i, spec in enumerate(data.get("measures") or []):
        where = f"measures[{i}] ({spec.get('key')})"
        if spec.get("goal") not in goals:
            raise StrategyFileError(f"{name}: {where}: unknown goal {spec.get('goal')!r}")
        measure, _ = Measure.objects.update_or_create(
            key=spec["key"],
            defaults={
                "goal": goals[spec["goal"]],
                "title": spec["title"],
                "description": spec.get("description", ""),
                "municipality": municipality(spec.get("municipality"), where),
                "phase": spec.get("phase", "implementation"),
                "quick_win": bool(spec.get("quick_win")),
                "weight": spec.get("weight", 1),
                "place_name": spec.get("place_name", ""),
                "lat": spec.get("lat"),
                "lon": spec.get("lon"),
                "is_illustrative": bool(spec.get("is_illustrative", examples_illustrative)),
            },
        )
        measure.full_clean()
        measures[spec["key"]] = measure
        add_history(measure, spec.get("history"), where)
        for actor_key, role in spec.get("involvements") or []:
            involve(actor_key, role, where, measure=measure)
        counts["measures"] += 1

    projects = {}
    for i, spec in enumerate(data.get("projects") or []):
        where = f"projects[{i}] ({spec.get('key')})"
        if spec.get("measure") not in measures:
            raise StrategyFileError(f"{name}: {where}: unknown measure {spec.get('measure')!r}")
        project, _ = Project.objects.update_or_create(
            key=spec["key"],
            defaults={
                "measure": measures[spec["measure"]],
                "title": spec["title"],
                "description": spec.get("description", ""),
                "municipality": municipality(spec.get("municipality"), where),
                "quick_win": bool(spec.get("quick_win")),
                "is_digital_offer": bool(spec.get("is_digital_offer")),
                "weight": spec.get("weight", 1),
                "progress_percent": spec.get("progress_percent"),
                "planned_start": _date(spec.get("planned_start"), f"{where}.planned_start"),
                "planned_end": _date(spec.get("planned_end"), f"{where}.planned_end"),
                "budget_planned": _money(spec.get("budget_planned"), f"{where}.budget_planned"),
                "budget_spent": _money(spec.get("budget_spent"), f"{where}.budget_spent"),
                "funding_source": spec.get("funding_source", ""),
                "place_name": spec.get("place_name", ""),
                "lat": spec.get("lat"),
                "lon": spec.get("lon"),
                "is_illustrative": bool(spec.get("is_illustrative", examples_illustrative)),
            },
        )
        project.full_clean()
        projects[spec["key"]] = project
        for j, row in enumerate(spec.get("milestones") or []):
            mwhere = f"{where}.milestones[{j}]"
            title, ps, pe, as_, ae, weight = (list(row) + [None] * 6)[:6]
            milestone, _ = Milestone.objects.get_or_create(
                project=project,
                title=title,
                defaults={"planned_start": _date(ps, mwhere), "planned_end": _date(pe, mwhere)},
            )
            milestone.planned_start = _date(ps, mwhere)
            milestone.planned_end = _date(pe, mwhere)
            milestone.actual_start = _date(as_, mwhere)
            milestone.actual_end = _date(ae, mwhere)
            milestone.weight = weight or 1
            milestone.full_clean()
            milestone.save()
        add_history(project, spec.get("history"), where)
        counts["projects"] += 1

    for i, spec in enumerate(data.get("offers") or []):
        where = f"offers[{i}] ({spec.get('key')})"
        offer, _ = DigitalOffer.objects.update_or_create(
            key=spec["key"],
            defaults={
                "title": spec["title"],
                "field": field_of(spec.get("field"), where),
                "description": spec.get("description", ""),
                "url": spec.get("url", ""),
                "municipality": municipality(spec.get("municipality"), where),
                "project": projects.get(spec.get("project")),
                "provider": actors.get(spec.get("provider")),
                "place_name": spec.get("place_name", ""),
                "lat": spec.get("lat"),
                "lon": spec.get("lon"),
                "is_illustrative": bool(spec.get("is_illustrative", examples_illustrative)),
            },
        )
        offer.full_clean()

    # Indicator targets: only where the analysis already holds the indicator; a later demo run
    # (after the first analysis) adds the rest.
    from nahraum.region.models import FacilityType

    from . import indicators

    for spec in data.get("measures") or []:
        key = spec["key"]
        for j, target in enumerate(spec.get("targets") or []):
            where = f"measures ({key}).targets[{j}]"
            ft = None
            if target.get("facility_type"):
                ft = FacilityType.objects.filter(key=target["facility_type"]).first()
                if ft is None:
                    continue  # the taxonomy lacks the type: nothing to point at
            muni = municipality(target.get("municipality"), where)
            ind_spec = {
                "level": target["level"],
                "metric": target["metric"],
                "mode": target.get("mode", ""),
                "facility_type_id": ft.pk if ft else None,
                "municipality_id": muni.pk if muni else None,
                "district_id": None,
                "area_kind": target.get("area_kind", ""),
                "age_band": target.get("age_band", ""),
            }
            measure = measures[key]
            existing = IndicatorTarget.objects.filter(measure=measure, **ind_spec).first()
            if existing is not None:
                # the file may correct the target; the baseline stays what was decided
                existing.target_value = float(target["target_value"])
                existing.target_date = _date(target["target_date"], where)
                existing.label = target.get("label", existing.label)
                existing.full_clean()
                existing.save()
                continue
            if indicators.value_in(indicators.current_run(region.pk), ind_spec) is None:
                continue
            attach_target(
                measure,
                ind_spec,
                target_value=float(target["target_value"]),
                target_date=_date(target["target_date"], where),
                label=target.get("label", ""),
                region_id=region.pk,
            )
            counts["targets"] += 1
    return counts


def demo_hook(echo: Callable[[str], object] = print) -> None:
    """`nahraum demo` step: load the bundled strategy frame once the region is there."""
    try:
        counts = load_strategy_file(BUNDLED_FILE)
    except StrategyFileError as exc:
        echo(f"Strategie nicht geladen / strategy not loaded: {exc}")
        return
    echo(
        "Strategie geladen / strategy loaded: {goals} Ziele, {measures} Maßnahmen, "
        "{projects} Projekte, {targets} neue Indikatorziele (Beispiele, illustrativ)".format(
            **counts
        )
    )
