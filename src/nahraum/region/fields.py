"""Field factories for the two region links that nearly every planning object carries.

Workshops, ideas, surveys, proposed measures, measures, projects and offers all belong to one
innovation field and, optionally, to one municipality, where empty means "joint": the
cooperation as a whole, looked after by the project office (permissions read it that way).
Declaring those links in one place keeps their meaning (PROTECT: a municipality or field with
planning history attached cannot vanish) the same everywhere. The factories return plain
``ForeignKey`` fields with exactly the arguments spelled out before, so using them changes no
database schema and needs no migration.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


def innovation_field_fk(
    related_name: str, *, on_delete: Any = models.PROTECT, **options: Any
) -> models.ForeignKey:
    """The innovation field an object belongs to (required unless ``null``/``blank`` given)."""
    return models.ForeignKey(
        "region.InnovationField",
        on_delete=on_delete,
        related_name=related_name,
        verbose_name=_("innovation field"),
        **options,
    )


def municipality_fk(
    related_name: str, *, verbose_name: Any = None, help_text: Any = ""
) -> models.ForeignKey:
    """The municipality responsible for an object; empty means joint (the project office)."""
    return models.ForeignKey(
        "region.Municipality",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name=related_name,
        verbose_name=_("municipality") if verbose_name is None else verbose_name,
        help_text=help_text,
    )
