"""CSV and JSON exports of the whole strategy tree (open data for councils and the public)."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from nahraum.region.csvsafe import safe_dict


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def tree_rows(nodes: list[Any]) -> list[dict]:
    """One row per item of the tree (field, goal, measure, project), parents before children."""
    rows = []
    for node in nodes:
        f = node.field
        rows.append(
            {
                "level": "field",
                "id": f.key,
                "parent": "",
                "title": f.name_de,
                "field": f.key,
                "municipality": "",
                "status": "",
                "phase": "",
                "quick_win": "",
                "weight": "",
                "progress": _round(node.progress),
                "planned_start": "",
                "planned_end": "",
                "budget_planned": "",
                "budget_spent": "",
                "funding_source": "",
                "is_illustrative": "",
            }
        )
        for goal in node.goals:
            rows.append(
                {
                    "level": "goal",
                    "id": f"goal-{goal.pk}",
                    "parent": f.key,
                    "title": goal.title,
                    "field": f.key,
                    "municipality": "",
                    "status": "",
                    "phase": "",
                    "quick_win": "",
                    "weight": goal.weight,
                    "progress": _round(goal.progress),
                    "planned_start": "",
                    "planned_end": "",
                    "budget_planned": "",
                    "budget_spent": "",
                    "funding_source": "",
                    "is_illustrative": goal.is_illustrative,
                }
            )
            for m in goal.measures.all():
                rows.append(
                    {
                        "level": "measure",
                        "id": f"measure-{m.pk}",
                        "parent": f"goal-{goal.pk}",
                        "title": m.title,
                        "field": f.key,
                        "municipality": m.municipality.name if m.municipality else "joint",
                        "status": m.status,
                        "phase": m.phase,
                        "quick_win": m.quick_win,
                        "weight": m.weight,
                        "progress": _round(m.progress),
                        "planned_start": "",
                        "planned_end": "",
                        "budget_planned": "",
                        "budget_spent": "",
                        "funding_source": "",
                        "is_illustrative": m.is_illustrative,
                    }
                )
                for p in m.projects.all():
                    rows.append(
                        {
                            "level": "project",
                            "id": f"project-{p.pk}",
                            "parent": f"measure-{m.pk}",
                            "title": p.title,
                            "field": f.key,
                            "municipality": p.municipality.name if p.municipality else "joint",
                            "status": p.status,
                            "phase": "",
                            "quick_win": p.quick_win,
                            "weight": p.weight,
                            "progress": _round(p.progress),
                            "planned_start": p.planned_start or "",
                            "planned_end": p.planned_end or "",
                            "budget_planned": p.budget_planned,
                            "budget_spent": p.budget_spent,
                            "funding_source": p.funding_source,
                            "is_illustrative": p.is_illustrative,
                        }
                    )
    return rows


def tree_csv(nodes: list[Any]) -> str:
    """The tree as CSV; titles and names are the public's words, so no cell runs as a formula."""
    rows = tree_rows(nodes)
    out = io.StringIO()
    columns = list(rows[0]) if rows else ["level", "id", "parent", "title"]
    writer = csv.DictWriter(out, fieldnames=columns)
    writer.writeheader()
    writer.writerows(safe_dict(row) for row in rows)
    return out.getvalue()


def _history(obj: Any) -> list[dict]:
    return [
        {"date": h.date.isoformat(), "status": h.status, "note": h.note} for h in obj.history.all()
    ]


def tree_json(nodes: list[Any], vision: Any = None) -> str:
    """The nested tree with progress, history, milestones, budgets and indicator targets."""
    data = {
        "vision": None
        if vision is None
        else {
            "title": vision.title,
            "motto": vision.motto,
            "text": vision.text,
            "source": vision.source.name if vision.source else None,
        },
        "fields": [],
    }
    for node in nodes:
        field = {
            "key": node.field.key,
            "name_de": node.field.name_de,
            "name_en": node.field.name_en,
            "progress": _round(node.progress),
            "goals": [],
        }
        for goal in node.goals:
            g = {
                "id": goal.pk,
                "title": goal.title,
                "weight": goal.weight,
                "progress": _round(goal.progress),
                "is_illustrative": goal.is_illustrative,
                "measures": [],
            }
            for m in goal.measures.all():
                g["measures"].append(
                    {
                        "id": m.pk,
                        "title": m.title,
                        "description": m.description,
                        "municipality": m.municipality.name if m.municipality else None,
                        "status": m.status,
                        "phase": m.phase,
                        "quick_win": m.quick_win,
                        "weight": m.weight,
                        "progress": _round(m.progress),
                        "place": None
                        if m.lat is None
                        else {"name": m.place_name, "lat": m.lat, "lon": m.lon},
                        "is_illustrative": m.is_illustrative,
                        "history": _history(m),
                        "targets": [
                            {
                                "label": t.label,
                                "indicator": {k: v for k, v in t.spec.items()},
                                "baseline": t.baseline_value,
                                "baseline_run": t.baseline_run_id,
                                "target": t.target_value,
                                "target_date": t.target_date.isoformat(),
                            }
                            for t in m.targets.all()
                        ],
                        "projects": [
                            {
                                "id": p.pk,
                                "title": p.title,
                                "municipality": p.municipality.name if p.municipality else None,
                                "status": p.status,
                                "quick_win": p.quick_win,
                                "weight": p.weight,
                                "progress": _round(p.progress),
                                "planned_start": p.planned_start.isoformat()
                                if p.planned_start
                                else None,
                                "planned_end": p.planned_end.isoformat() if p.planned_end else None,
                                "budget": {
                                    "planned": str(p.budget_planned),
                                    "spent": str(p.budget_spent),
                                    "funding_source": p.funding_source,
                                },
                                "is_illustrative": p.is_illustrative,
                                "history": _history(p),
                                "milestones": [
                                    {
                                        "title": ms.title,
                                        "weight": ms.weight,
                                        "planned_start": ms.planned_start.isoformat(),
                                        "planned_end": ms.planned_end.isoformat(),
                                        "actual_start": ms.actual_start.isoformat()
                                        if ms.actual_start
                                        else None,
                                        "actual_end": ms.actual_end.isoformat()
                                        if ms.actual_end
                                        else None,
                                    }
                                    for ms in p.milestones.all()
                                ],
                            }
                            for p in m.projects.all()
                        ],
                    }
                )
            field["goals"].append(g)
        data["fields"].append(field)
    return json.dumps(data, ensure_ascii=False, indent=2, default=str)
