"""A registry through which apps contribute panels to the region's pages.

The overview, municipality and district pages are where people start, and other apps have
figures worth showing there (supply indicators, ÖV-Güteklassen). The region sits at the bottom
of the app graph and must not import those apps; instead each app registers its panels here in
its ``AppConfig.ready()`` — as transit registers its mode with the analysis — and the region's
views render whatever is registered, in ``order``.

A panel's builder receives the page's subject (the Region, Municipality or District) and
returns a :class:`Contribution`: names merged into the page's template context and records
whose sources are listed under the page. Apps may also register *district figures*: one value
per district that other panels' district maps show in their popups.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

#: The region pages that accept panels, and the subject their builders receive.
PAGES = ("overview", "municipality", "district")


@dataclass
class Contribution:
    """What a panel adds to a page: template context and records with a ``source_id``."""

    context: dict[str, Any]
    sources: list[Any] = field(default_factory=list)


@dataclass(frozen=True)
class Panel:
    """One section on a region page, rendered by ``template`` from the builder's context."""

    key: str
    page: str
    template: str
    build: Callable[[Any], Contribution]
    order: int = 100


@dataclass(frozen=True)
class DistrictFigure:
    """One figure per district (``values(region)`` → {district id: value}, or None when the
    region has none), with its popup label."""

    key: str
    label: Callable[[], str]
    values: Callable[[Any], dict[int, float | None] | None]


_PANELS: dict[tuple[str, str], Panel] = {}
_FIGURES: dict[str, DistrictFigure] = {}
_DISTRICT_LINKS: dict[str, Callable[[str], str]] = {}


def register_panel(
    page: str, key: str, template: str, build: Callable[[Any], Contribution], *, order: int = 100
) -> None:
    """Add (or replace, by ``key``) a panel on ``page``; called from ``AppConfig.ready()``."""
    if page not in PAGES:
        raise ValueError(f"unknown region page {page!r}; allowed: {', '.join(PAGES)}")
    _PANELS[(page, key)] = Panel(key=key, page=page, template=template, build=build, order=order)


def panels(page: str) -> list[Panel]:
    """The panels registered for ``page``, in display order."""
    return sorted(
        (p for (pg, _k), p in _PANELS.items() if pg == page), key=lambda p: (p.order, p.key)
    )


def build_panels(page: str, subject: Any) -> tuple[list[str], dict[str, Any], list[Any]]:
    """Every panel of ``page`` built for ``subject``: their templates in order, their merged
    context and the records whose sources the page lists."""
    templates: list[str] = []
    context: dict[str, Any] = {}
    sources: list[Any] = []
    for panel in panels(page):
        contribution = panel.build(subject)
        templates.append(panel.template)
        context.update(contribution.context)
        sources.extend(contribution.sources)
    return templates, context, sources


def register_district_figure(
    key: str, label: Callable[[], str], values: Callable[[Any], dict[int, float | None] | None]
) -> None:
    """Offer one figure per district to the district maps of other panels."""
    _FIGURES[key] = DistrictFigure(key=key, label=label, values=values)


def district_figures(region: Any) -> list[tuple[DistrictFigure, dict[int, float | None]]]:
    """The registered district figures the region has, with their values."""
    out = []
    for figure in sorted(_FIGURES.values(), key=lambda f: f.key):
        values = figure.values(region)
        if values is not None:
            out.append((figure, values))
    return out


def register_district_link(key: str, url: Callable[[str], str]) -> None:
    """Offer a page about one district (``url(district_key)``) that the region's pages link to.

    The region's tables link each Ortsteil to its supply analysis; the analysis app owns that
    page and its URL name, so it registers the link here instead of the region reversing a name
    of an app above it.
    """
    _DISTRICT_LINKS[key] = url


def district_link(key: str, district_key: str) -> str | None:
    """The registered ``key`` page of a district, or None when no app offers one."""
    url = _DISTRICT_LINKS.get(key)
    return url(district_key) if url is not None else None
