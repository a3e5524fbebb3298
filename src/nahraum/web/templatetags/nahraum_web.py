"""Template helpers every page uses: the language switch and the data sources of a page.

They live in the web app because base.html and the shared includes need them; other apps load
them with ``{% load nahraum_web %}``.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import lru_cache
from pathlib import Path

from django import template
from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpRequest
from django.urls import translate_url
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.simple_tag(takes_context=True)
def language_links(context: template.Context) -> list[dict]:
    """The current page in every language, for a switch made of plain links.

    Plain links (not a form that needs JavaScript to submit) keep the switch usable with the
    keyboard and without scripts, and the URL prefix decides the language, not a cookie.
    """
    request: HttpRequest | None = context.get("request")
    current = context.get("LANGUAGE_CODE") or settings.LANGUAGE_CODE
    path = request.get_full_path() if request is not None else "/"
    links = []
    for code, name in settings.LANGUAGES:
        url = translate_url(path, code)
        if url == path and code != current:
            # translate_url gives the input back for paths it cannot resolve (e.g. a 404 page);
            # fall back to the language's home page rather than a link to the same page.
            url = f"/{code}/"
        links.append({"code": code, "name": name, "url": url, "current": code == current})
    return links


@register.filter
def unique_sources(objects: Iterable) -> list:
    """The distinct DataSources of records (anything with ``.source``) or of sources themselves.

    Pages pass what they show; the footer lists each source once, in a stable order.
    """
    seen: dict[int, object] = {}
    for obj in objects or []:
        if obj is None:
            continue
        source = getattr(obj, "source", obj) if not hasattr(obj, "licence") else obj
        if source is not None and getattr(source, "pk", None) not in seen:
            seen[source.pk] = source
    return sorted(seen.values(), key=lambda s: (s.name, s.pk))


@lru_cache(maxsize=16)
def _static_text(path: str) -> str:
    found = finders.find(path)
    if not found:
        raise template.TemplateSyntaxError(f"inline_static: no static file {path!r}")
    return Path(found).read_text(encoding="utf-8")


@register.simple_tag
def inline_static(path: str) -> SafeString:
    """The text of one of our static files, for documents read without a web server.

    Pages link their stylesheets (the Content-Security-Policy allows no inline styles); a PDF
    rendered by WeasyPrint, possibly in a job worker with no request, gets the same stylesheet
    written into the document instead of fetching it over HTTP from the server itself.
    """
    return mark_safe(_static_text(path))  # our own file from the package, not user input
