"""What became of a participation object: the measures that took it up.

The participation pages show this under an idea, a workshop, a workshop result, a proposed
measure or a societal group, so that people who took part see what their contribution led to.
Participation never imports strategy; it uses the template tag ``{% strategy_outcomes obj %}``
(``{% load strategy_outcomes %}``), which renders ``strategy/_outcomes.html``.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q

from .models import Measure
from .tree import annotate_measure


def outcomes_for(obj: Any) -> list[Measure]:
    """Measures that came (directly or through a proposal) from ``obj``, with ``progress``.

    Accepts an Idea, Workshop, WorkshopResult, ProposedMeasure or SocietalGroup; anything else
    gives an empty list.
    """
    name = type(obj).__name__
    if obj is None or getattr(obj, "pk", None) is None:
        return []
    if name == "Idea":
        query = Q(ideas=obj) | Q(proposed_measures__ideas=obj)
    elif name == "ProposedMeasure":
        query = Q(proposed_measures=obj)
    elif name == "WorkshopResult":
        query = Q(workshop_results=obj) | Q(proposed_measures__result=obj)
    elif name == "Workshop":
        query = Q(workshop_results__workshop=obj) | Q(proposed_measures__result__workshop=obj)
    elif name == "SocietalGroup":
        query = Q(groups=obj)
    else:
        return []
    measures = (
        Measure.objects.filter(query)
        .distinct()
        .select_related("goal__field", "municipality")
        .prefetch_related("projects__milestones")
        .order_by("pk")
    )
    return [annotate_measure(m) for m in measures]
