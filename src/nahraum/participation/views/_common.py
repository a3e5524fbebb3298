"""Helpers every participation view uses: submission rate limits and the create pages.

Permissions are asked through :mod:`nahraum.accounts.permissions`, map and chart specifications
are built in :mod:`nahraum.participation.specs`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.forms import ModelForm
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from nahraum.accounts import throttle

#: Submissions per person and hour (settings NAHRAUM_RATE_LIMITS overrides single entries).
DEFAULT_RATE_LIMITS: dict[str, int] = {
    "idea": 10,
    "comment": 30,
    "report": 20,
    "support": 120,
}


def within_rate_limit(request: HttpRequest, kind: str) -> bool:
    """Count one submission of ``kind``; False (and a message) once the hourly limit is reached."""
    limits = {**DEFAULT_RATE_LIMITS, **getattr(settings, "NAHRAUM_RATE_LIMITS", {})}
    ident = (
        str(request.user.pk) if request.user.is_authenticated else throttle.client_address(request)
    )
    if throttle.allow(f"submit-{kind}", ident, limits[kind], 3600):
        return True
    messages.error(
        request, _("You have sent a lot in a short time. Please wait a while and try again.")
    )
    return False


def create_page(
    request: HttpRequest,
    form: ModelForm,
    *,
    template: str,
    saved: str,
    not_saved: str,
    then: Callable[[Any], Any],
) -> HttpResponse:
    """The create page of what staff make (workshops, surveys): one flow, so both behave alike.

    A valid POST saves the object with ``created_by`` (the record of who made it) and redirects
    to ``then(obj)``; an invalid one shows the form again with the marked fields and status 400,
    so a failed request is visible as such and leaves the database unchanged.
    """
    if request.method == "POST":
        if form.is_valid():
            obj = form.save(commit=False)
            obj.created_by = request.user
            obj.save()
            messages.success(request, saved)
            return redirect(then(obj))
        messages.error(request, not_saved)
    return render(request, template, {"form": form}, status=400 if form.errors else 200)
