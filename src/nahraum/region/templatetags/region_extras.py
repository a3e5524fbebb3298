"""Template filters of the region pages."""

from __future__ import annotations

from django import template
from django.utils.translation import gettext

register = template.Library()


@register.filter
def unit_label(unit: str) -> str:
    """A capacity unit ("places", "GPs", …) in the current language.

    Units are stored in English in the taxonomy data; the known ones have German translations in
    this app's catalogue (see ``views.CAPACITY_UNITS``), unknown ones are shown as stored.
    """
    return gettext(unit) if unit else ""
