"""``{% strategy_outcomes obj %}``: what became of an idea, a workshop or a proposal."""

from __future__ import annotations

from typing import Any

from django import template

from nahraum.strategy.outcomes import outcomes_for

register = template.Library()


@register.inclusion_tag("strategy/_outcomes.html")
def strategy_outcomes(obj: Any) -> dict:
    return {"outcome_measures": outcomes_for(obj), "outcome_subject": obj}


@register.inclusion_tag("strategy/_progress.html")
def progress_bar(value: float | None, label: str = "") -> dict:
    """An accessible progress bar (native <progress> with the figure as text)."""
    return {"value": None if value is None else round(value), "label": label}
