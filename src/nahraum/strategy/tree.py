"""The strategy tree loaded from the database in a handful of queries, with progress attached.

Pages, exports and the printed report all read the tree through :func:`load_tree`, so that every
one of them shows the same progress figures computed by the same rules
(:mod:`nahraum.strategy.progress`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch

from nahraum.region.models import InnovationField, Municipality

from .models import Goal, Measure, Milestone, Project, Status
from .progress import Item, rollup, weighted_mean


def milestone_item(milestone: Milestone) -> Item:
    return Item(
        weight=milestone.weight, status=Status.DONE if milestone.reached else Status.PLANNED
    )


def project_item(project: Project) -> Item:
    return Item(
        weight=project.weight,
        status=project.status,
        progress=project.progress_percent,
        children=tuple(milestone_item(m) for m in project.milestones.all()),
    )


def measure_item(measure: Measure) -> Item:
    return Item(
        weight=measure.weight,
        status=measure.status,
        progress=measure.progress_percent,
        children=tuple(project_item(p) for p in measure.projects.all()),
    )


def goal_item(goal: Goal) -> Item:
    # A goal has no status of its own; it is dropped only in the sense that all measures are.
    return Item(weight=goal.weight, children=tuple(measure_item(m) for m in goal.measures.all()))


def field_item(goals: list[Goal]) -> Item:
    return Item(children=tuple(goal_item(g) for g in goals))


@dataclass
class FieldNode:
    """An innovation field with its goals (each annotated with ``progress``)."""

    field: InnovationField
    goals: list[Goal] = field(default_factory=list)
    progress: float | None = None

    @property
    def measures(self) -> list[Measure]:
        return [m for g in self.goals for m in g.measures.all()]


def _measure_queryset():
    projects = Project.objects.select_related("municipality").prefetch_related(
        "milestones", "history"
    )
    return (
        Measure.objects.select_related("municipality", "goal__field")
        .prefetch_related(
            Prefetch("projects", queryset=projects),
            "targets",
            "history",
        )
        .order_by("pk")
    )


def annotate_measure(measure: Measure) -> Measure:
    """Attach ``progress`` to a measure, its projects and their milestones."""
    for project in measure.projects.all():
        project.progress = rollup(project_item(project))
    measure.progress = rollup(measure_item(measure))
    return measure


def load_tree(field_key: str | None = None) -> list[FieldNode]:
    """The whole tree (or one field's part), every node with its ``progress`` in percent.

    Raises ``InnovationField.DoesNotExist`` for an unknown ``field_key``.
    """
    fields = InnovationField.objects.order_by("order", "pk")
    if field_key is not None:
        fields = [InnovationField.objects.get(key=field_key)]
    goals = (
        Goal.objects.select_related("field")
        .prefetch_related(Prefetch("measures", queryset=_measure_queryset()))
        .order_by("order", "pk")
    )
    by_field: dict[int, list[Goal]] = {}
    for goal in goals:
        by_field.setdefault(goal.field_id, []).append(goal)
    nodes = []
    for f in fields:
        node = FieldNode(field=f, goals=by_field.get(f.pk, []))
        for goal in node.goals:
            for measure in goal.measures.all():
                annotate_measure(measure)
            goal.progress = rollup(goal_item(goal))
        node.progress = rollup(field_item(node.goals)) if node.goals else None
        nodes.append(node)
    return nodes


@dataclass
class MunicipalityRow:
    """Progress and counts of the measures one municipality (or both jointly) is responsible for."""

    municipality: Municipality | None
    measures: int
    active: int
    quick_wins: int
    progress: float | None


def by_municipality(nodes: list[FieldNode]) -> list[MunicipalityRow]:
    """Measures by responsible municipality; progress as the weighted mean, dropped excluded."""
    groups: dict[Any, list[Measure]] = {}
    for node in nodes:
        for measure in node.measures:
            groups.setdefault(measure.municipality_id, []).append(measure)
    rows = []
    municipalities = {m.pk: m for m in Municipality.objects.all()}
    for key in sorted(groups, key=lambda k: (k is None, str(municipalities.get(k, "")))):
        measures = groups[key]
        active = [m for m in measures if m.status != Status.DROPPED]
        rows.append(
            MunicipalityRow(
                municipality=municipalities.get(key),
                measures=len(measures),
                active=len(active),
                quick_wins=sum(
                    1 for m in active if m.quick_win or any(p.quick_win for p in m.projects.all())
                ),
                progress=weighted_mean((m.progress, m.weight) for m in active),
            )
        )
    return rows
