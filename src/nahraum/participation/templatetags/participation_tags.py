"""Template filters of the participation pages."""

from __future__ import annotations

from django import template
from django.utils import formats

register = template.Library()


@register.filter
def pct(value: float | None) -> str:
    """A share 0..1 as a percentage: one decimal below 10 %, whole numbers above."""
    if value is None:
        return "–"
    percent = float(value) * 100
    digits = 1 if 0 < percent < 9.95 else 0
    # Round first: Django's number_format cuts off the digits it does not show (13.96 → "13").
    return f"{formats.number_format(round(percent, digits), digits)} %"
