"""Error pages of the platform (400, 403, 404, 500 and the CSRF failure), German first.

Django's own handlers would render the same template names, but with DEBUG off a missing or
broken template falls back to a bare English line, and the CSRF failure page is Django's
English one in any case. These handlers name the templates, status codes and what each may
rely on: 403 and 404 render with the request (the page layout with navigation and the signed-in
person); 400 without it, because the request itself was faulty (e.g. an unknown host name);
500 without request, context processors or database, from a standalone template, because the
cause may be the database or the shared layout.
"""

from __future__ import annotations

from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponseBadRequest,
    HttpResponseForbidden,
    HttpResponseNotFound,
    HttpResponseServerError,
)
from django.template import loader
from django.views.decorators.csrf import requires_csrf_token


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """400: the request could not be processed (rendered without the request's data)."""
    return HttpResponseBadRequest(loader.get_template("400.html").render())


@requires_csrf_token
def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """403: not allowed; signed-out visitors are offered the login with a way back."""
    return HttpResponseForbidden(loader.render_to_string("403.html", request=request))


@requires_csrf_token
def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    """404: no page at this address."""
    return HttpResponseNotFound(loader.render_to_string("404.html", request=request))


def server_error(request: HttpRequest) -> HttpResponse:
    """500: rendered with no request and no database query (see 500.html)."""
    return HttpResponseServerError(loader.get_template("500.html").render())


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """403 for a form without a valid CSRF token (settings.CSRF_FAILURE_VIEW).

    The reason (Django's technical wording) is not shown: it helps nobody filling in a form,
    and the log already has it.
    """
    return HttpResponseForbidden(loader.render_to_string("403_csrf.html", request=request))
