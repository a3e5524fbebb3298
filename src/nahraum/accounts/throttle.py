"""Rate limits over the shared cache: login throttling, limits on submissions, heavy-work budgets.

A fixed window per key is enough here: the aim is to slow down password guessing and floods of
ideas or comments, not to meter an API. The counting itself lives in
:mod:`nahraum.region.ratelimit` (atomic on Redis; per machine and not atomic on the file cache —
see there), so that apps which may not import ``accounts`` can budget their heavy work too; this
module re-exports it and keeps the login rules.

Heavy-work budget (issue 11, item 6)::

    from nahraum.accounts import throttle

    wait = throttle.budget("locate", request, per_user=10, per_address=3, window=3600)
    if wait is not None:  # seconds until the next window
        return throttle.too_many_requests(request, gettext("location planning"), wait)

or as a decorator on a whole view (every GET/POST spends one unit)::

    @throttle.heavy_work("pdf", gettext_lazy("PDF reports"), per_user=30, per_address=10)
    def report_pdf(request): ...

The 429 page (web/templates/429.html) says what was limited and when to try again and sends
``Retry-After``; JSON clients get ``{"error", "what", "retry_after"}``.
"""

from __future__ import annotations

from django.http import HttpRequest

from nahraum.region.ratelimit import (
    allow,
    budget,
    client_address,
    count,
    heavy_work,
    hit,
    reset,
    too_many_requests,
)

__all__ = [
    "LOGIN_FAILURES_ALLOWED",
    "LOGIN_FAILURES_PER_ADDRESS",
    "LOGIN_WINDOW_SECONDS",
    "allow",
    "budget",
    "client_address",
    "count",
    "heavy_work",
    "hit",
    "login_blocked",
    "login_failed",
    "login_ident",
    "login_succeeded",
    "reset",
    "too_many_requests",
]

#: Failed logins per username and address before the login is refused for the window.
LOGIN_FAILURES_ALLOWED = 5
#: Failed logins per address, whatever the username (guessing across many accounts).
LOGIN_FAILURES_PER_ADDRESS = 50
LOGIN_WINDOW_SECONDS = 15 * 60


def login_ident(request: HttpRequest, username: str) -> str:
    """The throttle key of one username tried from one address."""
    return f"{(username or '').strip().lower()}|{client_address(request)}"


def login_blocked(request: HttpRequest, username: str) -> bool:
    """True when this username from this address (or this address at all) failed too often."""
    return (
        count("login", login_ident(request, username)) >= LOGIN_FAILURES_ALLOWED
        or count("login-address", client_address(request)) >= LOGIN_FAILURES_PER_ADDRESS
    )


def login_failed(request: HttpRequest, username: str) -> None:
    """Count a failed login against the username+address and the address alone."""
    hit("login", login_ident(request, username), LOGIN_WINDOW_SECONDS)
    hit("login-address", client_address(request), LOGIN_WINDOW_SECONDS)


def login_succeeded(request: HttpRequest, username: str) -> None:
    """A successful login forgets this username's failures (not the address's)."""
    reset("login", login_ident(request, username))
